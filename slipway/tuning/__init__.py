"""Local hyperparameter tuning from a job spec, with optuna as the search library."""
from __future__ import annotations

from .trial import ObjectiveNotFound
from .tuner import TuningFailed, TuningResult, run_tuning

__all__ = ["ObjectiveNotFound", "TuningFailed", "TuningResult", "run_tuning"]
