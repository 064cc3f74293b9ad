"""One tuning trial: a local training job with the trial's hyperparameters, its objective read
from the job's output with the spec's own regex, exactly as SageMaker reads it. Every value the
regex matches before the last is an intermediate result (what early stopping and Hyperband
judge); the last is the trial's result."""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import optuna

from slipway.jobs.errors import JobError
from slipway.jobs.local import hyperparameters
from slipway.jobs.spec import JobSpec
from slipway.sagemaker.errors import TrainingJobFailed
from slipway.sagemaker.runner import run_training_job

from . import space


class ObjectiveNotFound(JobError):
    """The objective regex matched nothing a finished trial printed: every further trial (and
    every cloud job) would be judged on nothing. Stops the search."""


@dataclass
class IntermediateValues:
    """A trial's objective as its job prints it: each value but the latest is reported to optuna
    as an intermediate result (what early stopping and Hyperband judge). Fed every log line, by
    `slipway tune`'s trials and by the local SageMaker's tuning jobs alike."""
    trial: optuna.Trial
    pattern: re.Pattern[str]
    steps: int = 0
    _pending: list[float] = field(default_factory=list)

    def feed(self, line: str) -> bool:
        """True when the trial should stop early."""
        match = self.pattern.search(line)
        value = _number(match.group(1)) if match else None
        if value is None:
            return False
        prune = False
        if self._pending:
            self.steps += 1
            self.trial.report(self._pending.pop(), self.steps)
            self.trial.set_user_attr("steps", self.steps)
            prune = self.trial.should_prune()
        self._pending.append(value)
        return prune


@dataclass
class TrialRunner:
    spec: JobSpec
    channels: Mapping[str, Path]
    base_dir: Path
    tuning_job_name: str
    num_cpus: int
    on_line: Callable[[int, str], None] | None = None

    def job_name(self, number: int) -> str:
        return f"{self.tuning_job_name}-{number + 1:03d}"

    def __call__(self, trial: optuna.Trial) -> float:
        assert self.spec.tuning is not None
        objective = self.spec.metric(self.spec.tuning.objective_metric)
        pattern = re.compile(objective.regex)
        chosen = space.sample(trial, self.spec.tuning.ranges)
        trial.set_user_attr("hyperparameters", chosen)
        trial.set_user_attr("job_name", self.job_name(trial.number))
        values = IntermediateValues(trial, re.compile(objective.regex))

        def watch(line: str) -> None:
            if self.on_line is not None:
                self.on_line(trial.number, line)
            if values.feed(line):
                raise optuna.TrialPruned(f"pruned after {values.steps} intermediate values")

        try:
            result = run_training_job(
                self.job_name(trial.number), base_dir=self.base_dir, channels=self.channels,
                hyperparameters=hyperparameters(self.spec, chosen),
                metric_definitions=[m.as_request() for m in self.spec.metrics],
                source_dir=self.spec.source_dir, entry_point=self.spec.entry_point,
                max_runtime_s=self.spec.max_runtime_seconds, num_cpus=self.num_cpus,
                on_line=watch)
        except TrainingJobFailed as error:
            trial.set_user_attr("failure", error.reason)
            raise
        trial.set_user_attr("model_artifact", str(result.model_artifact))
        trial.set_user_attr("metrics", dict(result.metrics))
        if objective.name not in result.metrics:
            raise ObjectiveNotFound(
                f"{self.spec.path}: the objective {objective.name!r} (regex {objective.regex!r}) "
                f"matched nothing in the output of {result.job_name}; see {result.log_path}")
        return float(result.metrics[objective.name])


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None
