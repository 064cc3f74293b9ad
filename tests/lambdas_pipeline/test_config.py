from __future__ import annotations

import pytest

from slipway_pipeline.config import PipelineConfig
from slipway_pipeline.errors import ConfigError
from tests.lambdas_pipeline.conftest import ENV


def test_given_the_stack_environment_when_read_then_every_setting_is_typed():
    config = PipelineConfig.from_env(ENV)

    assert (config.model_bucket, config.models_prefix) == ("slipway-models", "models/churn/")
    assert config.artifact_key("20261121T094500Z-1a2b3c4d") == "models/churn/20261121T094500Z-1a2b3c4d/model.tar.gz"
    assert (config.objective_metric, config.objective_type, config.tolerance) == ("validation:auc", "Maximize", 0.0)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("SLIPWAY_MODEL_BUCKET", "", "SLIPWAY_MODEL_BUCKET is required but is not set"),
        ("SLIPWAY_MODEL_BUCKET", "Not_A_Bucket", "SLIPWAY_MODEL_BUCKET must be an S3 bucket name"),
        ("SLIPWAY_MODELS_PREFIX", "models/churn", "SLIPWAY_MODELS_PREFIX must be 'models/<model name>/'"),
        ("SLIPWAY_MODELS_PREFIX", "churn/", "SLIPWAY_MODELS_PREFIX must be 'models/<model name>/'"),
        ("SLIPWAY_OBJECTIVE_TYPE", "Maximise", "SLIPWAY_OBJECTIVE_TYPE must be one of Maximize, Minimize"),
        ("SLIPWAY_PROMOTION_TOLERANCE", "-1", "SLIPWAY_PROMOTION_TOLERANCE must be a finite number >= 0"),
        ("SLIPWAY_PROMOTION_TOLERANCE", "nan", "SLIPWAY_PROMOTION_TOLERANCE must be a finite number >= 0"),
        ("SLIPWAY_PROMOTION_TOLERANCE", "small", "SLIPWAY_PROMOTION_TOLERANCE must be a number"),
        ("SLIPWAY_CANDIDATE_PREFIX", "training/churn", "SLIPWAY_CANDIDATE_PREFIX must be a key prefix ending in '/'"),
    ],
)
def test_given_a_bad_variable_when_read_then_the_error_names_it(name, value, message):
    with pytest.raises(ConfigError) as error:
        PipelineConfig.from_env({**ENV, name: value})

    assert str(error.value).startswith(message)
    assert error.value.code == "ConfigError"
