from __future__ import annotations

import math

import optuna
import pytest

from slipway.jobs.ranges import ParameterRange
from slipway.tuning import space, strategy
from slipway.jobs.tuning_spec import TuningSpec


def _draw(item: ParameterRange, n: int = 400) -> list[float]:
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    values = []
    for _ in range(n):
        trial = study.ask()
        values.append(space.suggest(trial, item))
        study.tell(trial, 0.0)
    return values


def test_linear_log_and_reverse_log_scaling_stay_in_range_with_their_density() -> None:
    linear = _draw(ParameterRange("a", "continuous", 0.5, 0.99, "Linear"))
    log = _draw(ParameterRange("b", "continuous", 0.001, 1.0, "Logarithmic"))
    reverse = _draw(ParameterRange("c", "continuous", 0.5, 0.99, "ReverseLogarithmic"))

    assert all(0.5 <= v <= 0.99 for v in linear + reverse)
    assert all(0.001 <= v <= 1.0 for v in log)
    # Log: each decade is as likely; reverse-log: dense near 1
    assert 0.2 < sum(v < 0.01 for v in log) / len(log) < 0.47
    assert sum(v > 0.9 for v in reverse) > 2 * sum(v > 0.9 for v in linear)


def test_integers_and_categories() -> None:
    depths = _draw(ParameterRange("max_depth", "integer", 2, 10, "Logarithmic"), 200)
    kinds = _draw(ParameterRange("kernel", "categorical", values=("rbf", "linear")), 50)

    assert set(depths) <= set(range(2, 11)) and all(isinstance(d, int) for d in depths)
    assert set(kinds) == {"rbf", "linear"}


def _tuning(strategy_name: str, **fields: object) -> TuningSpec:
    values = dict(strategy=strategy_name, objective_metric="loss", objective_type="Minimize",
                  ranges=(ParameterRange("k", "categorical", values=(1, 2)),), max_jobs=12,
                  max_parallel=2, max_runtime_seconds=None, early_stopping="Off",
                  random_seed=None, hyperband_min_resource=None, hyperband_max_resource=None)
    values.update(fields)
    return TuningSpec(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(("name", "fields", "sampler", "pruner"), [
    ("Bayesian", {}, optuna.samplers.TPESampler, optuna.pruners.NopPruner),
    ("Bayesian", {"early_stopping": "Auto"}, optuna.samplers.TPESampler,
     optuna.pruners.MedianPruner),
    ("Random", {"early_stopping": "Auto"}, optuna.samplers.RandomSampler,
     optuna.pruners.MedianPruner),
    ("Grid", {"max_jobs": None}, optuna.samplers.GridSampler, optuna.pruners.NopPruner),
    ("Hyperband", {"hyperband_min_resource": 1, "hyperband_max_resource": 27},
     optuna.samplers.RandomSampler, optuna.pruners.HyperbandPruner),
])
def test_each_strategy_is_a_library_sampler_and_pruner(name: str, fields: dict[str, object],
                                                       sampler: type, pruner: type) -> None:
    tuning = _tuning(name, **fields)

    assert isinstance(strategy.sampler(tuning, seed=1), sampler)
    assert isinstance(strategy.pruner(tuning), pruner)
    assert strategy.direction(tuning) == "minimize"
    assert math.isfinite(tuning.total_jobs())
