"""SageMaker's server-side rules (slipway/jobs/rules.py): one test per rule, each naming its
source, asserting the error code and SageMaker's message."""
from __future__ import annotations

import copy
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from slipway.jobs import load_job_spec, render_training_job, render_tuning_job
from slipway.jobs.rules import (FIRST_PARTY_REPOSITORIES, RULES, SageMakerRuleViolation,
                                check_training_job, check_tuning_job)

from .conftest import ROLE, SHIPPED

OUTPUT = "s3://slipway-models/training"
CHANNELS = {"train": "s3://slipway-data/train/"}
FIRST_PARTY = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:3.0-5"
METRICS_REFUSED = ("You can't override the metric definitions for Amazon SageMaker algorithms. "
                   "Please retry the request without specifying metric definitions.")


def _training(**options: Any) -> dict[str, Any]:
    return render_training_job(load_job_spec(SHIPPED), job_name="xgb-rules-1", role_arn=ROLE,
                               output_s3_uri=OUTPUT, channels=CHANNELS, region="us-east-1",
                               validate=False, **options)


def _tuning(**options: Any) -> dict[str, Any]:
    return render_tuning_job(load_job_spec(SHIPPED), job_name="xgb-tune-rules", role_arn=ROLE,
                             output_s3_uri=OUTPUT, channels=CHANNELS, region="us-east-1",
                             validate=False, **options)


def _refused(check: Callable[[dict[str, Any]], None], request: dict[str, Any]
             ) -> SageMakerRuleViolation:
    with pytest.raises(SageMakerRuleViolation) as caught:
        check(request)
    assert caught.value.code == "ValidationException"
    return caught.value


def test_the_shipped_requests_pass_every_rule() -> None:
    check_training_job(_training())
    check_tuning_job(_tuning())


def test_the_request_that_landed_for_issue_3_is_refused_with_sagemakers_message(
        shipped: dict[str, Any], write_spec: Callable[[dict[str, Any]], Path]) -> None:
    """#3 rendered the first-party sagemaker-xgboost 3.0-5 image with our metric definitions.
    Source: https://github.com/aws/sagemaker-xgboost-container/issues/121 and
    https://github.com/aws/sagemaker-python-sdk/issues/2226 (SageMaker's answer, verbatim)."""
    landed = write_spec({**shipped, "image": {"framework": "xgboost", "version": "3.0-5"}})
    common = dict(role_arn=ROLE, output_s3_uri=OUTPUT, channels=CHANNELS, region="us-east-1")

    for render, operation in ((render_training_job, "CreateTrainingJob"),
                              (render_tuning_job, "CreateHyperParameterTuningJob")):
        with pytest.raises(SageMakerRuleViolation) as caught:
            render(load_job_spec(landed), job_name="xgb-landed-3", **common)

        assert (caught.value.code, caught.value.message) == ("ValidationException",
                                                             METRICS_REFUSED)
        assert str(caught.value) == (f"An error occurred (ValidationException) when calling the "
                                     f"{operation} operation: {METRICS_REFUSED}")


def test_first_party_repositories_are_the_sdks_algorithm_images() -> None:
    """Source: the SageMaker Python SDK's image_uri_config (one JSON per built-in algorithm)."""
    os.environ.setdefault("SAGEMAKER_SUPPRESS_V2_WARNING", "1")
    from sagemaker import image_uris

    for name in ("xgboost", "linear-learner", "kmeans", "pca", "factorization-machines", "ntm",
                 "randomcutforest", "knn", "object2vec", "ipinsights", "lda",
                 "forecasting-deepar", "blazingtext", "image-classification", "object-detection",
                 "semantic-segmentation", "seq2seq"):
        config = image_uris.config_for_framework(name)
        config = config.get("training", config)
        repositories = {v.get("repository") for v in config.get("versions", {}).values()} | \
            {config.get("repository")}
        assert repositories & FIRST_PARTY_REPOSITORIES, name


