from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from slipway.jobs import (RenderError, RequestValidationError, load_job_spec,
                          render_training_job, render_tuning_job)
from slipway.jobs.validate import validate_request

from .conftest import ROLE, SHIPPED

OUTPUT = "s3://slipway-models/training"
CHANNELS = {"train": "s3://slipway-data/train/part-0.csv",
            "validation": "s3://slipway-data/validation/"}
KMS = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def _expected_image(region: str) -> str:
    """The SDK's registry for the PyTorch 2.8.0 training container, with the spec's pinned tag."""
    os.environ.setdefault("SAGEMAKER_SUPPRESS_V2_WARNING", "1")
    from sagemaker import image_uris

    floating = image_uris.retrieve("pytorch", region, version="2.8.0", py_version="py312",
                                   instance_type="ml.g5.xlarge", image_scope="training")
    return floating.rsplit(":", 1)[0] + ":2.8.0-gpu-py312-cu129-ubuntu22.04-sagemaker"


def _training(**options: Any) -> dict[str, Any]:
    return render_training_job(load_job_spec(SHIPPED), **{
        "job_name": "xgb-20261121-094500", "role_arn": ROLE, "output_s3_uri": OUTPUT,
        "channels": CHANNELS, "region": "us-east-1", **options})


def _tuning(spec_path: Path = SHIPPED, **options: Any) -> dict[str, Any]:
    return render_tuning_job(load_job_spec(spec_path), **{
        "job_name": "xgb-tune-1", "role_arn": ROLE, "output_s3_uri": OUTPUT,
        "channels": CHANNELS, "region": "us-east-1", **options})


def test_a_training_request_is_script_mode_on_the_pinned_pytorch_training_image() -> None:
    request = _training()

    algorithm = request["AlgorithmSpecification"]
    assert algorithm["TrainingImage"] == _expected_image("us-east-1") == (
        "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:"
        "2.8.0-gpu-py312-cu129-ubuntu22.04-sagemaker")
    assert algorithm["TrainingInputMode"] == "File"
    assert {"Name": "validation:logloss", "Regex": "validation:logloss=([-+0-9.eE]+)"} \
        in algorithm["MetricDefinitions"]
    hps = request["HyperParameters"]
    assert hps["sagemaker_program"] == '"train.py"'
    assert hps["sagemaker_submit_directory"] == \
        f'"{OUTPUT}/xgb-20261121-094500/source/sourcedir.tar.gz"'
    assert (hps["sagemaker_region"], hps["sagemaker_container_log_level"]) == ('"us-east-1"', "20")
    # The toolkit JSON-decodes all values or none: every value must be JSON text
    assert {k: json.loads(v) for k, v in hps.items()} | {} == {
        "algorithm": "xgboost", "target": "target", "model_name": "xgboost-classifier",
        "num_round": 300, "early_stopping_rounds": 20, "checkpoint_interval": 10,
        "sagemaker_program": "train.py",
        "sagemaker_submit_directory": f"{OUTPUT}/xgb-20261121-094500/source/sourcedir.tar.gz",
        "sagemaker_region": "us-east-1", "sagemaker_container_log_level": 20}


def test_spot_checkpoints_and_resources_come_from_the_spec() -> None:
    request = _training()

    assert request["ResourceConfig"] == {"InstanceType": "ml.g5.xlarge", "InstanceCount": 1,
                                         "VolumeSizeInGB": 30}
    assert request["EnableManagedSpotTraining"] is True
    assert request["StoppingCondition"] == {"MaxRuntimeInSeconds": 3600,
                                            "MaxWaitTimeInSeconds": 7200}
    assert request["CheckpointConfig"] == {
        "S3Uri": f"{OUTPUT}/xgb-20261121-094500/checkpoints", "LocalPath": "/opt/ml/checkpoints"}
    assert (request["EnableNetworkIsolation"], request["EnableInterContainerTrafficEncryption"]) \
        == (False, False)
    assert [c["ChannelName"] for c in request["InputDataConfig"]] == ["train", "validation"]
    assert request["InputDataConfig"][0]["ContentType"] == "text/csv"
    assert "ContentType" not in request["InputDataConfig"][1]
    assert request["InputDataConfig"][1]["DataSource"]["S3DataSource"] == {
        "S3DataType": "S3Prefix", "S3Uri": "s3://slipway-data/validation/",
        "S3DataDistributionType": "FullyReplicated"}


