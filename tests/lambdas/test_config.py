from __future__ import annotations

import pytest

from slipway_serving.config import ServingConfig
from slipway_serving.errors import ConfigError

BASE = {"SLIPWAY_MODEL_BUCKET": "models-bucket", "SLIPWAY_MODEL_POINTER_KEY": "pointers/m.json"}


def test_minimal_environment_gives_contract_defaults() -> None:
    config = ServingConfig.from_env(BASE)

    assert config.model_bucket == "models-bucket"
    assert config.pointer_key == "pointers/m.json"
    assert config.cache_dir == "/tmp/slipway-model"
    assert (config.results_bucket, config.results_prefix, config.rejects_prefix) == (None, "results/", "rejects/")
    assert (config.predictions_prefix, config.batch_prefix, config.pointer_ttl_s) == ("predictions/", "batch/", 60.0)
    assert (config.service, config.metrics_namespace) == ("slipway-serving", "Slipway")


def test_batch_ttl_and_observability_settings_are_read() -> None:
    env = {**BASE, "SLIPWAY_PREDICTIONS_PREFIX": "out/batch/", "SLIPWAY_BATCH_PREFIX": "in/",
           "SLIPWAY_POINTER_TTL_SECONDS": "0.5", "POWERTOOLS_SERVICE_NAME": "scoring",
           "POWERTOOLS_METRICS_NAMESPACE": "Acme"}

    config = ServingConfig.from_env(env, service="slipway-batch")

    assert (config.predictions_prefix, config.batch_prefix, config.pointer_ttl_s) == ("out/batch/", "in/", 0.5)
    assert (config.service, config.metrics_namespace) == ("scoring", "Acme")
    assert ServingConfig.from_env(BASE, service="slipway-batch").service == "slipway-batch"


def test_scorer_reads_results_settings() -> None:
    env = {**BASE, "SLIPWAY_RESULTS_BUCKET": "results-bucket", "SLIPWAY_RESULTS_PREFIX": "out/",
           "SLIPWAY_REJECTS_PREFIX": "bad/", "SLIPWAY_MODEL_CACHE_DIR": "/tmp/cache"}

    config = ServingConfig.from_env(env, scorer=True)

    assert (config.results_bucket, config.results_prefix, config.rejects_prefix, config.cache_dir) == (
        "results-bucket", "out/", "bad/", "/tmp/cache")


@pytest.mark.parametrize(("missing", "scorer"), [("SLIPWAY_MODEL_BUCKET", False),
                                                 ("SLIPWAY_MODEL_POINTER_KEY", False),
                                                 ("SLIPWAY_RESULTS_BUCKET", True)])
def test_a_missing_variable_is_named(missing: str, scorer: bool) -> None:
    env = {**BASE, "SLIPWAY_RESULTS_BUCKET": "results-bucket"}
    env.pop(missing)

    with pytest.raises(ConfigError, match=f"^{missing} is required but is not set$"):
        ServingConfig.from_env(env, scorer=scorer)


@pytest.mark.parametrize(("name", "value", "says"), [
    ("SLIPWAY_MODEL_BUCKET", "Not_A_Bucket", "must be an S3 bucket name"),
    ("SLIPWAY_MODEL_POINTER_KEY", "/pointers/m.json", "must be an S3 object key"),
    ("SLIPWAY_RESULTS_PREFIX", "/results/", "must be an S3 key prefix"),
    ("SLIPWAY_MODEL_CACHE_DIR", "relative/dir", "must be an absolute path"),
    ("SLIPWAY_POINTER_TTL_SECONDS", "soon", "must be a number of seconds between 0 and 86400"),
    ("SLIPWAY_POINTER_TTL_SECONDS", "-1", "must be a number of seconds between 0 and 86400"),
    ("SLIPWAY_PREDICTIONS_PREFIX", "/predictions/", "must be an S3 key prefix"),
])
def test_a_bad_value_is_refused_naming_the_variable(name: str, value: str, says: str) -> None:
    with pytest.raises(ConfigError, match=f"^{name} {says}") as caught:
        ServingConfig.from_env({**BASE, name: value})

    assert caught.value.code == "ConfigError"
    assert repr(value) in caught.value.message


def test_config_is_frozen() -> None:
    config = ServingConfig.from_env(BASE)

    with pytest.raises(AttributeError):
        config.model_bucket = "other"  # type: ignore[misc]