def test_first_party_image_refuses_custom_tunable_hyperparameters() -> None:
    """Source: https://github.com/aws/sagemaker-python-sdk/issues/2226 and
    https://docs.aws.amazon.com/sagemaker/latest/dg/xgboost-tuning.html (tunable names)."""
    request = _tuning(image_uri=FIRST_PARTY)
    request["TrainingJobDefinition"]["AlgorithmSpecification"].pop("MetricDefinitions")

    check_tuning_job(request)  # the spec's six ranges are all tunable in the built-in XGBoost
    ranges = request["HyperParameterTuningJobConfig"]["ParameterRanges"]
    ranges["CategoricalParameterRanges"] = [{"Name": "feature_xform", "Values": ['"onehot"']}]
    error = _refused(check_tuning_job, request)
    assert error.message.startswith("The hyperparameter tuning job that you requested has the "
                                    "following untunable hyperparameters: ['feature_xform'].")


@pytest.mark.parametrize(("name", "message"), [
    ("x" * 64, "Member must have length less than or equal to 63"),
    ("bad_name", "Member must satisfy regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}"),
])
def test_training_job_names(name: str, message: str) -> None:
    """Source: https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateTrainingJob.html
    (TrainingJobName: 1-63 characters, pattern ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62})."""
    error = _refused(check_training_job, {**_training(), "TrainingJobName": name})
    assert error.message == (f"1 validation error detected: Value '{name}' at 'trainingJobName' "
                             f"failed to satisfy constraint: {message}")


def test_tuning_job_names_have_32_characters_at_most() -> None:
    """Source: https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateHyperParameterTuningJob.html
    (HyperParameterTuningJobName: 1-32 characters)."""
    name = "t" * 33
    error = _refused(check_tuning_job, {**_tuning(), "HyperParameterTuningJobName": name})
    assert error.message == (f"1 validation error detected: Value '{name}' at "
                             "'hyperParameterTuningJobName' failed to satisfy constraint: Member "
                             "must have length less than or equal to 32")
    assert str(error).startswith("An error occurred (ValidationException) when calling the "
                                 "CreateHyperParameterTuningJob operation: 1 validation error")


def test_spot_needs_a_max_wait_at_least_the_max_runtime() -> None:
    """Source: https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_StoppingCondition.html
    and https://docs.aws.amazon.com/sagemaker/latest/dg/model-managed-spot-training.html."""
    request = _training()
    request["StoppingCondition"] = {"MaxRuntimeInSeconds": 3600, "MaxWaitTimeInSeconds": 1800}
    error = _refused(check_training_job, request)
    assert error.message == ("Invalid MaxWaitTimeInSeconds. It must be present and be greater "
                             "than or equal to MaxRuntimeInSeconds")
    request["StoppingCondition"] = {"MaxRuntimeInSeconds": 3600}
    assert _refused(check_training_job, request).rule == "spot-max-wait"


def test_a_max_wait_without_spot_is_refused() -> None:
    """Source: https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_StoppingCondition.html
    (MaxWaitTimeInSeconds is the managed spot training wait)."""
    request = {**_training(), "EnableManagedSpotTraining": False}
    error = _refused(check_training_job, request)
    assert error.message == ("MaxWaitTimeInSeconds can only be specified with managed spot "
                             "training (EnableManagedSpotTraining true)")


def test_a_training_job_runs_28_days_at_most() -> None:
    """Source: https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_StoppingCondition.html
    (MaxRuntimeInSeconds: the maximum is 28 days)."""
    request = _training()
    request["StoppingCondition"] = {"MaxRuntimeInSeconds": 28 * 86400 + 1,
                                    "MaxWaitTimeInSeconds": 28 * 86400 + 1}
    error = _refused(check_training_job, request)
    assert error.message == ("MaxRuntimeInSeconds 2419201 is above the maximum of 2419200 "
                             "seconds (28 days) for a training job")


def test_a_volume_key_is_refused_on_instances_with_local_nvme() -> None:
    """Source: https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ResourceConfig.html
    (VolumeKmsKeyId is refused for instance types with local storage) and
    https://github.com/aws/sagemaker-python-sdk/issues/3677."""
    request = _training()
    request["ResourceConfig"]["VolumeKmsKeyId"] = "alias/training"
    error = _refused(check_training_job, request)
    assert error.message == ("Instance type ml.g5.xlarge has local NVMe storage, which the "
                             "instance encrypts; a VolumeKmsKeyId is not supported for it. Retry "
                             "the request without ResourceConfig.VolumeKmsKeyId.")
    request["ResourceConfig"]["InstanceType"] = "ml.p3.2xlarge"  # EBS only: the key is fine
    check_training_job(request)