def test_a_kms_key_encrypts_the_output_and_volumes_that_can_take_one(
        shipped: dict[str, Any], write_spec: Callable[..., Path]) -> None:
    on_gpu = _training(kms_key_id=KMS, checkpoint_s3_uri="s3://ckpt/xgb/")
    shipped["resources"]["instance_type"] = "ml.m5.xlarge"
    on_cpu = render_training_job(load_job_spec(write_spec(shipped)), job_name="x", role_arn=ROLE,
                                 output_s3_uri=OUTPUT, channels=CHANNELS, region="us-east-1",
                                 kms_key_id=KMS)

    assert on_gpu["OutputDataConfig"] == {"S3OutputPath": OUTPUT, "KmsKeyId": KMS}
    # ml.g5 has local NVMe, encrypted by the instance: SageMaker refuses a volume key there
    assert "VolumeKmsKeyId" not in on_gpu["ResourceConfig"]
    assert on_cpu["ResourceConfig"]["VolumeKmsKeyId"] == KMS
    assert on_gpu["CheckpointConfig"]["S3Uri"] == "s3://ckpt/xgb/"


def test_overrides_win_over_static_hyperparameters() -> None:
    request = _training(hyperparameter_overrides={"eta": "0.05", "num_round": "50"})

    assert (request["HyperParameters"]["eta"], request["HyperParameters"]["num_round"]) == (
        "0.05", "50")


def test_cdk_tokens_pass_through_unvalidated() -> None:
    token = "${Token[TOKEN.%d]}"
    request = render_training_job(
        load_job_spec(SHIPPED), job_name=token % 1, role_arn=token % 2, output_s3_uri=token % 3,
        channels={"train": token % 4}, kms_key_id=token % 5, region="eu-west-1",
        checkpoint_s3_uri=token % 6, validate=False)

    assert request["RoleArn"] == token % 2
    assert request["OutputDataConfig"] == {"S3OutputPath": token % 3, "KmsKeyId": token % 5}
    assert request["CheckpointConfig"]["S3Uri"] == token % 6
    assert request["AlgorithmSpecification"]["TrainingImage"] == _expected_image("eu-west-1")
    assert json.dumps(request)  # a plain JSON document: embeddable in a Step Functions state


def test_a_region_token_needs_an_explicit_image() -> None:
    with pytest.raises(RenderError) as caught:
        _training(region="${Token[AWS.Region.9]}", validate=False)
    assert "unresolved region token; pass a concrete region, or image_uri" in str(caught.value)

    image = "111122223333.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-xgboost:3.0-5"
    request = _training(region="${Token[AWS.Region.9]}", image_uri=image, validate=False)
    assert request["AlgorithmSpecification"]["TrainingImage"] == image


def test_without_a_region_the_renderer_says_how_to_give_one() -> None:
    with pytest.raises(RenderError) as caught:
        _training(region=None)

    assert caught.value.message == (f"{SHIPPED}: a region is needed to find the training image; "
                                    "pass region=... or set `region:` in the spec")


@pytest.mark.parametrize(("options", "field", "problem"), [
    ({"role_arn": "arn:aws:iam::123456789012:user/me"}, "RoleArn",
     "'arn:aws:iam::123456789012:user/me' does not match the pattern"),
    ({"job_name": "bad_name"}, "TrainingJobName", "'bad_name' does not match the pattern"),
    ({"output_s3_uri": "/local/path"}, "OutputDataConfig.S3OutputPath", "does not match"),
])
def test_validation_names_the_field(options: dict[str, str], field: str, problem: str) -> None:
    with pytest.raises(RequestValidationError) as caught:
        _training(**options)

    assert (caught.value.operation, caught.value.field) == ("CreateTrainingJob", field)
    assert problem in caught.value.problem


def test_a_request_botocore_refuses_is_named_by_field() -> None:
    request = _training()
    request["ResourceConfig"]["InstanceCount"] = "1"

    with pytest.raises(RequestValidationError) as caught:
        validate_request("CreateTrainingJob", request)

    assert caught.value.field == "ResourceConfig.InstanceCount"
    assert "Invalid type for parameter ResourceConfig.InstanceCount" in caught.value.problem


