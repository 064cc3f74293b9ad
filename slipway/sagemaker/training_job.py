"""One CreateTrainingJob request, run for real on this machine in a background thread, and the
state DescribeTrainingJob reports while and after it runs.

Statuses follow DescribeTrainingJob
(https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DescribeTrainingJob.html):
TrainingJobStatus InProgress -> Completed | Failed | Stopping -> Stopped, with SecondaryStatus
Starting -> Downloading -> Training -> Uploading -> Completed (or Failed; Stopped or
MaxRuntimeExceeded under Stopped; Interrupted -> Restarting for a managed spot interruption) and
every step in SecondaryStatusTransitions (API_SecondaryStatusTransition.html).
"""
from __future__ import annotations

import logging
import math
import os
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from . import environment, interpreter, packaging, s3io
from .background import BackgroundJob
from .cloudwatch import JobLog
from .errors import TrainingJobFailed, TrainingRunnerError
from .metrics import MetricCollector, compile_definitions
from .runner import run_training_job
from .spot import SpotRehearsal

log = logging.getLogger(__name__)
_MESSAGES = {
    "Starting": "Preparing the instances for training",
    "Downloading": "Downloading input data",
    "Training": "Training image download completed. Training in progress.",
    "Uploading": "Uploading generated training model",
    "Completed": "Training job completed",
    "Failed": "Training job failed",
    "Stopping": "Stopping the training job",
    "Stopped": "Training job stopped",
    "MaxRuntimeExceeded": "Training job exceeded its MaxRuntimeInSeconds",
    "Interrupted": "Training job interrupted: the spot instance was reclaimed",
    "Restarting": "Restarting the training job from its last checkpoint",
}


class MaxRuntimeExceeded(TrainingRunnerError):
    """StoppingCondition.MaxRuntimeInSeconds ran out: the job ends Stopped / MaxRuntimeExceeded."""


def now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class Transition:
    status: str
    start: datetime
    end: datetime | None = None

    def as_response(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"Status": self.status, "StartTime": self.start,
                                 "StatusMessage": _MESSAGES.get(self.status, self.status)}
        if self.end is not None:
            entry["EndTime"] = self.end
        return entry


