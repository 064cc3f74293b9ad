"""Pipeline errors. Step Functions sees the class name as the task's error name, so a state can
catch `ArtifactError` (never retried: the model is wrong) apart from transient AWS errors."""
from __future__ import annotations


class PipelineError(Exception):
    code = "PipelineError"


class ConfigError(PipelineError):
    """A missing or invalid environment variable (the message names it)."""

    code = "ConfigError"


class InvalidInput(PipelineError):
    """The state input lacks a field the step needs, or it has the wrong shape."""

    code = "InvalidInput"


class ArtifactError(PipelineError):
    """The model archive is not a Slipway model: no manifest, or not the objective metric."""

    code = "ArtifactError"