def test_an_instance_type_outside_botocores_enum_is_refused() -> None:
    request = _training()
    request["ResourceConfig"]["InstanceType"] = "ml.g99.xlarge"

    with pytest.raises(RequestValidationError) as caught:
        validate_request("CreateTrainingJob", request)

    assert caught.value.field == "ResourceConfig.InstanceType"
    assert caught.value.problem.startswith("'ml.g99.xlarge' is not one of ")


def test_a_tuning_request_carries_strategy_objective_ranges_and_limits() -> None:
    request = _tuning(kms_key_id=KMS)

    config = request["HyperParameterTuningJobConfig"]
    assert config["Strategy"] == "Bayesian"
    assert config["HyperParameterTuningJobObjective"] == {"Type": "Minimize",
                                                          "MetricName": "validation:logloss"}
    assert config["ResourceLimits"] == {"MaxParallelTrainingJobs": 2,
                                        "MaxNumberOfTrainingJobs": 20,
                                        "MaxRuntimeInSeconds": 72000}  # 10 waves x 7200 s
    assert (config["TrainingJobEarlyStoppingType"], config["RandomSeed"]) == ("Auto", 42)
    ranges = config["ParameterRanges"]
    assert ranges["IntegerParameterRanges"] == [
        {"Name": "max_depth", "MinValue": "2", "MaxValue": "10", "ScalingType": "Auto"}]
    assert {"Name": "subsample", "MinValue": "0.5", "MaxValue": "0.99",
            "ScalingType": "ReverseLogarithmic"} in ranges["ContinuousParameterRanges"]
    definition = request["TrainingJobDefinition"]
    assert json.loads(definition["StaticHyperParameters"]["sagemaker_submit_directory"]) == \
        f"{OUTPUT}/xgb-tune-1/source/sourcedir.tar.gz"
    assert "eta" not in definition["StaticHyperParameters"]
    assert definition["EnableManagedSpotTraining"] is True
    assert definition["OutputDataConfig"]["KmsKeyId"] == KMS
    assert "EnableSageMakerMetricsTimeSeries" not in definition["AlgorithmSpecification"]


def test_grid_and_hyperband_requests(shipped: dict[str, Any],
                                     write_spec: Callable[..., Path]) -> None:
    objective = shipped["tuning"]["objective"]
    shipped["tuning"] = {"strategy": "Grid", "objective": objective, "max_parallel": 2,
                         "ranges": {"max_depth": {"type": "categorical", "values": [2, 4]},
                                    "grow": {"type": "categorical", "values": ["a", "b"]}}}
    grid = _tuning(write_spec(shipped, "grid.yaml"))
    shipped["tuning"] = {"strategy": "Hyperband", "objective": objective, "max_jobs": 30,
                         "hyperband": {"min_resource": 10, "max_resource": 300},
                         "ranges": {"eta": {"type": "continuous", "min": 0.01, "max": 0.3}}}
    band = _tuning(write_spec(shipped, "band.yaml"))

    grid_config = grid["HyperParameterTuningJobConfig"]
    assert "MaxNumberOfTrainingJobs" not in grid_config["ResourceLimits"]
    # Framework containers JSON-decode hyperparameters: categorical values are JSON text
    assert grid_config["ParameterRanges"]["CategoricalParameterRanges"] == [
        {"Name": "max_depth", "Values": ["2", "4"]}, {"Name": "grow", "Values": ['"a"', '"b"']}]
    band_config = band["HyperParameterTuningJobConfig"]
    assert band_config["StrategyConfig"] == {"HyperbandStrategyConfig": {
        "MinResource": 10, "MaxResource": 300}}
    assert band_config["TrainingJobEarlyStoppingType"] == "Off"


def test_a_tuning_job_name_over_32_characters_is_refused() -> None:
    with pytest.raises(RequestValidationError) as caught:
        _tuning(job_name="x" * 33)

    assert caught.value.field == "HyperParameterTuningJobName"
    assert caught.value.problem == "is 33 characters long; at most 32"


def test_a_spec_without_tuning_cannot_render_a_tuning_job(
        shipped: dict[str, Any], write_spec: Callable[..., Path]) -> None:
    shipped.pop("tuning")
    path = write_spec(shipped)

    with pytest.raises(RenderError) as caught:
        _tuning(path)

    assert caught.value.message == f"{path}: has no `tuning:` section"
