"""The local SageMaker: training and tuning jobs of one emulator, kept per account and region.

Every call first applies what SageMaker applies on its side (slipway.jobs.rules) and answers a
violation with SageMaker's code and message; then the job runs here for real (training_job.py,
tuning_job.py). Not run: distributed training beyond the first host (algo-1 runs, and gets its
ShardedByS3Key share), Pipe and FastFile input modes, and SageMaker's built-in algorithms
(script mode only: a request needs sagemaker_program and sagemaker_submit_directory).
"""
from __future__ import annotations

import os
import re
import shutil
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from slipway.aws import AwsTarget, Clients

from . import spot
from .training_job import TrainingJob
from .tuning_job import TuningJob


class SageMakerApiError(Exception):
    """Answered to the caller as SageMaker's JSON error: `code` and `message`."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _check(kind: str, request: dict[str, Any]) -> None:
    """SageMaker's own rules, before anything runs (slipway.jobs.rules, each with its source)."""
    from slipway.jobs import rules

    check = rules.check_training_job if kind == "training" else rules.check_tuning_job
    try:
        check(request)
    except rules.SageMakerRuleViolation as violation:
        raise SageMakerApiError(violation.code, violation.message) from None


def not_found() -> SageMakerApiError:
    # What DescribeTrainingJob answers for a name it does not know
    return SageMakerApiError("ValidationException", "Requested resource not found.")


def _stop(job: TrainingJob | TuningJob, kind: str) -> None:
    if job.status != "InProgress":
        raise SageMakerApiError(
            "ValidationException",
            f"The request was rejected because the {kind} job is in status {job.status}.")
    job.stop()


