"""Wire shapes of the HTTP API (docs/contracts.md §5) and their parsing."""
from __future__ import annotations

from typing import Any, TypedDict

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import InvalidFeatures, InvalidJSON, InvalidRequest, PayloadTooLarge
from .features import RowError
from .predictor import Prediction

MAX_REPORTED_ROW_ERRORS = 20


class PredictRequest(BaseModel):
    """``{"instances": [row, ...]}``; a row is checked against the manifest, not here."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    instances: list[Any] = Field(min_length=1)


class PredictResponse(TypedDict):
    model_name: str
    model_version: str
    predictions: list[Prediction]


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


def _describe(error: Any) -> str:
    loc = ".".join(str(part) for part in error["loc"]) or "body"
    kind = error["type"]
    if kind == "extra_forbidden":
        return f"unknown field {loc!r}; the body is {{\"instances\": [...]}}"
    if kind == "missing":
        return f"field {loc!r} is required"
    if kind == "too_short":
        return "'instances' must hold at least one row"
    if kind in ("list_type", "model_type"):
        return f"{loc!r} must be {'an array' if kind == 'list_type' else 'a JSON object'}"
    return f"{loc!r}: {error['msg']}"


def parse_predict_request(body: bytes, *, max_body_bytes: int, max_instances: int) -> PredictRequest:
    if len(body) > max_body_bytes:
        raise PayloadTooLarge(f"request body is larger than {max_body_bytes} bytes")
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise InvalidJSON(f"request body is not valid JSON: {exc}") from None
    try:
        request = PredictRequest.model_validate(document)
    except ValidationError as exc:
        errors = exc.errors()
        first = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
        raise InvalidRequest(_describe(first)) from None
    if len(request.instances) > max_instances:
        raise PayloadTooLarge(f"at most {max_instances} instances per request, got {len(request.instances)}")
    return request


def invalid_features(errors: list[RowError]) -> InvalidFeatures:
    """One 422 for a request whose rows failed: the first error, and up to 20 in ``errors``."""
    first = errors[0]
    listed = [{"row": e.row, "field": e.field, "message": e.message}
              for e in errors[:MAX_REPORTED_ROW_ERRORS]]
    return InvalidFeatures(first.message, row=first.row, field=first.field, errors=listed)
