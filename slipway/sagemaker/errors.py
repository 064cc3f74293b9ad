"""Errors of the local training runner. Each class carries the AWS error code SageMaker would
answer with, so callers treat a local run and a cloud run alike."""
from __future__ import annotations

from pathlib import Path

from slipway.errors import SlipwayError


class TrainingRunnerError(SlipwayError):
    code = "InternalFailure"


class InvalidTrainingRequest(TrainingRunnerError):
    """A request SageMaker's CreateTrainingJob would refuse before starting anything."""
    code = "ValidationException"


class TrainingJobExists(TrainingRunnerError):
    code = "ResourceInUse"


class TrainingJobFailed(TrainingRunnerError):
    """The job ran and failed; `reason` is what SageMaker would report as FailureReason."""
    code = "TrainingJobFailed"

    def __init__(self, job_name: str, reason: str, *, trainer_exit_code: int | None,
                 log_path: Path) -> None:
        super().__init__(f"training job {job_name!r} failed: {reason}")
        self.job_name = job_name
        self.reason = reason
        self.trainer_exit_code = trainer_exit_code  # the script's; exit_code is slipway's
        self.log_path = log_path
