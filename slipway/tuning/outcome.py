"""What each trial came to, read back from the optuna study as plain data."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import optuna

STATES = {optuna.trial.TrialState.COMPLETE: "complete", optuna.trial.TrialState.PRUNED: "pruned",
          optuna.trial.TrialState.FAIL: "failed", optuna.trial.TrialState.RUNNING: "running",
          optuna.trial.TrialState.WAITING: "waiting"}


@dataclass(frozen=True)
class TrialOutcome:
    number: int  # 1-based, as the job names count
    job_name: str
    state: str
    value: float | None  # the objective; for a pruned trial, its last intermediate value
    hyperparameters: dict[str, Any]
    seconds: float | None
    steps: int
    model_artifact: str | None
    reason: str | None


def outcome(trial: optuna.trial.FrozenTrial) -> TrialOutcome:
    value = trial.value
    if value is None and trial.intermediate_values:
        value = trial.intermediate_values[max(trial.intermediate_values)]
    seconds = trial.duration.total_seconds() if trial.duration is not None else None
    return TrialOutcome(
        number=trial.number + 1, job_name=str(trial.user_attrs.get("job_name", "")),
        state=STATES.get(trial.state, trial.state.name.lower()), value=value,
        hyperparameters=dict(trial.user_attrs.get("hyperparameters", {})), seconds=seconds,
        steps=int(trial.user_attrs.get("steps", 0)),
        model_artifact=trial.user_attrs.get("model_artifact"),
        reason=trial.user_attrs.get("failure"))


def outcomes(study: optuna.Study) -> list[TrialOutcome]:
    return [outcome(t) for t in sorted(study.trials, key=lambda t: t.number)]


def best(results: list[TrialOutcome], *, minimize: bool) -> TrialOutcome | None:
    finished = [r for r in results if r.state == "complete" and r.value is not None]
    if not finished:
        return None
    return (min if minimize else max)(finished, key=lambda r: r.value)  # type: ignore[arg-type, return-value]
