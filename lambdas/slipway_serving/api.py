"""The FastAPI app: the OpenAPI-documented face of the HTTP API over the operations in service.py.

In Lambda it answers what the direct routes of handlers/http.py do not (unknown routes and
methods, ``GET /openapi.json``); elsewhere it runs under any ASGI server. The schema documents
every response (200, 400, 413, 422, 500, 503) and, once a model is loaded, the exact row shape
of that model: its features, their types, categories and which may be null.
"""
from __future__ import annotations

import logging
from typing import Any, Literal

import orjson
from fastapi import FastAPI, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import __version__, service
from .config import Limits
from .errors import MethodNotAllowed, NotFound, ServingError
from .manifest import Manifest
from .service import ModelSource
from .wire import request_id

log = logging.getLogger(__name__)
_F32_MAX = 3.4028234663852886e38


class PredictRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    instances: list[dict[str, Any] | list[Any]] = Field(
        min_length=1, description="Rows: objects keyed by feature name, or arrays in manifest feature order.")


class Prediction(BaseModel):
    """The fields of one prediction; which appear depends on the model's task."""

    label: str | int | bool | None = Field(None, description="classification: one of the manifest classes")
    probabilities: dict[str, float | None] | None = Field(None, description="classification: per str(class)")
    value: float | None = Field(None, description="regression")
    cluster: int | None = Field(None, description="clustering")
    distances: list[float | None] | None = Field(None, description="clustering, when the model has them")
    components: list[float | None] | None = Field(None, description="dimensionality_reduction")
    anomaly: bool | None = Field(None, description="anomaly_detection: true for an outlier")
    score: float | None = Field(None, description="anomaly_detection: higher is more normal")


class PredictResponse(BaseModel):
    model_name: str
    model_version: str
    predictions: list[Prediction]


class HealthResponse(BaseModel):
    status: Literal["ok"]
    model_version: str


class RowErrorItem(BaseModel):
    row: int
    field: str | None
    message: str


class ErrorDetail(BaseModel):
    code: str
    message: str
    row: int | None = None
    field: str | None = None
    errors: list[RowErrorItem] | None = None
    request_id: str | None = None


class ErrorResponse(BaseModel):
    error: ErrorDetail


class ModelManifest(BaseModel):
    """The served model's manifest.json (docs/contracts.md §2)."""

    model_config = ConfigDict(extra="allow")
    schema_version: int
    model_name: str
    task: str
    features: list[dict[str, Any]]


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    described = {400: "the body is not valid JSON (InvalidJSON)",
                 413: "the request, or the response it would produce, is over Lambda's 6 MB (PayloadTooLarge)",
                 422: "the body has the wrong shape (InvalidRequest) or a row does not fit the model "
                      "(InvalidFeatures, with row and field)",
                 500: "an unexpected error (InternalError, with request_id); no details leak",
                 503: "no model can be loaded (ModelUnavailable)"}
    return {code: {"model": ErrorResponse, "description": described[code]} for code in codes}


class CatchAll:
    """Turns an unexpected exception into a generic 500 with a request id; no stack trace leaks."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception:
            rid = request_id(scope.get("aws.event") or {})
            log.exception("unhandled error in %s %s (request %s)", scope.get("method"), scope.get("path"), rid)
            if started:
                raise
            body = {"error": {"code": "InternalError", "message": "internal error", "request_id": rid}}
            await _json(body, 500)(scope, receive, send)


def _json(payload: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(payload), status_code=status, media_type="application/json")


def _reply(reply: service.Reply) -> Response:
    return Response(reply.body, status_code=reply.status, media_type="application/json")


async def _serving_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ServingError)
    if exc.status >= 500:
        log.warning("%s %s -> %s %s: %s", request.method, request.url.path, exc.status, exc.code, exc.message)
    return _json(exc.to_body(), exc.status)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 404:
        error: ServingError = NotFound(f"no route for {request.method} {request.url.path}")
    elif exc.status_code == 405:
        error = MethodNotAllowed(f"{request.method} is not allowed on {request.url.path}")
    else:
        error = ServingError(str(exc.detail))
        error.status, error.code = exc.status_code, "HTTPError"
    return _json(error.to_body(), error.status)


def create_app(models: ModelSource, limits: Limits = Limits()) -> FastAPI:
    app = FastAPI(title="Slipway model server", version=__version__, docs_url=None, redoc_url=None,
                  openapi_url="/openapi.json",
                  exception_handlers={ServingError: _serving_error, StarletteHTTPException: _http_error})
    app.add_middleware(CatchAll)

    @app.post("/predict", response_class=Response, summary="Predict one row or a batch",
              responses={200: {"model": PredictResponse, "description": "one prediction per instance, in order"},
                         **_errors(400, 413, 422, 500, 503)})
    async def predict(request: Request) -> Response:
        return _reply(service.predict(await request.body(), models, limits))

    @app.get("/health", response_class=Response, summary="The served model version",
             responses={200: {"model": HealthResponse, "description": "a model is loaded"}, **_errors(500, 503)})
    async def health() -> Response:
        return _reply(service.health(b"", models, limits))

    @app.get("/model", response_class=Response, summary="The served model's manifest",
             responses={200: {"model": ModelManifest, "description": "manifest.json"}, **_errors(500, 503)})
    async def model() -> Response:
        return _reply(service.describe(b"", models, limits))

    app.openapi = lambda: openapi_schema(app, models, limits)  # type: ignore[method-assign]
    return app


def openapi_schema(app: FastAPI, models: ModelSource, limits: Limits) -> dict[str, Any]:
    """The schema, with the request body of the model being served when one can be loaded."""
    try:
        manifest: Manifest | None = models.current().manifest
    except ServingError:
        manifest = None
    schema = get_openapi(title=app.title, version=app.version, routes=app.routes,
                         description="Predictions from the model the pointer names (docs/serving.md).")
    request = PredictRequest.model_json_schema(ref_template="#/components/schemas/{model}")
    request["properties"]["instances"]["description"] += (
        f" At most {limits.max_instances} rows and {limits.max_body_bytes} bytes per request (413 above).")
    if manifest is not None:
        request["properties"]["instances"]["items"] = row_schema(manifest)
        request["description"] = f"Rows for model {manifest.model_name} ({manifest.task})."
    schema["components"]["schemas"]["PredictRequest"] = request
    schema["paths"]["/predict"]["post"]["requestBody"] = {
        "required": True, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PredictRequest"}}}}
    return schema


def row_schema(manifest: Manifest) -> dict[str, Any]:
    """One row, as an object keyed by feature name or an array in feature order."""
    cells = []
    for feature in manifest.features:
        if feature.type == "category":
            cell: dict[str, Any] = {"enum": [*feature.categories, *([None] if feature.allow_missing else [])]}
        else:
            cell = {"type": ["number", "null"] if feature.allow_missing else "number",
                    "minimum": -_F32_MAX, "maximum": _F32_MAX}
        cells.append(cell)
    names = list(manifest.feature_names)
    by_name = {"type": "object", "properties": dict(zip(names, cells)), "required": names,
               "additionalProperties": False}
    in_order = {"type": "array", "prefixItems": cells, "items": False, "minItems": len(cells),
                "maxItems": len(cells)}
    return {"anyOf": [by_name, in_order]}
