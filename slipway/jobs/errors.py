"""Errors of job specs and the requests rendered from them. Each carries the AWS error code its
SageMaker counterpart would answer with, so the CLI and tests branch on codes, not prose."""
from __future__ import annotations

from pathlib import Path

from slipway.errors import SlipwayError


class JobError(SlipwayError):
    exit_code = 2  # the spec or request is invalid
    code = "ValidationException"


class JobSpecError(JobError):
    """A job spec that cannot be used; names the file and the key (dotted path)."""

    def __init__(self, path: Path | str, key: str, problem: str) -> None:
        super().__init__(f"{path}: {key}: {problem}" if key else f"{path}: {problem}")
        self.path = Path(path)
        self.key = key
        self.problem = problem


class RequestValidationError(JobError):
    """A rendered request botocore's sagemaker model (or its enums) refuses; names the field."""

    def __init__(self, operation: str, field: str, problem: str) -> None:
        super().__init__(f"{operation} request: {field}: {problem}")
        self.operation = operation
        self.field = field
        self.problem = problem


class RenderError(JobError):
    """Something the renderer needs and was not given (a region, an image)."""


class PreflightError(JobError):
    """The spec disagrees with the trainer it will run: a hyperparameter it refuses, a metric
    regex that matches none of the lines it prints."""