@dataclass
class TrainingJob(BackgroundJob):
    request: dict[str, Any]
    arn: str
    clients: Callable[[str], Any]
    work_dir: Path
    tuning_job_arn: str | None = None
    num_cpus: int | None = None
    spot: SpotRehearsal | None = None
    on_line: Callable[[str], None] | None = None  # a tuning trial watches its job's log
    on_end: Callable[[TrainingJob], None] | None = None
    status: str = "InProgress"
    failure_reason: str | None = None
    created: datetime = field(default_factory=now)
    modified: datetime = field(default_factory=now)
    started: datetime | None = None
    ended: datetime | None = None
    billable_s: float = 0.0
    transitions: list[Transition] = field(default_factory=list)
    model_uri: str | None = None
    log_stream: str | None = None
    metric_times: dict[str, datetime] = field(default_factory=dict)
    early_stopped: bool = False  # stopped by its tuning job's early stopping

    def __post_init__(self) -> None:
        self.name: str = self.request["TrainingJobName"]
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._process: subprocess.Popen[str] | None = None
        self._collector = MetricCollector(compile_definitions(
            self.request["AlgorithmSpecification"].get("MetricDefinitions", [])))
        self._thread = threading.Thread(target=self._run, name=f"training-{self.name}", daemon=True)
        self._secondary("Starting")

    # -- the API's view -------------------------------------------------------------------
    def stop(self) -> None:
        with self._lock:
            if self.status != "InProgress":
                return
            self._stop.set()
            self.status = "Stopping"
            self._secondary("Stopping")
            process = self._process
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)  # SageMaker's stop: SIGTERM, then 120 s

    @property
    def secondary_status(self) -> str:
        return self.transitions[-1].status

    def objective(self, metric: str) -> float | None:
        return self._collector.final().get(metric)

    def final_metrics(self) -> list[dict[str, Any]]:
        return [{"MetricName": name, "Value": value, "Timestamp": self.metric_times[name]}
                for name, value in sorted(self._collector.final().items())]

    def describe(self) -> dict[str, Any]:
        with self._lock:
            request = self.request
            body: dict[str, Any] = {
                key: request[key] for key in (
                    "TrainingJobName", "HyperParameters", "AlgorithmSpecification", "RoleArn",
                    "InputDataConfig", "OutputDataConfig", "ResourceConfig", "StoppingCondition",
                    "CheckpointConfig", "VpcConfig", "EnableNetworkIsolation",
                    "EnableInterContainerTrafficEncryption", "EnableManagedSpotTraining",
                    "Environment", "RetryStrategy") if key in request}
            body |= {"TrainingJobArn": self.arn, "TrainingJobStatus": self.status,
                     "SecondaryStatus": self.secondary_status,
                     "SecondaryStatusTransitions": [t.as_response() for t in self.transitions],
                     "CreationTime": self.created, "LastModifiedTime": self.modified,
                     "ModelArtifacts": {"S3ModelArtifacts": self.model_uri or ""},
                     "FinalMetricDataList": self.final_metrics()}
            if self.tuning_job_arn:
                body["TuningJobArn"] = self.tuning_job_arn
            if self.failure_reason:
                body["FailureReason"] = self.failure_reason
            if self.started:
                body["TrainingStartTime"] = self.started
            if self.ended:
                body["TrainingEndTime"] = self.ended
                training = (self.ended - (self.started or self.ended)).total_seconds()
                body["TrainingTimeInSeconds"] = max(1, math.ceil(training))
                body["BillableTimeInSeconds"] = max(1, math.floor(self.billable_s))
            return body

    def summary(self) -> dict[str, Any]:
        with self._lock:
            entry = {"TrainingJobName": self.name, "TrainingJobArn": self.arn,
                     "CreationTime": self.created, "LastModifiedTime": self.modified,
                     "TrainingJobStatus": self.status, "SecondaryStatus": self.secondary_status}
            if self.ended:
                entry["TrainingEndTime"] = self.ended
            return entry

    # -- the run ------------------------------------------------------------------------
    def _secondary(self, status: str) -> None:
        with self._lock:
            moment = now()
            if self.transitions and self.transitions[-1].end is None:
                self.transitions[-1].end = moment
            self.transitions.append(Transition(status, moment))
            self.modified = moment

    def _finish(self, status: str, secondary: str, reason: str | None = None) -> None:
        with self._lock:
            self.status, self.failure_reason = status, reason
            self.ended = self.ended or now()
            self._secondary(secondary)
            self.transitions[-1].end = self.transitions[-1].start

    def _run(self) -> None:
        job_log: JobLog | None = None
        try:
            job_log = JobLog(self.clients("logs"), self.name)
            self.log_stream = job_log.stream
            self._execute(job_log)
        except MaxRuntimeExceeded:
            self._finish("Stopped", "MaxRuntimeExceeded")  # a Stopped job, per the API reference
        except TrainingRunnerError as error:
            stopped = self._stop.is_set()
            if stopped:
                self._upload_what_the_script_saved()
            reason = error.reason if isinstance(error, TrainingJobFailed) else error.message
            self._finish("Stopped" if stopped else "Failed", "Stopped" if stopped else "Failed",
                         None if stopped else self._container_paths(reason))
        except Exception as error:  # the job fails; the emulator and its other jobs go on
            log.exception("local training job %s", self.name)
            self._finish("Failed", "Failed", f"InternalServerError: {type(error).__name__}: {error}")
        finally:
            if job_log is not None:
                job_log.close()
            if self.on_end is not None:
                self.on_end(self)

    def _upload_what_the_script_saved(self) -> None:
        """A stopped job keeps its results: SageMaker uploads what the script saved in its model
        directory before it ended (API_StopTrainingJob.html)."""
        model_dir = self.work_dir / "attempt" / self.name / "model"
        if not model_dir.is_dir() or not any(model_dir.iterdir()):
            return
        archive = packaging.pack_directory(model_dir, self.work_dir / "stopped-model.tar.gz")
        output = self.request["OutputDataConfig"]
        self.model_uri = s3io.upload_file(
            self.clients("s3"), archive,
            f"{output['S3OutputPath'].rstrip('/')}/{self.name}/output/model.tar.gz",
            output.get("KmsKeyId"))

    def _container_paths(self, text: str) -> str:
        """The reason as the container would word it: paths under /opt/ml, not this machine's."""
        return text.replace(str(self.work_dir / "channels"), "/opt/ml/input/data") \
            .replace(str(self.work_dir / "attempt" / self.name), "/opt/ml") \
            .replace(str(self.work_dir / "code"), "/opt/ml/code")

    def _line(self, job_log: JobLog, line: str) -> None:
        job_log.write(line)
        before = dict(self._collector.final())
        self._collector.feed(line)
        for name, value in self._collector.final().items():
            if before.get(name) != value or name not in self.metric_times:
                self.metric_times[name] = now()
        if self.on_line is not None:
            self.on_line(line)
        if self.spot is not None and self.spot.due(line):
            with self._lock:
                process = self._process
            if process is not None:
                process.send_signal(signal.SIGTERM)  # the instance is reclaimed

    def _execute(self, job_log: JobLog) -> None:
        request, s3 = self.request, self.clients("s3")
        hyperparameters = dict(request.get("HyperParameters") or {})
        decoded = environment.decode(hyperparameters)
        submit, program = decoded.get("sagemaker_submit_directory"), decoded.get("sagemaker_program")
        if not isinstance(submit, str) or not isinstance(program, str):
            raise TrainingJobFailed(self.name, "AlgorithmError: the local SageMaker runs script mode "
                                    "only: HyperParameters need sagemaker_program and "
                                    "sagemaker_submit_directory", trainer_exit_code=None,
                                    log_path=self.work_dir)
        shutil.rmtree(self.work_dir, ignore_errors=True)
        self._secondary("Downloading")
        host_count = int(request["ResourceConfig"].get("InstanceCount", 1))
        channels = {}
        for channel in request.get("InputDataConfig", []):
            target = self.work_dir / "channels" / channel["ChannelName"]
            s3io.download_channel(s3, channel, target, host_count=host_count)
            channels[channel["ChannelName"]] = target
        code = s3io.download_code(s3, submit, self.work_dir / "code", channels)
        requirements = code / "requirements.txt"
        python = interpreter.training_python(
            request["AlgorithmSpecification"]["TrainingImage"],
            requirements.read_text().splitlines() if requirements.is_file() else [],
            say=job_log.write)
        if python.note:
            job_log.write(f"[slipway] {python.note}")
        checkpoint_uri = (request.get("CheckpointConfig") or {}).get("S3Uri")
        store = self.work_dir / "checkpoint-store"
        if checkpoint_uri:
            s3io.download_prefix(s3, checkpoint_uri, store)
        with self._lock:
            self.started = now()
        self._secondary("Training")
        result = self._attempts(job_log, code, program, channels, python.python,
                                store if checkpoint_uri else None, checkpoint_uri)
        self._secondary("Uploading")
        output = request["OutputDataConfig"]["S3OutputPath"].rstrip("/") + f"/{self.name}/output"
        kms = request["OutputDataConfig"].get("KmsKeyId")
        s3io.upload_file(s3, result.output_artifact, f"{output}/output.tar.gz", kms)
        self.model_uri = s3io.upload_file(s3, result.model_artifact, f"{output}/model.tar.gz", kms)
        self._finish("Completed", "Completed")

    def _attempts(self, job_log: JobLog, code: Path, program: str, channels: dict[str, Path],
                  python: Path, store: Path | None, checkpoint_uri: str | None) -> Any:
        request, s3 = self.request, self.clients("s3")
        limit = request.get("StoppingCondition", {}).get("MaxRuntimeInSeconds")
        instance = request["ResourceConfig"].get("InstanceType", "")
        from slipway.jobs.service import is_gpu

        while True:
            attempt_started = time.monotonic()
            failure: TrainingJobFailed | None = None
            try:
                result = run_training_job(
                    self.name, base_dir=self.work_dir / "attempt", overwrite=True,
                    channels=channels, hyperparameters=request.get("HyperParameters") or {},
                    metric_definitions=request["AlgorithmSpecification"].get(
                        "MetricDefinitions", []),
                    source_dir=code, entry_point=program, python=python,
                    num_cpus=self.num_cpus or os.cpu_count() or 1,
                    num_gpus=1 if is_gpu(instance) else 0, max_runtime_s=limit,
                    checkpoint_dir=store, on_start=self._started,
                    on_line=lambda line: self._line(job_log, line))
            except TrainingJobFailed as error:
                failure = error
            finally:
                self.billable_s += time.monotonic() - attempt_started
                with self._lock:
                    self._process = None
                if checkpoint_uri and store is not None:  # what the script saved reaches S3
                    s3io.upload_tree(s3, store, checkpoint_uri)
            if failure is None:
                return result
            if not self._stop.is_set() and self.spot is not None and self.spot.interrupted_now():
                self._secondary("Interrupted")
                job_log.write(f"[slipway] spot rehearsal: interrupted ({failure.reason}); "
                              f"capacity is back in {self.spot.wait_s:g} s")
                time.sleep(self.spot.wait_s)
                self._secondary("Restarting")
                if checkpoint_uri and store is not None:
                    s3io.download_prefix(s3, checkpoint_uri, store)
                self._secondary("Training")
                continue
            if failure.reason.startswith("MaxRuntimeExceeded"):
                raise MaxRuntimeExceeded(failure.reason)
            raise failure

    def _started(self, process: subprocess.Popen[str]) -> None:
        with self._lock:
            self._process = process
        if self._stop.is_set():
            process.send_signal(signal.SIGTERM)
