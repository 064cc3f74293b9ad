"""The HTTP API's operations as pure functions: request bytes in, status and JSON bytes out.

Both front doors call these: the Lambda handler answers its three routes with them directly,
and the FastAPI app (``api.py``) wraps them for the OpenAPI schema and every other route.
Errors are raised as ``ServingError``s; the caller turns them into the error body.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import orjson

from .config import Limits
from .errors import PayloadTooLarge
from .store import LoadedModel
from .wire import HealthResponse, PredictResponse, invalid_features, lambda_response_bytes, parse_predict_request


class ModelSource(Protocol):
    def current(self) -> LoadedModel: ...


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes  # JSON
    model_version: str | None = None
    rows: int = 0  # rows predicted


Operation = Callable[[bytes, ModelSource, Limits], Reply]


def predict(body: bytes, models: ModelSource, limits: Limits) -> Reply:
    instances = parse_predict_request(body, max_body_bytes=limits.max_body_bytes,
                                      max_instances=limits.max_instances)
    model = models.current()
    conversion = model.predictor.convert(instances)
    if conversion.errors:
        raise invalid_features(conversion.errors)
    response: PredictResponse = {"model_name": model.manifest.model_name, "model_version": model.version,
                                 "predictions": model.predictor.predict(conversion.matrix)}
    payload = orjson.dumps(response)
    size = lambda_response_bytes(payload)
    if size > limits.max_response_bytes:
        fits = max(1, len(instances) * limits.max_response_bytes // size)
        raise PayloadTooLarge(f"the response to {len(instances)} instances would be {size} bytes, over "
                              f"Lambda's 6 MB response limit; send at most {fits} instances per request")
    return Reply(200, payload, model.version, len(instances))


def health(body: bytes, models: ModelSource, limits: Limits) -> Reply:
    model = models.current()
    response: HealthResponse = {"status": "ok", "model_version": model.version}
    return Reply(200, orjson.dumps(response), model.version)


def describe(body: bytes, models: ModelSource, limits: Limits) -> Reply:
    model = models.current()
    return Reply(200, orjson.dumps(model.manifest.document), model.version)


ROUTES: dict[tuple[str, str], Operation] = {
    ("POST", "/predict"): predict,
    ("GET", "/health"): health,
    ("GET", "/model"): describe,
}
