"""Wire shapes of the HTTP API (docs/contracts.md §5), declared once, and the parsing of a predict
request: TypedDicts and hand-written checks, so the request path imports no pydantic. openapi.py
documents these same types (attribute docstrings become field descriptions)."""
from __future__ import annotations

import uuid
from typing import Any, Literal, NotRequired, TypedDict

import orjson

from .errors import InvalidFeatures, InvalidJSON, InvalidRequest, PayloadTooLarge
from .features import RowError

MAX_REPORTED_ROW_ERRORS = 20
_BODY_SHAPE = 'the body is {"instances": [row, ...]}'


class PredictRequest(TypedDict):
    instances: list[dict[str, Any] | list[Any]]
    """Rows: objects keyed by feature name, or arrays in manifest feature order."""


PredictRequest.__pydantic_config__ = {"extra": "forbid", "use_attribute_docstrings": True}  # type: ignore[attr-defined]


class Prediction(TypedDict, total=False):
    """The fields of one prediction; which appear depends on the model's task."""

    label: str | int | bool | None
    """classification: one of the manifest classes"""
    probabilities: dict[str, float | None] | None
    """classification: per str(class)"""
    value: float | None
    """regression"""
    cluster: int | None
    """clustering"""
    distances: list[float | None] | None
    """clustering, when the model has them"""
    components: list[float | None] | None
    """dimensionality_reduction"""
    anomaly: bool | None
    """anomaly_detection: true for an outlier"""
    score: float | None
    """anomaly_detection: higher is more normal"""


class PredictResponse(TypedDict):
    model_name: str
    model_version: str
    predictions: list[Prediction]


class HealthResponse(TypedDict):
    status: Literal["ok"]
    model_version: str


class ModelManifest(TypedDict):
    """The served model's manifest.json (docs/contracts.md §2)."""

    schema_version: int
    model_name: str
    task: str
    features: list[dict[str, Any]]


class RowErrorItem(TypedDict):
    row: int
    field: str | None
    message: str


class ErrorDetail(TypedDict):
    code: str
    message: str
    row: NotRequired[int]
    field: NotRequired[str | None]
    errors: NotRequired[list[RowErrorItem]]
    request_id: NotRequired[str]


class ErrorResponse(TypedDict):
    error: ErrorDetail


# How openapi.py's pydantic reads these shapes: plain dicts, so nothing is imported here.
PredictRequest.__pydantic_config__ = {"extra": "forbid", "use_attribute_docstrings": True}  # type: ignore[attr-defined]
Prediction.__pydantic_config__ = {"use_attribute_docstrings": True}  # type: ignore[attr-defined]
ModelManifest.__pydantic_config__ = {"extra": "allow"}  # type: ignore[attr-defined]


def parse_predict_request(body: bytes, *, max_body_bytes: int, max_instances: int) -> list[Any]:
    """The request's rows; raises 400/413/422 errors that say what is wrong with the body."""
    if len(body) > max_body_bytes:
        raise PayloadTooLarge(f"request body is larger than {max_body_bytes} bytes")
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise InvalidJSON(f"request body is not valid JSON: {exc}") from None
    if not isinstance(document, dict):
        raise InvalidRequest(f"the body must be a JSON object; {_BODY_SHAPE}")
    unknown = [key for key in document if key != "instances"]
    if unknown:
        raise InvalidRequest(f"unknown field {unknown[0]!r}; {_BODY_SHAPE}")
    if "instances" not in document:
        raise InvalidRequest(f"field 'instances' is required; {_BODY_SHAPE}")
    instances = document["instances"]
    if not isinstance(instances, list):
        raise InvalidRequest("'instances' must be an array of rows")
    if not instances:
        raise InvalidRequest("'instances' must hold at least one row")
    if len(instances) > max_instances:
        raise PayloadTooLarge(f"at most {max_instances} instances per request, got {len(instances)}")
    return instances


def invalid_features(errors: list[RowError]) -> InvalidFeatures:
    """One 422 for a request whose rows failed: the first error, and up to 20 in ``errors``."""
    first = errors[0]
    listed: list[RowErrorItem] = [{"row": e.row, "field": e.field, "message": e.message}
                                  for e in errors[:MAX_REPORTED_ROW_ERRORS]]
    return InvalidFeatures(first.message, row=first.row, field=first.field, errors=listed)


def request_id(event: dict[str, Any]) -> str:
    """API Gateway's request id when there is one (so logs and clients agree), else a new one."""
    return str((event.get("requestContext") or {}).get("requestId") or uuid.uuid4().hex)


def lambda_response_bytes(body: bytes) -> int:
    """An upper bound of ``body``'s size once Lambda wraps it as a JSON string in its response."""
    non_ascii = len(body.translate(None, delete=_ASCII))
    return len(body) + body.count(b'"') + body.count(b"\\") + 2 * non_ascii


_ASCII = bytes(range(128))
