"""Errors a training run can end with. Each carries a short `code` that starts the failure reason,
so a caller (SageMaker's FailureReason, the local runner, a test) can branch on it without parsing
prose."""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path


class TrainingError(Exception):
    code = "TrainingError"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    @property
    def reason(self) -> str:
        return f"{self.code}: {self.message}"


def _listing(names: Iterable[object]) -> str:
    return ", ".join(repr(name) for name in names)


class InvalidEnvironment(TrainingError):
    code = "InvalidEnvironment"


class UnknownHyperparameter(TrainingError):
    code = "UnknownHyperparameter"

    def __init__(self, key: str, allowed: Iterable[str]) -> None:
        super().__init__(f"unknown hyperparameter {key!r}; allowed: {', '.join(sorted(allowed))}")
        self.key = key


class InvalidHyperparameter(TrainingError):
    code = "InvalidHyperparameter"

    def __init__(self, key: str, value: object, expected: str) -> None:
        super().__init__(f"hyperparameter {key!r} must be {expected}, got {value!r}")
        self.key = key


class MalformedArguments(TrainingError):
    code = "MalformedArguments"


class NoTrainingData(TrainingError):
    code = "NoTrainingData"


class MissingTargetColumn(TrainingError):
    code = "MissingTargetColumn"

    def __init__(self, column: str, file: Path, available: Iterable[object]) -> None:
        super().__init__(
            f"target column {column!r} is not in {file}; available columns: {_listing(available)}"
        )
        self.column = column
        self.file = file


class InconsistentColumns(TrainingError):
    code = "InconsistentColumns"


class InvalidFeatures(TrainingError):
    code = "InvalidFeatures"


class InvalidLabels(TrainingError):
    code = "InvalidLabels"


class InvalidSplit(TrainingError):
    code = "InvalidSplit"


class UnsupportedConfiguration(TrainingError):
    code = "UnsupportedConfiguration"


class ExportMismatch(TrainingError):
    code = "ExportMismatch"


class InvalidData(TrainingError):
    """A value in a data file that cannot be used; the message names the file, column and row."""
    code = "InvalidData"


class WarmStartMismatch(TrainingError):
    code = "WarmStartMismatch"


class Interrupted(TrainingError):
    """SIGTERM (a spot interruption, a stop request): the state is checkpointed, a restart resumes."""
    code = "Interrupted"
