"""The FastAPI app: POST /predict, GET /health, GET /model. Responses are orjson-encoded."""
from __future__ import annotations

import logging
import uuid
from typing import Any, Protocol

import orjson
from fastapi import FastAPI, Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .config import Limits
from .errors import MethodNotAllowed, NotFound, ServingError
from .store import LoadedModel
from .wire import HealthResponse, PredictResponse, invalid_features, parse_predict_request

log = logging.getLogger(__name__)


class ModelSource(Protocol):
    def current(self) -> LoadedModel: ...


def json_response(payload: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(payload), status_code=status, media_type="application/json")


def request_id(scope: Scope) -> str:
    """API Gateway's request id when there is one (so logs and clients agree), else a new one."""
    context = (scope.get("aws.event") or {}).get("requestContext") or {}
    return str(context.get("requestId") or uuid.uuid4().hex)


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
            rid = request_id(scope)
            log.exception("unhandled error in %s %s (request %s)", scope.get("method"), scope.get("path"), rid)
            if started:
                raise
            body = {"error": {"code": "InternalError", "message": "internal error", "request_id": rid}}
            await json_response(body, 500)(scope, receive, send)


async def _serving_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ServingError)
    if exc.status >= 500:
        log.warning("%s %s -> %s %s: %s", request.method, request.url.path, exc.status, exc.code, exc.message)
    return json_response(exc.to_body(), exc.status)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 404:
        error: ServingError = NotFound(f"no route for {request.method} {request.url.path}")
    elif exc.status_code == 405:
        error = MethodNotAllowed(f"{request.method} is not allowed on {request.url.path}")
    else:
        error = ServingError(str(exc.detail))
        error.status, error.code = exc.status_code, "HTTPError"
    return json_response(error.to_body(), error.status)


def create_app(models: ModelSource, limits: Limits = Limits()) -> FastAPI:
    app = FastAPI(title="Slipway model server", docs_url=None, redoc_url=None, openapi_url=None,
                  exception_handlers={ServingError: _serving_error, StarletteHTTPException: _http_error})
    app.add_middleware(CatchAll)

    @app.post("/predict")
    async def predict(request: Request) -> Response:
        body = parse_predict_request(await request.body(), max_body_bytes=limits.max_body_bytes,
                                     max_instances=limits.max_instances)
        model = models.current()
        conversion = model.predictor.convert(body.instances)
        if conversion.errors:
            raise invalid_features(conversion.errors)
        response: PredictResponse = {"model_name": model.manifest.model_name,
                                     "model_version": model.version,
                                     "predictions": model.predictor.predict(conversion.matrix)}
        return json_response(response)

    @app.get("/health")
    async def health() -> Response:
        response: HealthResponse = {"status": "ok", "model_version": models.current().version}
        return json_response(response)

    @app.get("/model")
    async def model() -> Response:
        return json_response(models.current().manifest.document)

    return app
