"""One CreateHyperParameterTuningJob request, searched for real: the tuner of `slipway tune`
(slipway.tuning: the request's strategy, ranges, objective, early stopping and limits) with every
trial a local training job listed under the tuning job.

What DescribeHyperParameterTuningJob and ListTrainingJobsForHyperParameterTuningJob report follows
https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DescribeHyperParameterTuningJob.html
and API_HyperParameterTrainingJobSummary.html. A trial's name is `<tuning job>-<NNN>-<8 hex>`, its
HyperParameters the static ones, the tuned ones and `_tuning_objective_metric`, and its checkpoints
go under `<CheckpointConfig.S3Uri>/<trial name>` so that trials do not share them.
"""
from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import optuna

from slipway.tuning import request as from_request
from slipway.tuning import space
from slipway.tuning.trial import IntermediateValues
from slipway.tuning.tuner import new_study, search

from .background import BackgroundJob
from .training_job import TrainingJob, now

log = logging.getLogger(__name__)


class TrialFailed(Exception):
    pass


@dataclass
class TuningJob(BackgroundJob):
    request: dict[str, Any]
    arn: str
    launch: Callable[..., TrainingJob]  # LocalSageMaker.create_training_job, bound to the account
    status: str = "InProgress"
    failure_reason: str | None = None
    created: datetime = field(default_factory=now)
    modified: datetime = field(default_factory=now)
    ended: datetime | None = None
    trials: list[TrainingJob] = field(default_factory=list)
    tuned: dict[str, dict[str, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.name: str = self.request["HyperParameterTuningJobName"]
        config = self.request["HyperParameterTuningJobConfig"]
        self.spec = from_request.tuning_spec(config)
        definition = self.request["TrainingJobDefinition"]
        regexes = {d["Name"]: d["Regex"] for d in
                   definition["AlgorithmSpecification"].get("MetricDefinitions", [])}
        self._objective = re.compile(regexes[self.spec.objective_metric])
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._study = new_study(self.spec, self.name, self.spec.random_seed)
        self._thread = threading.Thread(target=self._run, name=f"tuning-{self.name}", daemon=True)

    def stop(self) -> None:
        with self._lock:
            if self.status != "InProgress":
                return
            self.status, self.modified = "Stopping", now()
            self._stop.set()
            running = [job for job in self.trials if job.status == "InProgress"]
        for job in running:
            job.stop()

    # -- the search -----------------------------------------------------------------------
    def _total(self) -> int:
        return self.spec.grid_size() if self.spec.strategy == "Grid" else self.spec.total_jobs()

    def _run(self) -> None:
        total = self._total()
        parallel = max(1, min(self.spec.max_parallel, total))
        try:
            search(self.spec, self.name, self._trial, total=total, parallel=parallel,
                   seed=self.spec.random_seed, catch=(TrialFailed,), study=self._study,
                   callbacks=[self._stop_search])
        except Exception as error:  # the tuning job fails; the emulator goes on
            log.exception("local tuning job %s", self.name)
            self._end("Failed", f"InternalServerError: {type(error).__name__}: {error}")
            return
        if self._stop.is_set():
            self._end("Stopped")
        elif self.best() is None:
            reasons = [job.failure_reason for job in self.trial_jobs() if job.failure_reason]
            self._end("Failed", "No training job succeeded"
                      + (f"; the first failure: {reasons[0]}" if reasons else ""))
        else:
            self._end("Completed")

    def _stop_search(self, study: optuna.Study, _trial: object) -> None:
        # optuna takes a stop only from inside its loop: a callback after each trial
        if self._stop.is_set():
            study.stop()

    def _end(self, status: str, reason: str | None = None) -> None:
        with self._lock:
            self.status, self.failure_reason = status, reason
            self.ended = self.modified = now()

    def _trial_request(self, number: int, tuned: dict[str, str]) -> dict[str, Any]:
        definition = dict(self.request["TrainingJobDefinition"])
        suffix = hashlib.sha256(f"{self.arn}/{number}".encode()).hexdigest()[:8]
        name = f"{self.name}-{number:03d}-{suffix}"
        static = dict(definition.pop("StaticHyperParameters", {}) or {})
        definition.pop("DefinitionName", None)
        definition.pop("TuningObjective", None)
        definition.pop("HyperParameterRanges", None)
        trial = {**definition, "TrainingJobName": name,
                 "HyperParameters": {**static, **tuned,
                                     "_tuning_objective_metric": self.spec.objective_metric},
                 "Tags": self.request.get("Tags", [])}
        checkpoint = definition.get("CheckpointConfig")
        if checkpoint and checkpoint.get("S3Uri"):
            trial["CheckpointConfig"] = {**checkpoint,
                                         "S3Uri": f"{checkpoint['S3Uri'].rstrip('/')}/{name}"}
        return trial

    def _trial(self, trial: optuna.Trial) -> float:
        if self._stop.is_set():
            raise optuna.TrialPruned("the tuning job is stopping")
        chosen = space.sample(trial, self.spec.ranges)
        tuned = from_request.as_hyperparameters(chosen, self.spec.ranges)
        values = IntermediateValues(trial, self._objective)
        job_box: list[TrainingJob] = []

        def watch(line: str) -> None:
            if values.feed(line) and job_box:
                job_box[0].early_stopped = True
                job_box[0].stop()  # SageMaker's early stopping stops the training job

        request = self._trial_request(trial.number + 1, tuned)
        cpus = max(1, (os.cpu_count() or 1) // max(1, min(self.spec.max_parallel, self._total())))
        job = self.launch(request, tuning_job_arn=self.arn, num_cpus=cpus, on_line=watch)
        job_box.append(job)
        with self._lock:
            self.trials.append(job)
            self.tuned[job.name] = tuned
            self.modified = now()
        job.wait()
        value = job.objective(self.spec.objective_metric)
        if job.status == "Stopped":
            raise optuna.TrialPruned(f"{job.name} stopped")
        if job.status != "Completed" or value is None:
            raise TrialFailed(job.failure_reason or
                              f"{job.name}: the objective {self.spec.objective_metric} "
                              "was never reported")
        return value

    # -- the API's view -------------------------------------------------------------------
    def trial_jobs(self) -> list[TrainingJob]:
        with self._lock:
            return list(self.trials)

    def best(self) -> TrainingJob | None:
        finished = [job for job in self.trial_jobs() if job.status == "Completed"
                    and job.objective(self.spec.objective_metric) is not None]
        if not finished:
            return None
        pick = min if self.spec.minimize else max
        return pick(finished, key=lambda job: job.objective(self.spec.objective_metric))

    def trial_summary(self, job: TrainingJob) -> dict[str, Any]:
        described = job.describe()
        value = job.objective(self.spec.objective_metric)
        summary: dict[str, Any] = {
            "TrainingJobName": job.name, "TrainingJobArn": job.arn, "TuningJobName": self.name,
            "CreationTime": job.created, "TrainingJobStatus": job.status,
            "TunedHyperParameters": self.tuned.get(job.name, {}),
            "ObjectiveStatus": _objective_status(job, value)}
        for key in ("TrainingStartTime", "TrainingEndTime", "FailureReason"):
            if key in described:
                summary[key] = described[key]
        if value is not None:
            summary["FinalHyperParameterTuningJobObjectiveMetric"] = {
                "Type": self.spec.objective_type, "MetricName": self.spec.objective_metric,
                "Value": value}
        return summary

    def describe(self) -> dict[str, Any]:
        with self._lock:
            trials = list(self.trials)
            body: dict[str, Any] = {
                "HyperParameterTuningJobName": self.name, "HyperParameterTuningJobArn": self.arn,
                "HyperParameterTuningJobConfig": self.request["HyperParameterTuningJobConfig"],
                "TrainingJobDefinition": self.request["TrainingJobDefinition"],
                "HyperParameterTuningJobStatus": self.status, "CreationTime": self.created,
                "LastModifiedTime": self.modified,
                "TrainingJobStatusCounters": _status_counters(trials),
                "ObjectiveStatusCounters": _objective_counters(
                    [_objective_status(job, job.objective(self.spec.objective_metric))
                     for job in trials])}
            if self.ended:
                body["HyperParameterTuningEndTime"] = self.ended
            if self.failure_reason:
                body["FailureReason"] = self.failure_reason
            leader = self.best()
            if leader is not None:
                body["BestTrainingJob"] = self.trial_summary(leader)
            return body

    def summary(self) -> dict[str, Any]:
        body = self.describe()
        return {key: body[key] for key in (
            "HyperParameterTuningJobName", "HyperParameterTuningJobArn",
            "HyperParameterTuningJobStatus", "CreationTime", "LastModifiedTime",
            "TrainingJobStatusCounters", "ObjectiveStatusCounters") if key in body}


def _objective_status(job: TrainingJob, value: float | None) -> str:
    if job.status in ("InProgress", "Stopping"):
        return "Pending"
    return "Succeeded" if value is not None and job.status in ("Completed", "Stopped") \
        else "Failed"


def _status_counters(trials: list[TrainingJob]) -> dict[str, int]:
    statuses = [job.status for job in trials]
    return {"Completed": statuses.count("Completed"),
            "InProgress": statuses.count("InProgress") + statuses.count("Stopping"),
            "RetryableError": 0, "NonRetryableError": statuses.count("Failed"),
            "Stopped": statuses.count("Stopped")}


def _objective_counters(statuses: list[str]) -> dict[str, int]:
    return {"Succeeded": statuses.count("Succeeded"), "Pending": statuses.count("Pending"),
            "Failed": statuses.count("Failed")}
