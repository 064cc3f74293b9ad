"""The HTTP API, declared once: its routes, the operations behind them, and the one router.

Every door calls ``answer``: the Lambda handler's direct path for payload 2.0 and the ASGI app of
``api.py``; openapi.py documents ``ROUTES``. ``render`` is the one place an error becomes a reply.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import orjson

from . import wire
from .config import Limits
from .errors import MethodNotAllowed, NotFound, PayloadTooLarge, ServingError
from .store import LoadedModel

log = logging.getLogger(__name__)
OPENAPI_PATH = "/openapi.json"


class ModelSource(Protocol):
    def current(self) -> LoadedModel: ...


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes  # JSON
    model_version: str | None = None
    rows: int = 0  # rows predicted
    rejects: int = 0  # rows refused


def render(error: ServingError, *, model_version: str | None = None, rejects: int = 0) -> Reply:
    return Reply(error.status, orjson.dumps(error.to_body()), model_version, rejects=rejects)


def predict(body: bytes, models: ModelSource, limits: Limits) -> Reply:
    instances = wire.parse_predict_request(body, max_body_bytes=limits.max_body_bytes,
                                           max_instances=limits.max_instances)
    model = models.current()
    conversion = model.predictor.convert(instances)
    if conversion.errors:  # a refused request is data for the metrics, not an exception
        return render(wire.invalid_features(conversion.errors), model_version=model.version,
                      rejects=len({e.row for e in conversion.errors}))
    response: wire.PredictResponse = {"model_name": model.manifest.model_name, "model_version": model.version,
                                      "predictions": model.predictor.predict(conversion.matrix)}
    payload = orjson.dumps(response)
    size = wire.lambda_response_bytes(payload)
    if size > limits.max_response_bytes:
        fits = max(1, len(instances) * limits.max_response_bytes // size)
        raise PayloadTooLarge(f"the response to {len(instances)} instances would be {size} bytes, over "
                              f"Lambda's 6 MB response limit; send at most {fits} instances per request")
    return Reply(200, payload, model.version, len(instances))


def health(body: bytes, models: ModelSource, limits: Limits) -> Reply:
    model = models.current()
    response: wire.HealthResponse = {"status": "ok", "model_version": model.version}
    return Reply(200, orjson.dumps(response), model.version)


def describe(body: bytes, models: ModelSource, limits: Limits) -> Reply:
    model = models.current()
    return Reply(200, orjson.dumps(model.manifest.document), model.version)


@dataclass(frozen=True)
class Route:
    operation: Callable[[bytes, ModelSource, Limits], Reply]
    summary: str
    response: type  # the 200 body's shape in wire.py
    described: str  # what a 200 means
    errors: tuple[int, ...]  # the error statuses it may answer with (openapi.ERRORS)


ROUTES: dict[tuple[str, str], Route] = {
    ("POST", "/predict"): Route(predict, "Predict one row or a batch", wire.PredictResponse,
                                "one prediction per instance, in order", (400, 413, 422, 500, 503)),
    ("GET", "/health"): Route(health, "The served model version", wire.HealthResponse, "a model is loaded",
                              (500, 503)),
    ("GET", "/model"): Route(describe, "The served model's manifest", wire.ModelManifest, "manifest.json",
                             (500, 503)),
}
_PATHS = {path for _, path in ROUTES} | {OPENAPI_PATH}


def answer(method: str, path: str, body: Callable[[], bytes], models: ModelSource, limits: Limits,
           request_id: str) -> Reply:
    """The reply to one request; ``body`` is read only by an operation that takes one."""
    try:
        route = ROUTES.get((method, path))
        if route is not None:
            return route.operation(body(), models, limits)
        if (method, path) == ("GET", OPENAPI_PATH):
            from .openapi import document  # pydantic: imported only when the schema is asked for

            return Reply(200, orjson.dumps(document(models, limits)))
        if path in _PATHS:
            raise MethodNotAllowed(f"{method} is not allowed on {path}")
        raise NotFound(f"no route for {method} {path}")
    except ServingError as error:
        if error.status >= 500:
            log.warning("%s %s -> %s %s: %s", method, path, error.status, error.code, error.message)
        return render(error)
    except Exception:  # a generic 500 with the request id: no stack trace or detail leaks
        log.exception("unhandled error in %s %s (request %s)", method, path, request_id)
        return render(ServingError("internal error", request_id=request_id))
