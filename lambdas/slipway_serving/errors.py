"""The serving error hierarchy: each class carries its HTTP status and a stable error code."""
from __future__ import annotations

from typing import Any


class ServingError(Exception):
    """Base class. ``status`` is the HTTP status, ``code`` the stable machine-readable code."""

    status: int = 500
    code: str = "InternalError"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def to_body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, **self.details}}


class ConfigError(ServingError):
    """A missing or invalid environment variable (the message names it)."""

    code = "ConfigError"


class InvalidRequest(ServingError):
    """The request body has the wrong shape (unknown keys, no instances, ...)."""

    status = 422
    code = "InvalidRequest"


class InvalidJSON(ServingError):
    """The request body is not JSON."""

    status = 400
    code = "InvalidJSON"


class InvalidFeatures(ServingError):
    """A row does not match the model's features; carries ``row`` and ``field``."""

    status = 422
    code = "InvalidFeatures"


class PayloadTooLarge(ServingError):
    """The request, or the response it would produce, exceeds Lambda's 6 MB payload limit."""

    status = 413
    code = "PayloadTooLarge"


class NotFound(ServingError):
    status = 404
    code = "NotFound"


class MethodNotAllowed(ServingError):
    status = 405
    code = "MethodNotAllowed"


class ModelUnavailable(ServingError):
    """No model could be loaded; the caller may retry later."""

    status = 503
    code = "ModelUnavailable"


class ArtifactError(ModelUnavailable):
    """The pointer, manifest or archive is malformed or unsupported."""

    code = "InvalidArtifact"


class ArtifactIntegrityError(ArtifactError):
    """A checksum does not match, or the archive holds something it must not."""

    code = "ArtifactIntegrityError"