def test_the_image_build_matches_the_instance_processor() -> None:
    """Source: https://github.com/aws/deep-learning-containers/blob/master/available_images.md
    (separate cpu and gpu tags) and sagemaker.image_uris.retrieve, which picks the tag from the
    instance type. Not refused by the API: the job fails (or idles its GPU) in the container."""
    request = _training()
    request["ResourceConfig"]["InstanceType"] = "ml.m5.xlarge"
    error = _refused(check_training_job, request)
    assert error.rule == "image-processor-matches-instance"
    assert error.message == (
        "The GPU build of the image (763104351884.dkr.ecr.us-east-1.amazonaws.com/"
        "pytorch-training:2.8.0-gpu-py312-cu129-ubuntu22.04-sagemaker) on ml.m5.xlarge, a CPU "
        "instance type: use the image's cpu tag")
    request["AlgorithmSpecification"]["TrainingImage"] = \
        "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.8.0-cpu-py312-ubuntu22.04-sagemaker"
    check_training_job(request)


def test_metric_definitions_limits() -> None:
    """Source: https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_AlgorithmSpecification.html
    (at most 40 MetricDefinitions) and API_MetricDefinition.html (Regex: at most 500)."""
    request = _tuning()
    algorithm = request["TrainingJobDefinition"]["AlgorithmSpecification"]
    algorithm["MetricDefinitions"] = [{"Name": f"m{i}", "Regex": "m=(\\d)"} for i in range(41)]
    assert _refused(check_tuning_job, request).message == \
        "41 metric definitions; at most 40 are allowed"
    algorithm["MetricDefinitions"] = [{"Name": "validation:logloss", "Regex": "(x)" + "y" * 498}]
    assert _refused(check_tuning_job, request).message == \
        "The regex of metric 'validation:logloss' is 501 characters long; at most 500 are allowed"


def test_hyperparameter_count_and_lengths() -> None:
    """Source: https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateTrainingJob.html
    (HyperParameters: at most 100; keys up to 256 characters, values up to 2500)."""
    request = _training()
    request["HyperParameters"] = {f"k{i}": "1" for i in range(101)}
    assert _refused(check_training_job, request).message == \
        "101 hyperparameters; at most 100 are allowed"
    request["HyperParameters"] = {"k": "x" * 2501}
    assert _refused(check_training_job, request).message == \
        "The value of hyperparameter 'k' is longer than 2500 characters"


def test_the_objective_must_be_a_defined_metric() -> None:
    """Source: https://github.com/aws/sagemaker-python-sdk/issues/3932 and
    https://github.com/aws/amazon-sagemaker-examples/issues/1207 (SageMaker's answer)."""
    request = _tuning()
    request["HyperParameterTuningJobConfig"]["HyperParameterTuningJobObjective"]["MetricName"] = \
        "validation:error"
    assert _refused(check_tuning_job, request).message == (
        "A metric is required for this hyperparameter tuning job objective. Provide a metric in "
        "the metric definitions.")


def test_hyperband_needs_early_stopping_off() -> None:
    """Source: https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_HyperParameterTuningJobConfig.html
    (TrainingJobEarlyStoppingType must be OFF to use Hyperband)."""
    request = _tuning()
    config = request["HyperParameterTuningJobConfig"]
    config["Strategy"] = "Hyperband"
    config["StrategyConfig"] = {"HyperbandStrategyConfig": {"MinResource": 1, "MaxResource": 300}}
    config["TrainingJobEarlyStoppingType"] = "Auto"
    assert _refused(check_tuning_job, request).message == (
        "TrainingJobEarlyStoppingType must be Off with the Hyperband strategy, which has its own "
        "internal early stopping")
    config["TrainingJobEarlyStoppingType"] = "Off"
    check_tuning_job(request)


def test_a_hyperband_config_needs_the_hyperband_strategy() -> None:
    """Source: https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_HyperParameterTuningJobStrategyConfig.html."""
    request = _tuning()
    request["HyperParameterTuningJobConfig"]["StrategyConfig"] = {
        "HyperbandStrategyConfig": {"MinResource": 1, "MaxResource": 300}}
    assert _refused(check_tuning_job, request).message == \
        "StrategyConfig.HyperbandStrategyConfig applies only to the Hyperband strategy"


