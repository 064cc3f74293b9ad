"""SageMaker's server-side rules: what CreateTrainingJob and CreateHyperParameterTuningJob refuse
although botocore's validator (shapes, types, lengths) lets the request through.

One table, `RULES`. Each row names its source (an AWS documentation page or a public issue that
shows SageMaker's answer) and says whether its message is SageMaker's own text as the source
shows it (`verbatim`) or Slipway's wording of the documented rule. Every rendered request goes
through `check_training_job` / `check_tuning_job`: `slipway cloud` (dry run and send), the
pipeline's embedded requests at synth, and the local SageMaker before it runs anything.

A rule never guesses: a value that is a CDK token or a Step Functions path (a `Key.$` field) at
synth is skipped, and the caller checks what it can resolve.
"""
from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from . import service
from .errors import JobError

TRAINING = "CreateTrainingJob"
TUNING = "CreateHyperParameterTuningJob"
Request = Mapping[str, Any]

# Repositories of SageMaker's first-party (built-in) algorithm images, as the SageMaker Python
# SDK's image_uri_config names them (xgboost.json, linear-learner.json, kmeans.json, ...).
# tests/slipway/jobs/test_rules.py checks this list against the installed SDK's config.
FIRST_PARTY_REPOSITORIES = frozenset({
    "sagemaker-xgboost", "linear-learner", "kmeans", "pca", "factorization-machines", "ntm",
    "randomcutforest", "knn", "object2vec", "ipinsights", "lda", "forecasting-deepar",
    "blazingtext", "image-classification", "object-detection", "semantic-segmentation",
    "seq2seq"})
# The tunable hyperparameters of the built-in XGBoost algorithm
# (https://docs.aws.amazon.com/sagemaker/latest/dg/xgboost-tuning.html)
XGBOOST_TUNABLE = frozenset({
    "alpha", "colsample_bylevel", "colsample_bynode", "colsample_bytree", "eta", "gamma",
    "lambda", "max_delta_step", "max_depth", "min_child_weight", "num_round", "subsample"})
MAX_TRAINING_RUNTIME_S = 28 * 24 * 3600
MAX_RANGES = 30
_JOB_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9])*$")


class SageMakerRuleViolation(JobError):
    """A request SageMaker would refuse: `.code` and `.message` as SageMaker answers them; str()
    as botocore's ClientError prints them."""

    def __init__(self, operation: str, code: str, message: str, rule: str = "",
                 source: str = "") -> None:
        super().__init__(message)
        self.operation, self.code, self.rule, self.source = operation, code, rule, source

    def __str__(self) -> str:
        return (f"An error occurred ({self.code}) when calling the {self.operation} operation: "
                f"{self.message}")


@dataclass(frozen=True)
class Rule:
    id: str
    operations: tuple[str, ...]
    source: str
    check: Callable[[str, Request], Iterator[str]]  # yields the messages of its violations
    verbatim: bool = False  # the message is SageMaker's own text, as the source shows it
    enforced_by: str = "SageMaker API"  # or "the training container": fails at run time
    code: str = "ValidationException"


def _unresolved(value: Any) -> bool:
    return isinstance(value, str) and "${Token[" in value


def _definitions(operation: str, request: Request) -> list[Mapping[str, Any]]:
    """The training definition(s): the request itself, or a tuning job's definition(s)."""
    if operation == TRAINING:
        return [request]
    found = [request["TrainingJobDefinition"]] if "TrainingJobDefinition" in request else []
    return found + list(request.get("TrainingJobDefinitions") or [])


def _hyperparameters(definition: Mapping[str, Any]) -> Mapping[str, Any]:
    value = definition.get("HyperParameters", definition.get("StaticHyperParameters")) or {}
    return value if isinstance(value, Mapping) else {}


def _image(definition: Mapping[str, Any]) -> str | None:
    image = (definition.get("AlgorithmSpecification") or {}).get("TrainingImage")
    return None if image is None or _unresolved(image) else str(image)


def image_repository(image: str) -> str:
    """`<registry>/<repository>[:tag|@digest]` -> repository."""
    path = image.split("/", 1)[1] if "/" in image.split(":", 1)[0] else image
    return re.split(r"[:@]", path, maxsplit=1)[0]


def is_first_party(image: str | None) -> bool:
    return image is not None and image_repository(image) in FIRST_PARTY_REPOSITORIES


def _config(request: Request) -> Mapping[str, Any]:
    return request.get("HyperParameterTuningJobConfig") or {}


def _ranges(request: Request) -> Iterator[tuple[str, Mapping[str, Any]]]:
    ranges = _config(request).get("ParameterRanges") or {}
    for kind in ("IntegerParameterRanges", "ContinuousParameterRanges",
                 "CategoricalParameterRanges"):
        for item in ranges.get(kind) or []:
            yield kind, item


