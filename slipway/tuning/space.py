"""SageMaker parameter ranges as optuna search spaces: Linear and Auto sample uniformly,
Logarithmic log-uniformly, and ReverseLogarithmic samples 1 - x log-uniformly (dense near 1, as
SageMaker defines it). Grid enumerates categorical values."""
from __future__ import annotations

from typing import Any

import optuna

from slipway.jobs.ranges import ParameterRange


def suggest(trial: optuna.Trial, item: ParameterRange) -> Any:
    if item.kind == "categorical":
        return trial.suggest_categorical(item.name, list(item.values))
    low, high = item.min_value, item.max_value
    assert low is not None and high is not None
    if item.kind == "integer":
        return trial.suggest_int(item.name, int(low), int(high),
                                 log=item.scaling == "Logarithmic")
    if item.scaling == "ReverseLogarithmic":
        distance = trial.suggest_float(f"{item.name} (1 - x)", 1 - high, 1 - low, log=True)
        return min(max(1 - distance, low), high)
    return trial.suggest_float(item.name, low, high, log=item.scaling == "Logarithmic")


def sample(trial: optuna.Trial, ranges: tuple[ParameterRange, ...]) -> dict[str, Any]:
    return {item.name: suggest(trial, item) for item in ranges}


def grid(ranges: tuple[ParameterRange, ...]) -> dict[str, list[Any]]:
    return {item.name: list(item.values) for item in ranges}
