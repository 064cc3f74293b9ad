"""Errors of the local training runner. Each class carries the AWS error code SageMaker would
answer with, so callers treat a local run and a cloud run alike."""
from __future__ import annotations

from pathlib import Path


class TrainingRunnerError(Exception):
    code = "InternalFailure"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidTrainingRequest(TrainingRunnerError):
    """A request SageMaker's CreateTrainingJob would refuse before starting anything."""
    code = "ValidationException"


class TrainingJobExists(TrainingRunnerError):
    code = "ResourceInUse"


class TrainingJobFailed(TrainingRunnerError):
    """The job ran and failed; `reason` is what SageMaker would report as FailureReason."""
    code = "TrainingJobFailed"

    def __init__(self, job_name: str, reason: str, *, exit_code: int | None,
                 log_path: Path) -> None:
        super().__init__(f"training job {job_name!r} failed: {reason}")
        self.job_name = job_name
        self.reason = reason
        self.exit_code = exit_code
        self.log_path = log_path