# --- the rules -------------------------------------------------------------------------------

def _first_party_metrics(operation: str, request: Request) -> Iterator[str]:
    for definition in _definitions(operation, request):
        algorithm = definition.get("AlgorithmSpecification") or {}
        if is_first_party(_image(definition)) and algorithm.get("MetricDefinitions"):
            yield ("You can't override the metric definitions for Amazon SageMaker algorithms. "
                   "Please retry the request without specifying metric definitions.")


def _first_party_tunables(operation: str, request: Request) -> Iterator[str]:
    definitions = _definitions(operation, request)
    if not any(_image(d) and image_repository(_image(d) or "") == "sagemaker-xgboost"
               for d in definitions):
        return
    untunable = sorted(item["Name"] for _, item in _ranges(request)
                       if item.get("Name") not in XGBOOST_TUNABLE)
    if untunable:
        yield (f"The hyperparameter tuning job that you requested has the following untunable "
               f"hyperparameters: {untunable}. For the algorithm, you can tune only "
               f"{sorted(XGBOOST_TUNABLE)}.")


def _name_rule(field: str, key: str, limit: int) -> Callable[[str, Request], Iterator[str]]:
    def check(operation: str, request: Request) -> Iterator[str]:
        name = request.get(field)
        if not isinstance(name, str) or _unresolved(name):
            return
        if len(name) > limit:
            yield (f"1 validation error detected: Value '{name}' at '{key}' failed to satisfy "
                   f"constraint: Member must have length less than or equal to {limit}")
        elif not _JOB_NAME.match(name):
            yield (f"1 validation error detected: Value '{name}' at '{key}' failed to satisfy "
                   f"constraint: Member must satisfy regular expression pattern: "
                   f"^[a-zA-Z0-9](-*[a-zA-Z0-9]){{0,{limit - 1}}}")
    return check


def _spot_wait(operation: str, request: Request) -> Iterator[str]:
    for definition in _definitions(operation, request):
        stopping = definition.get("StoppingCondition") or {}
        runtime, wait = stopping.get("MaxRuntimeInSeconds"), stopping.get("MaxWaitTimeInSeconds")
        if definition.get("EnableManagedSpotTraining"):
            if wait is None or (isinstance(runtime, int) and isinstance(wait, int)
                                and wait < runtime):
                yield ("Invalid MaxWaitTimeInSeconds. It must be present and be greater than or "
                       "equal to MaxRuntimeInSeconds")
        elif wait is not None:
            yield ("MaxWaitTimeInSeconds can only be specified with managed spot training "
                   "(EnableManagedSpotTraining true)")


def _max_runtime(operation: str, request: Request) -> Iterator[str]:
    for definition in _definitions(operation, request):
        runtime = (definition.get("StoppingCondition") or {}).get("MaxRuntimeInSeconds")
        if isinstance(runtime, int) and runtime > MAX_TRAINING_RUNTIME_S:
            yield (f"MaxRuntimeInSeconds {runtime} is above the maximum of "
                   f"{MAX_TRAINING_RUNTIME_S} seconds (28 days) for a training job")


def _volume_key(operation: str, request: Request) -> Iterator[str]:
    for definition in _definitions(operation, request):
        resources = definition.get("ResourceConfig") or {}
        instance = resources.get("InstanceType")
        if resources.get("VolumeKmsKeyId") and isinstance(instance, str) \
                and service.has_local_storage(instance):
            yield (f"Instance type {instance} has local NVMe storage, which the instance "
                   "encrypts; a VolumeKmsKeyId is not supported for it. Retry the request "
                   "without ResourceConfig.VolumeKmsKeyId.")


def _processor(operation: str, request: Request) -> Iterator[str]:
    for definition in _definitions(operation, request):
        image = _image(definition)
        instance = (definition.get("ResourceConfig") or {}).get("InstanceType")
        if image is None or not isinstance(instance, str) or _unresolved(instance):
            continue
        tag = re.split(r"[:@]", image.rsplit("/", 1)[-1], maxsplit=1)[-1]
        build = "gpu" if "-gpu-" in f"-{tag}-" else "cpu" if "-cpu-" in f"-{tag}-" else None
        wanted = "gpu" if service.is_gpu(instance) else "cpu"
        if build is not None and build != wanted:
            yield (f"The {build.upper()} build of the image ({image}) on {instance}, a "
                   f"{wanted.upper()} instance type: use the image's {wanted} tag")