def test_grid_searches_categorical_ranges_only() -> None:
    """Source: https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_HyperParameterTuningJobConfig.html
    (Strategy Grid: categorical parameters only)."""
    request = _tuning()
    request["HyperParameterTuningJobConfig"]["Strategy"] = "Grid"
    assert _refused(check_tuning_job, request).message == (
        "The Grid strategy searches categorical parameter ranges only; got integer or continuous "
        "ranges for ['colsample_bytree', 'eta', 'lambda', 'max_depth', 'min_child_weight', "
        "'subsample']")


def test_parallel_jobs_within_the_job_count() -> None:
    """Source: https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ResourceLimits.html."""
    request = _tuning()
    request["HyperParameterTuningJobConfig"]["ResourceLimits"].update(
        MaxNumberOfTrainingJobs=2, MaxParallelTrainingJobs=3)
    assert _refused(check_tuning_job, request).message == \
        "MaxParallelTrainingJobs (3) must be less than or equal to MaxNumberOfTrainingJobs (2)"


def test_at_most_30_ranges_each_named_once() -> None:
    """Source: https://docs.aws.amazon.com/sagemaker/latest/dg/automatic-model-tuning-define-ranges.html
    (up to 30 hyperparameters can be searched)."""
    request = _tuning()
    ranges = request["HyperParameterTuningJobConfig"]["ParameterRanges"]
    ranges["CategoricalParameterRanges"] = [{"Name": f"c{i}", "Values": ["1"]} for i in range(25)]
    assert _refused(check_tuning_job, request).message == \
        "31 hyperparameter ranges; at most 30 can be searched"
    ranges["CategoricalParameterRanges"] = [{"Name": "eta", "Values": ["0.1"]}]
    assert _refused(check_tuning_job, request).message == \
        "Hyperparameters ['eta'] appear in more than one parameter range"


def test_a_hyperparameter_is_static_or_tuned() -> None:
    """Source: https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_HyperParameterTrainingJobDefinition.html
    (StaticHyperParameters: the values that do not change in the tuning job)."""
    request = _tuning()
    request["TrainingJobDefinition"]["StaticHyperParameters"]["eta"] = "0.1"
    assert _refused(check_tuning_job, request).message == (
        "Hyperparameters ['eta'] are both static (StaticHyperParameters) and tunable "
        "(ParameterRanges); a hyperparameter is either fixed or tuned")


def test_range_scaling() -> None:
    """Source: https://docs.aws.amazon.com/sagemaker/latest/dg/automatic-model-tuning-define-ranges.html
    (Logarithmic: values above 0; ReverseLogarithmic: continuous, 0 <= value < 1)."""
    request = _tuning()
    ranges = request["HyperParameterTuningJobConfig"]["ParameterRanges"]
    eta = next(r for r in ranges["ContinuousParameterRanges"] if r["Name"] == "eta")
    eta["MinValue"] = "0"
    assert _refused(check_tuning_job, request).message == \
        "Logarithmic scaling needs a range above 0; 'eta' starts at 0.0"
    eta["MinValue"], eta["ScalingType"] = "0.5", "ReverseLogarithmic"
    eta["MaxValue"] = "1.5"
    assert _refused(check_tuning_job, request).message == (
        "ReverseLogarithmic scaling applies to continuous ranges within 0 <= value < 1; 'eta' is "
        "[0.5, 1.5]")


def test_tokens_and_step_functions_paths_are_skipped() -> None:
    """At synth a CDK token or a `Key.$` path is not a value: no rule judges it."""
    request = _tuning()
    request["TrainingJobDefinition"]["AlgorithmSpecification"]["TrainingImage"] = \
        "${Token[TOKEN.7]}"
    request["HyperParameterTuningJobName.$"] = request.pop("HyperParameterTuningJobName")
    check_tuning_job(copy.deepcopy(request))


def test_every_rule_names_its_source() -> None:
    assert len({rule.id for rule in RULES}) == len(RULES)
    for rule in RULES:
        assert rule.source.startswith("https://"), rule.id
        assert rule.enforced_by in ("SageMaker API", "the training container"), rule.id


def test_violations_serialise_as_botocore_would_print_them() -> None:
    error = SageMakerRuleViolation("CreateTrainingJob", "ValidationException", "no")
    assert (str(error), error.code, error.message) == (
        "An error occurred (ValidationException) when calling the CreateTrainingJob operation: "
        "no", "ValidationException", "no")
    assert json.dumps({"code": error.code})
