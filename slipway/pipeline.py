"""Run the deployed training pipeline: data up, one execution, its progress, its outcome.

Only public APIs (S3, Step Functions, SageMaker), so it runs the same against the emulator and an
account. Progress comes from GetExecutionHistory (each state as it is entered) and, while a tuning
job runs, from ListTrainingJobsForHyperParameterTuningJob (each trial as it ends).
"""
from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from slipway.deployed import DeployedApp
from slipway.errors import SlipwayError

TERMINAL_TRIALS = ("Completed", "Failed", "Stopped")
_FAILED_EVENTS = ("TaskFailed", "LambdaFunctionFailed", "ExecutionFailed", "TaskTimedOut", "ExecutionTimedOut")


class PipelineFailed(SlipwayError):
    pass


@dataclass(frozen=True)
class Outcome:
    status: str  # SUCCEEDED | FAILED | TIMED_OUT | ABORTED
    execution_arn: str
    output: dict[str, Any] = field(default_factory=dict)
    error: str | None = None  # the failing step's error and cause, when not SUCCEEDED

    @property
    def succeeded(self) -> bool:
        return self.status == "SUCCEEDED"

    def summary(self) -> str:
        if not self.succeeded:
            return f"the pipeline {self.status}: {self.error or 'no reason recorded'}"
        pointer, evaluation = self.output.get("pointer"), self.output.get("evaluation") or {}
        if pointer:
            return (f"promoted {pointer['model_name']} {pointer['version']} ({evaluation.get('reason', '')})\n"
                    f"  {pointer['uri']}")
        return f"nothing promoted: {evaluation.get('reason', 'the candidate was not better')}"


def upload_channels(s3: Any, app: DeployedApp, files: dict[str, Path]) -> list[str]:
    """Each channel's prefix holds exactly the given file afterwards (a run trains on what it was given)."""
    uris = []
    for channel, path in files.items():
        bucket, prefix = app.channel(channel)
        stale = [{"Key": o["Key"]} for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
                 for o in page.get("Contents", [])]
        for start in range(0, len(stale), 1000):
            s3.delete_objects(Bucket=bucket, Delete={"Objects": stale[start:start + 1000], "Quiet": True})
        s3.upload_file(str(path), bucket, f"{prefix}{path.name}")
        uris.append(f"s3://{bucket}/{prefix}{path.name}")
    return uris


def start(sfn: Any, app: DeployedApp, *, now: datetime | None = None) -> str:
    moment = now or datetime.now(timezone.utc)
    name = f"slipway-{moment:%Y%m%dT%H%M%S}-{moment.microsecond:06d}"
    return sfn.start_execution(stateMachineArn=app.state_machine_arn, name=name, input="{}")["executionArn"]


def _history(sfn: Any, execution_arn: str) -> list[dict[str, Any]]:
    events, token = [], None
    while True:
        page = sfn.get_execution_history(executionArn=execution_arn, **({"nextToken": token} if token else {}))
        events += page["events"]
        token = page.get("nextToken")
        if not token:
            return events


def failure_reason(events: list[dict[str, Any]]) -> str | None:
    """The first failed step's error and cause: the trainer's FailureReason when SageMaker says it."""
    state = None
    for event in events:
        entered = event.get("stateEnteredEventDetails")
        if entered:
            state = entered["name"]
        if event["type"] not in _FAILED_EVENTS:
            continue
        details = next((v for k, v in event.items() if k.endswith("EventDetails")), {})
        error, cause = details.get("error", event["type"]), details.get("cause", "")
        return f"{state}: {error}: {readable_cause(cause)}" if state else f"{error}: {readable_cause(cause)}"
    return None


def readable_cause(cause: str) -> str:
    try:
        document = json.loads(cause)
    except ValueError:
        return cause
    if not isinstance(document, dict):
        return cause
    job = document.get("TrainingJobName") or document.get("HyperParameterTuningJobName")
    reason = document.get("FailureReason") or document.get("errorMessage")
    if job and reason:
        status = document.get("TrainingJobStatus") or document.get("HyperParameterTuningJobStatus")
        return f"{job} {status}: {reason}"
    return reason or cause


@dataclass
class Progress:
    """What has been reported so far, so that each state and each trial is told once."""

    seen_events: int = 0
    tuning_job: str | None = None
    trials_told: set[str] = field(default_factory=set)

    def states(self, events: list[dict[str, Any]]) -> Iterator[str]:
        for event in events[self.seen_events:]:
            entered = event.get("stateEnteredEventDetails")
            if entered:
                yield f"-> {entered['name']}"
            scheduled = event.get("taskScheduledEventDetails") or {}
            if scheduled.get("resource", "").startswith("createHyperParameterTuningJob"):
                self.tuning_job = json.loads(scheduled["parameters"]).get("HyperParameterTuningJobName")
        self.seen_events = len(events)

    def trials(self, sagemaker: Any) -> Iterator[str]:
        if not self.tuning_job:
            return
        try:
            jobs = sagemaker.list_training_jobs_for_hyper_parameter_tuning_job(
                HyperParameterTuningJobName=self.tuning_job, MaxResults=100)["TrainingJobSummaries"]
        except sagemaker.exceptions.ClientError as error:
            if error.response["Error"]["Code"] not in ("ResourceNotFound", "ValidationException"):
                self.tuning_job = None  # the backend cannot list trials: the states still tell the story
            return  # else not created yet
        for job in sorted(jobs, key=lambda j: j["TrainingJobName"]):
            name, status = job["TrainingJobName"], job["TrainingJobStatus"]
            if status not in TERMINAL_TRIALS or name in self.trials_told:
                continue
            self.trials_told.add(name)
            objective = job.get("FinalHyperParameterTuningJobObjectiveMetric") or {}
            value = f" {objective['MetricName']}={objective['Value']:.6g}" if "Value" in objective else ""
            reason = f": {job['FailureReason']}" if job.get("FailureReason") else ""
            yield f"   trial {name} {status}{value}{reason}"


def watch(clients: Callable[[str], Any], execution_arn: str, *, say: Callable[[str], None] = print,
          poll_s: float = 1.0, timeout_s: float | None = None) -> Outcome:
    sfn, sagemaker = clients("stepfunctions"), clients("sagemaker")
    progress = Progress()
    deadline = time.monotonic() + timeout_s if timeout_s else None
    while True:
        described = sfn.describe_execution(executionArn=execution_arn)
        events = _history(sfn, execution_arn)
        states = list(progress.states(events))  # learns the tuning job's name
        for line in [*progress.trials(sagemaker), *states]:  # trials that ended before the states that followed
            say(line)
        if described["status"] != "RUNNING":
            break
        if deadline is not None and time.monotonic() > deadline:
            raise PipelineFailed(f"{execution_arn} still RUNNING after {timeout_s:.0f} s")
        time.sleep(poll_s)
    output = json.loads(described.get("output") or "{}")
    error = None if described["status"] == "SUCCEEDED" else failure_reason(events)
    return Outcome(status=described["status"], execution_arn=execution_arn,
                   output=output if isinstance(output, dict) else {}, error=error)