def _metric_definitions(operation: str, request: Request) -> Iterator[str]:
    for definition in _definitions(operation, request):
        metrics = (definition.get("AlgorithmSpecification") or {}).get("MetricDefinitions") or []
        if len(metrics) > 40:
            yield f"{len(metrics)} metric definitions; at most 40 are allowed"
        for metric in metrics:
            regex = metric.get("Regex", "")
            if isinstance(regex, str) and len(regex) > 500:
                yield (f"The regex of metric {metric.get('Name')!r} is {len(regex)} characters "
                       "long; at most 500 are allowed")


def _hyperparameter_sizes(operation: str, request: Request) -> Iterator[str]:
    for definition in _definitions(operation, request):
        values = _hyperparameters(definition)
        if len(values) > 100:
            yield f"{len(values)} hyperparameters; at most 100 are allowed"
        for key, value in values.items():
            if len(key) > 256:
                yield f"Hyperparameter name {key[:40]!r}... is longer than 256 characters"
            if isinstance(value, str) and not _unresolved(value) and len(value) > 2500:
                yield f"The value of hyperparameter {key!r} is longer than 2500 characters"


def _objective_defined(operation: str, request: Request) -> Iterator[str]:
    objective = (_config(request).get("HyperParameterTuningJobObjective") or {}).get("MetricName")
    for definition in _definitions(operation, request):
        if is_first_party(_image(definition)):
            continue  # built-in algorithms bring their own metrics
        names = {m.get("Name") for m in
                 (definition.get("AlgorithmSpecification") or {}).get("MetricDefinitions") or []}
        if objective is not None and objective not in names:
            yield ("A metric is required for this hyperparameter tuning job objective. Provide "
                   "a metric in the metric definitions.")


def _hyperband_early_stopping(operation: str, request: Request) -> Iterator[str]:
    config = _config(request)
    if config.get("Strategy") == "Hyperband" and \
            config.get("TrainingJobEarlyStoppingType", "Off") != "Off":
        yield ("TrainingJobEarlyStoppingType must be Off with the Hyperband strategy, which has "
               "its own internal early stopping")


def _strategy_config(operation: str, request: Request) -> Iterator[str]:
    config = _config(request)
    if "HyperbandStrategyConfig" in (config.get("StrategyConfig") or {}) and \
            config.get("Strategy") != "Hyperband":
        yield "StrategyConfig.HyperbandStrategyConfig applies only to the Hyperband strategy"


def _grid(operation: str, request: Request) -> Iterator[str]:
    if _config(request).get("Strategy") != "Grid":
        return
    numeric = sorted(item["Name"] for kind, item in _ranges(request)
                     if kind != "CategoricalParameterRanges")
    if numeric:
        yield ("The Grid strategy searches categorical parameter ranges only; got integer or "
               f"continuous ranges for {numeric}")


def _limits(operation: str, request: Request) -> Iterator[str]:
    limits = _config(request).get("ResourceLimits") or {}
    jobs, parallel = limits.get("MaxNumberOfTrainingJobs"), limits.get("MaxParallelTrainingJobs")
    if isinstance(jobs, int) and isinstance(parallel, int) and parallel > jobs:
        yield (f"MaxParallelTrainingJobs ({parallel}) must be less than or equal to "
               f"MaxNumberOfTrainingJobs ({jobs})")


def _range_count(operation: str, request: Request) -> Iterator[str]:
    names = [item.get("Name") for _, item in _ranges(request)]
    if len(names) > MAX_RANGES:
        yield f"{len(names)} hyperparameter ranges; at most {MAX_RANGES} can be searched"
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        yield f"Hyperparameters {repeated} appear in more than one parameter range"


def _static_and_tuned(operation: str, request: Request) -> Iterator[str]:
    tuned = {item.get("Name") for _, item in _ranges(request)}
    for definition in _definitions(operation, request):
        both = sorted(tuned & set(_hyperparameters(definition)))
        if both:
            yield (f"Hyperparameters {both} are both static (StaticHyperParameters) and tunable "
                   "(ParameterRanges); a hyperparameter is either fixed or tuned")


def _number(text: Any) -> float | None:
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _scaling(operation: str, request: Request) -> Iterator[str]:
    for kind, item in _ranges(request):
        if kind == "CategoricalParameterRanges":
            continue
        name, scaling = item.get("Name"), item.get("ScalingType", "Auto")
        low, high = _number(item.get("MinValue")), _number(item.get("MaxValue"))
        if low is None or high is None:
            yield f"The range of {name!r} needs numeric MinValue and MaxValue"
            continue
        if low > high:
            yield f"MinValue ({low}) is greater than MaxValue ({high}) for {name!r}"
        if scaling == "Logarithmic" and low <= 0:
            yield f"Logarithmic scaling needs a range above 0; {name!r} starts at {low}"
        if scaling == "ReverseLogarithmic" and (kind != "ContinuousParameterRanges"
                                                or not 0 <= low <= high < 1):
            yield (f"ReverseLogarithmic scaling applies to continuous ranges within 0 <= value "
                   f"< 1; {name!r} is [{low}, {high}]")


