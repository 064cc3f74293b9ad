"""A CreateHyperParameterTuningJob request's HyperParameterTuningJobConfig as the tuner's
TuningSpec, and a trial's chosen values as the text SageMaker hands the training job: what the
local SageMaker searches comes from the request alone, never from a job spec.
(https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_HyperParameterTuningJobConfig.html)
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from slipway.jobs.ranges import ParameterRange
from slipway.jobs.tuning_spec import TuningSpec

_KINDS = {"IntegerParameterRanges": "integer", "ContinuousParameterRanges": "continuous",
          "CategoricalParameterRanges": "categorical"}


def _range(kind: str, entry: Mapping[str, Any]) -> ParameterRange:
    if kind == "categorical":
        return ParameterRange(entry["Name"], kind, values=tuple(entry["Values"]))
    return ParameterRange(entry["Name"], kind, float(entry["MinValue"]),
                          float(entry["MaxValue"]), entry.get("ScalingType", "Auto"))


def tuning_spec(config: Mapping[str, Any]) -> TuningSpec:
    limits = config.get("ResourceLimits", {})
    objective = config["HyperParameterTuningJobObjective"]
    band = config.get("StrategyConfig", {}).get("HyperbandStrategyConfig", {})
    ranges = tuple(_range(kind, entry)
                   for key, kind in _KINDS.items()
                   for entry in config.get("ParameterRanges", {}).get(key, []))
    return TuningSpec(
        strategy=config.get("Strategy", "Bayesian"), objective_metric=objective["MetricName"],
        objective_type=objective["Type"], ranges=ranges,
        max_jobs=limits.get("MaxNumberOfTrainingJobs"),
        max_parallel=int(limits.get("MaxParallelTrainingJobs", 1)),
        max_runtime_seconds=limits.get("MaxRuntimeInSeconds"),
        early_stopping=config.get("TrainingJobEarlyStoppingType", "Off"),
        random_seed=config.get("RandomSeed"),
        hyperband_min_resource=band.get("MinResource"),
        hyperband_max_resource=band.get("MaxResource"))


def as_hyperparameters(chosen: Mapping[str, Any], ranges: tuple[ParameterRange, ...]
                       ) -> dict[str, str]:
    """TunedHyperParameters: a category as the request spelled it, numbers as plain text."""
    kinds = {item.name: item.kind for item in ranges}
    return {name: value if kinds[name] == "categorical" else
            str(int(value)) if kinds[name] == "integer" else repr(float(value))
            for name, value in chosen.items()}
