"""A tuning spec's strategy as an optuna sampler and pruner, all from the library:
Bayesian -> TPE, Random -> random, Grid -> grid, Hyperband -> random configurations with
optuna's HyperbandPruner (successive halving over boosting rounds). Early stopping `Auto` is the
median rule SageMaker describes: stop a job whose objective so far is worse than the median of
earlier jobs at the same step."""
from __future__ import annotations

import optuna

from slipway.jobs.tuning_spec import TuningSpec

from . import space

MEDIAN_WARMUP_STEPS = 5


def startup_trials(tuning: TuningSpec) -> int:
    """Bayesian search starts with random trials (as SageMaker's does), then models the rest."""
    return min(10, max(3, tuning.total_jobs() // 4))


def sampler(tuning: TuningSpec, seed: int | None) -> optuna.samplers.BaseSampler:
    if tuning.strategy == "Bayesian":
        return optuna.samplers.TPESampler(seed=seed, n_startup_trials=startup_trials(tuning),
                                          multivariate=True)
    if tuning.strategy == "Grid":
        return optuna.samplers.GridSampler(space.grid(tuning.ranges), seed=seed)
    return optuna.samplers.RandomSampler(seed=seed)  # Random, and Hyperband's configurations


def pruner(tuning: TuningSpec) -> optuna.pruners.BasePruner:
    if tuning.strategy == "Hyperband":
        assert tuning.hyperband_min_resource and tuning.hyperband_max_resource
        return optuna.pruners.HyperbandPruner(min_resource=tuning.hyperband_min_resource,
                                              max_resource=tuning.hyperband_max_resource,
                                              reduction_factor=3)
    if tuning.early_stopping == "Auto":
        return optuna.pruners.MedianPruner(n_startup_trials=max(2, tuning.max_parallel),
                                           n_warmup_steps=MEDIAN_WARMUP_STEPS)
    return optuna.pruners.NopPruner()


def direction(tuning: TuningSpec) -> str:
    return "minimize" if tuning.minimize else "maximize"