_API = "https://docs.aws.amazon.com/sagemaker/latest/APIReference"
_DG = "https://docs.aws.amazon.com/sagemaker/latest/dg"
BOTH = (TRAINING, TUNING)
RULES: tuple[Rule, ...] = (
    Rule("first-party-metric-definitions", BOTH,
         "https://github.com/aws/sagemaker-xgboost-container/issues/121; "
         "https://github.com/aws/sagemaker-python-sdk/issues/2226", _first_party_metrics,
         verbatim=True),
    Rule("first-party-tunable-hyperparameters", (TUNING,),
         f"https://github.com/aws/sagemaker-python-sdk/issues/2226; {_DG}/xgboost-tuning.html",
         _first_party_tunables),
    Rule("training-job-name", (TRAINING,), f"{_API}/API_CreateTrainingJob.html",
         _name_rule("TrainingJobName", "trainingJobName", 63), verbatim=True),
    Rule("tuning-job-name", (TUNING,), f"{_API}/API_CreateHyperParameterTuningJob.html",
         _name_rule("HyperParameterTuningJobName", "hyperParameterTuningJobName", 32),
         verbatim=True),
    Rule("spot-max-wait", BOTH,
         f"{_API}/API_StoppingCondition.html; {_DG}/model-managed-spot-training.html",
         _spot_wait),
    Rule("max-runtime", BOTH, f"{_API}/API_StoppingCondition.html", _max_runtime),
    Rule("volume-kms-key-on-local-nvme", BOTH,
         f"{_API}/API_ResourceConfig.html; https://github.com/aws/sagemaker-python-sdk/issues/3677",
         _volume_key),
    Rule("image-processor-matches-instance", BOTH,
         "https://github.com/aws/deep-learning-containers/blob/master/available_images.md; "
         "sagemaker.image_uris.retrieve picks the cpu or gpu tag from the instance type",
         _processor, enforced_by="the training container"),
    Rule("metric-definitions-limits", BOTH,
         f"{_API}/API_AlgorithmSpecification.html; {_API}/API_MetricDefinition.html",
         _metric_definitions),
    Rule("hyperparameter-limits", BOTH, f"{_API}/API_CreateTrainingJob.html#sagemaker-"
         "CreateTrainingJob-request-HyperParameters", _hyperparameter_sizes),
    Rule("objective-metric-defined", (TUNING,),
         "https://github.com/aws/sagemaker-python-sdk/issues/3932; "
         "https://github.com/aws/amazon-sagemaker-examples/issues/1207", _objective_defined,
         verbatim=True),
    Rule("hyperband-early-stopping-off", (TUNING,),
         f"{_API}/API_HyperParameterTuningJobConfig.html; "
         f"{_DG}/automatic-model-tuning-how-it-works.html", _hyperband_early_stopping),
    Rule("strategy-config-hyperband-only", (TUNING,),
         f"{_API}/API_HyperParameterTuningJobStrategyConfig.html", _strategy_config),
    Rule("grid-categorical-only", (TUNING,), f"{_API}/API_HyperParameterTuningJobConfig.html",
         _grid),
    Rule("parallel-within-max-jobs", (TUNING,), f"{_API}/API_ResourceLimits.html", _limits),
    Rule("range-count", (TUNING,), f"{_DG}/automatic-model-tuning-define-ranges.html",
         _range_count),
    Rule("static-or-tunable", (TUNING,), f"{_API}/API_HyperParameterTrainingJobDefinition.html",
         _static_and_tuned),
    Rule("range-scaling", (TUNING,), f"{_DG}/automatic-model-tuning-define-ranges.html",
         _scaling),
)


def violations(operation: str, request: Request) -> Iterator[SageMakerRuleViolation]:
    for rule in RULES:
        if operation in rule.operations:
            for message in rule.check(operation, request):
                yield SageMakerRuleViolation(operation, rule.code, message, rule.id, rule.source)


def _check(operation: str, request: Request) -> None:
    for violation in violations(operation, request):
        raise violation


def check_training_job(request: dict[str, Any]) -> None:
    """Raises SageMakerRuleViolation for the first rule a CreateTrainingJob request breaks."""
    _check(TRAINING, request)


def check_tuning_job(request: dict[str, Any]) -> None:
    """Raises SageMakerRuleViolation for the first rule a CreateHyperParameterTuningJob request
    breaks."""
    _check(TUNING, request)
