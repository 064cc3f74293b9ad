"""The progress display: one line as each trial ends, with the best so far."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import optuna

from .outcome import TrialOutcome, best, outcome, outcomes


def _values(hyperparameters: dict[str, object]) -> str:
    return " ".join(f"{k}={format(v, '.4g') if isinstance(v, float) else v}"
                    for k, v in hyperparameters.items())


@dataclass
class Progress:
    total: int
    objective: str
    minimize: bool
    say: Callable[[str], None]
    done: list[TrialOutcome] = field(default_factory=list)

    def __call__(self, study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        ended = outcome(trial)
        self.done.append(ended)
        leader = best(outcomes(study), minimize=self.minimize)
        value = "-" if ended.value is None else format(ended.value, ".6g")
        note = f" ({ended.reason})" if ended.reason else \
            f" after {ended.steps} steps" if ended.state == "pruned" else ""
        lead = f"best {leader.value:.6g} (#{leader.number})" if leader else "no result yet"
        seconds = f"{ended.seconds:.1f}s" if ended.seconds is not None else ""
        self.say(f"[{len(self.done):>{len(str(self.total))}}/{self.total}] {ended.job_name} "
                 f"{ended.state}{note}: {self.objective}={value}; {lead} | "
                 f"{_values(ended.hyperparameters)} {seconds}".rstrip())
