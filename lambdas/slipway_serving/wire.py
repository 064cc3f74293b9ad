"""Wire shapes of the HTTP API (docs/contracts.md §5) and the parsing of a predict request.

Plain TypedDicts and hand-written checks: the hot path imports neither pydantic nor FastAPI.
The pydantic models that document the same shapes in the OpenAPI schema live in ``api.py``.
"""
from __future__ import annotations

import uuid
from typing import Any, TypedDict

import orjson

from .errors import InvalidFeatures, InvalidJSON, InvalidRequest, PayloadTooLarge
from .features import RowError

MAX_REPORTED_ROW_ERRORS = 20
_BODY_SHAPE = 'the body is {"instances": [row, ...]}'


class PredictResponse(TypedDict):
    model_name: str
    model_version: str
    predictions: list[dict[str, Any]]


class HealthResponse(TypedDict):
    status: str
    model_version: str


class ErrorDetail(TypedDict, total=False):
    code: str
    message: str
    row: int
    field: str | None
    errors: list[dict[str, Any]]
    request_id: str


class ErrorBody(TypedDict):
    error: ErrorDetail


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
    listed = [{"row": e.row, "field": e.field, "message": e.message}
              for e in errors[:MAX_REPORTED_ROW_ERRORS]]
    error = InvalidFeatures(first.message, row=first.row, field=first.field, errors=listed)
    error.rejected_rows = len({e.row for e in errors})
    return error


def request_id(event: dict[str, Any]) -> str:
    """API Gateway's request id when there is one (so logs and clients agree), else a new one."""
    return str((event.get("requestContext") or {}).get("requestId") or uuid.uuid4().hex)


def lambda_response_bytes(body: bytes) -> int:
    """An upper bound of ``body``'s size once Lambda wraps it as a JSON string in its response."""
    non_ascii = len(body.translate(None, delete=_ASCII))
    return len(body) + body.count(b'"') + body.count(b"\\") + 2 * non_ascii


_ASCII = bytes(range(128))