@dataclass
class LocalSageMaker:
    target: AwsTarget
    work_root: Path
    environ: dict[str, str] = field(default_factory=lambda: dict(os.environ))

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self.training: dict[tuple[str, str, str], TrainingJob] = {}
        self.tuning: dict[tuple[str, str, str], TuningJob] = {}
        self._clients: dict[str, Clients] = {}

    def clients(self, region: str) -> Callable[[str], Any]:
        with self._lock:
            if region not in self._clients:
                self._clients[region] = Clients(AwsTarget(
                    region=region, endpoint_url=self.target.endpoint_url,
                    access_key_id=self.target.access_key_id,
                    secret_access_key=self.target.secret_access_key,
                    account_id=self.target.account_id))
            return self._clients[region]

    # -- training jobs -------------------------------------------------------------------
    def create_training_job(self, account: str, region: str, request: dict[str, Any], *,
                            tuning_job_arn: str | None = None, num_cpus: int | None = None,
                            on_line: Callable[[str], None] | None = None,
                            on_end: Callable[[TrainingJob], None] | None = None) -> TrainingJob:
        if tuning_job_arn is None:
            _check("training", request)
        name = request["TrainingJobName"]
        arn = f"arn:aws:sagemaker:{region}:{account}:training-job/{name.lower()}"
        try:
            rehearsal = spot.from_request(request, self.environ)
        except re.error as error:
            raise SageMakerApiError("ValidationException",
                                    f"Tag {spot.TAG} is not a regular expression: {error}") from None
        clients = self.clients(region)
        with self._lock:
            key = (account, region, name)
            if key in self.training:
                raise SageMakerApiError(
                    "ResourceInUse", f"Training job names must be unique within an AWS account "
                                     f"and region, and a training job with this name already "
                                     f"exists ({arn})")
            job = TrainingJob(request=request, arn=arn, clients=clients,
                              work_dir=self.work_root / account / region / name,
                              tuning_job_arn=tuning_job_arn, num_cpus=num_cpus, spot=rehearsal,
                              on_line=on_line, on_end=on_end)
            self.training[key] = job
        job.start()
        return job

    def training_job(self, account: str, region: str, name: str) -> TrainingJob:
        return self._find(self.training, (account, region, name), not_found)

    def stop_training_job(self, account: str, region: str, name: str) -> None:
        _stop(self.training_job(account, region, name), "training")

    def _find(self, table: dict[tuple[str, str, str], Any], key: tuple[str, str, str],
              missing: Callable[[], SageMakerApiError]) -> Any:
        with self._lock:
            job = table.get(key)
        if job is None:
            raise missing()
        return job

    def list_training_jobs(self, account: str, region: str, params: dict[str, Any]
                           ) -> dict[str, Any]:
        with self._lock:
            jobs = [job for (a, r, _), job in self.training.items() if (a, r) == (account, region)]
        return {"TrainingJobSummaries": _page(jobs, params)}

    # -- tuning jobs -----------------------------------------------------------------------
    def create_tuning_job(self, account: str, region: str, request: dict[str, Any]) -> TuningJob:
        _check("tuning", request)
        name = request["HyperParameterTuningJobName"]
        arn = f"arn:aws:sagemaker:{region}:{account}:hyper-parameter-tuning-job/{name.lower()}"

        def launch(trial: dict[str, Any], **options: Any) -> TrainingJob:
            return self.create_training_job(account, region, trial, **options)

        with self._lock:
            key = (account, region, name)
            if key in self.tuning:
                raise SageMakerApiError(
                    "ResourceInUse", f"Hyperparameter tuning job names must be unique within an "
                                     f"AWS account and region, and a job with this name already "
                                     f"exists ({arn})")
            job = TuningJob(request=request, arn=arn, launch=launch)
            self.tuning[key] = job
        job.start()
        return job

    def tuning_job(self, account: str, region: str, name: str) -> TuningJob:
        return self._find(self.tuning, (account, region, name), lambda: SageMakerApiError(
            "ResourceNotFound", f"Amazon SageMaker can't find a tuning job with name {name}"))

    def stop_tuning_job(self, account: str, region: str, name: str) -> None:
        _stop(self.tuning_job(account, region, name), "tuning")

    def list_tuning_job_trials(self, account: str, region: str, params: dict[str, Any]
                               ) -> dict[str, Any]:
        job = self.tuning_job(account, region, params["HyperParameterTuningJobName"])
        rows = [job.trial_summary(trial) for trial in job.trial_jobs()]
        status = params.get("StatusEquals")
        rows = [row for row in rows if not status or row["TrainingJobStatus"] == status]
        by = params.get("SortBy", "CreationTime")
        keys: dict[str, Callable[[dict[str, Any]], Any]] = {
            "Name": lambda row: row["TrainingJobName"],
            "Status": lambda row: row["TrainingJobStatus"],
            "CreationTime": lambda row: row["CreationTime"],
            "FinalObjectiveMetricValue": lambda row: _objective_key(row)}
        rows.sort(key=keys.get(by, keys["CreationTime"]),
                  reverse=params.get("SortOrder", "Descending" if by ==
                                     "FinalObjectiveMetricValue" else "Ascending") == "Descending")
        return {"TrainingJobSummaries": rows[:int(params.get("MaxResults") or 100)]}

    def close(self) -> None:
        with self._lock:
            tunings, jobs = list(self.tuning.values()), list(self.training.values())
        for tuning in tunings:
            tuning.stop()
        for job in jobs:
            job.stop()
        for job in jobs:
            job.wait(30)
        shutil.rmtree(self.work_root, ignore_errors=True)


def _objective_key(row: dict[str, Any]) -> tuple[bool, float]:
    metric = row.get("FinalHyperParameterTuningJobObjectiveMetric")
    return (metric is None, metric["Value"] if metric else 0.0)


def _page(jobs: list[TrainingJob], params: dict[str, Any]) -> list[dict[str, Any]]:
    """ListTrainingJobs' filters and sorting (NameContains, StatusEquals, SortBy, SortOrder,
    MaxResults); one page."""
    rows = [job.summary() for job in jobs]
    contains, status = params.get("NameContains"), params.get("StatusEquals")
    rows = [row for row in rows if (not contains or contains in row["TrainingJobName"])
            and (not status or row["TrainingJobStatus"] == status)]
    key = {"Name": "TrainingJobName", "Status": "TrainingJobStatus"}.get(
        params.get("SortBy", "CreationTime"), "CreationTime")
    rows.sort(key=lambda row: row[key],
              reverse=params.get("SortOrder", "Ascending") == "Descending")
    return rows[:int(params.get("MaxResults") or 100)]


_current: LocalSageMaker | None = None


def install(target: AwsTarget, *, work_root: Path | None = None) -> LocalSageMaker:
    """Called by the emulator once its server listens: SageMaker's job calls run here."""
    global _current
    uninstall()
    from . import moto_hooks

    root = work_root or Path(tempfile.mkdtemp(prefix="slipway-sagemaker-"))
    _current = LocalSageMaker(target, root)
    moto_hooks.apply(lambda: _current)
    return _current


def uninstall() -> None:
    global _current
    if _current is not None:
        _current.close()
        _current = None
