"""The pipeline's requests come from the job spec's renderer; these check them without a synth,
with concrete values, against botocore's own SageMaker model."""
from __future__ import annotations

import copy
import dataclasses
from typing import Any

import pytest

from slipway.jobs import load_job_spec
from slipway.jobs.validate import validate_request
from slipway.jobs.rules import SageMakerRuleViolation
from stacks.constructs.training_pipeline import JobNaming
from stacks.training_requests import check_pipeline_jobs, dynamic, pipeline_spec, render_pipeline_jobs
from tests.conftest import REPO

IMAGE = "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.8.0-gpu-py312-cu129-ubuntu22.04-sagemaker"
SPEC = load_job_spec(REPO / "training/jobs/xgboost-classifier.yaml")
EXPRESSIONS = {"tuning_job_name": "$.a", "training_job_name": "$.b", "tuning_checkpoint_uri": "$.c",
               "training_checkpoint_uri": "$.d", "hyperparameters": "$.e"}
SAMPLES = {"$.a": "model-1a2b3c4d-hpo", "$.b": "model-1a2b3c4d-final", "$.c": "s3://models/checkpoints/model/x/tuning/",
           "$.d": "s3://models/checkpoints/model/x/final/", "$.e": {"eta": "0.1", "num_round": "300"}}


def _render(instance_type: str = "ml.g4dn.xlarge"):
    return render_pipeline_jobs(
        SPEC, instance_type=instance_type, role_arn="arn:aws:iam::123456789012:role/sagemaker",
        output_s3_uri="s3://models/training/model/",
        channels={"train": "s3://data/training/model/train/", "validation": "s3://data/training/model/validation/"},
        source_object_uri="s3://assets/abc.gz", source_file_name="abc.gz",
        kms_key_id="arn:aws:kms:us-east-1:123456789012:key/1234", region="us-east-1",
        image_uri=IMAGE, expressions=EXPRESSIONS)


def _materialize(value: Any) -> Any:
    """What Step Functions would send: every `Key.$` replaced by a sample value."""
    if isinstance(value, list):
        return [_materialize(v) for v in value]
    if not isinstance(value, dict):
        return value
    return {k.removesuffix(".$"): SAMPLES[v] if k.endswith(".$") else _materialize(v) for k, v in value.items()}


def test_both_requests_with_their_per_execution_values_are_valid_sagemaker_requests():
    jobs = _render()

    validate_request("CreateHyperParameterTuningJob", _materialize(jobs.tuning))
    validate_request("CreateTrainingJob", _materialize(jobs.training))
    assert (jobs.objective_metric, jobs.objective_type) == ("validation:logloss", "Minimize")


def test_the_pipeline_policy_changes_only_instance_type_isolation_and_encryption_of_the_spec():
    policy = pipeline_spec(SPEC, instance_type="ml.p3.2xlarge")
    changed = {f.name for f in dataclasses.fields(SPEC) if getattr(SPEC, f.name) != getattr(policy, f.name)}

    assert changed == {"instance_type", "network_isolation", "inter_container_encryption"}


@pytest.mark.parametrize(("instance_type", "volume_key"), [("ml.p3.2xlarge", True), ("ml.g4dn.xlarge", False)])
def test_the_volume_key_is_set_where_sagemaker_allows_one(instance_type, volume_key):
    resources = _render(instance_type).training["ResourceConfig"]

    assert resources["InstanceType"] == instance_type
    assert ("VolumeKmsKeyId" in resources) is volume_key


def test_the_static_hyperparameters_are_the_rendered_ones_with_the_code_channel_as_submit_directory():
    jobs = _render()

    assert jobs.static_hyperparameters["sagemaker_submit_directory"] == '"/opt/ml/input/data/code/abc.gz"'
    assert jobs.static_hyperparameters == {**jobs.tuning["TrainingJobDefinition"]["StaticHyperParameters"]}


def test_given_a_spec_without_tuning_when_rendered_for_the_pipeline_then_it_is_refused():
    with pytest.raises(ValueError, match="the training pipeline tunes first"):
        pipeline_spec(dataclasses.replace(SPEC, tuning=None), instance_type="ml.g5.xlarge")


def test_a_dynamic_value_moves_to_the_path_key():
    request = {"A": {"B": "x", "C": 1}}
    expected = copy.deepcopy(request)
    expected["A"] = {"C": 1, "B.$": "$.value"}

    dynamic(request, ["A", "B"], "$.value")

    assert request == expected


def test_the_synth_check_passes_the_shipped_spec_with_names_as_executions_make_them():
    naming = JobNaming.for_stack("xgboost-classifier", "SlipwayTraining")

    check_pipeline_jobs(SPEC, instance_type="ml.g5.xlarge", image_uri=IMAGE,
                        tuning_job_name=naming.sample("hpo"), training_job_name=naming.sample("final"))
    assert len(naming.sample("hpo")) <= 32


def test_the_synth_check_refuses_the_first_party_image_with_sagemakers_message():
    """Source: https://github.com/aws/sagemaker-xgboost-container/issues/121 (SageMaker's answer)."""
    first_party = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:3.0-5"

    with pytest.raises(SageMakerRuleViolation) as caught:
        check_pipeline_jobs(SPEC, instance_type="ml.g5.xlarge", image_uri=first_party,
                            tuning_job_name="model-abcdef-0123abcd-hpo", training_job_name="model-final")
    assert str(caught.value) == (
        "An error occurred (ValidationException) when calling the CreateHyperParameterTuningJob operation: "
        "You can't override the metric definitions for Amazon SageMaker algorithms. Please retry the request "
        "without specifying metric definitions.")


def test_the_embedded_requests_are_judged_where_they_hold_values():
    """A GPU image on a CPU instance is refused at render time, tokens or not."""
    with pytest.raises(SageMakerRuleViolation) as caught:
        _render("ml.m5.xlarge")
    assert caught.value.rule == "image-processor-matches-instance"
