"""API Gateway HTTP API (payload 2.0) -> the serving operations; anything else -> Mangum -> FastAPI.

``POST /predict``, ``GET /health`` and ``GET /model`` are answered straight from the event by
the same functions the FastAPI app calls (``service.py``), so neither a cold start nor a warm
request pays for FastAPI (its import alone costs ~250 ms on one vCPU; docs/serving.md). Every
other request (unknown routes, other methods, ``/openapi.json``, other payload versions) goes
through Mangum to the FastAPI app, built on first use. Tests hold both doors to the same answers.

Importing this module reads nothing and creates no AWS client: the first invocation validates
the environment once, then every invocation reuses the same store, client and telemetry.
"""
from __future__ import annotations

import base64
import functools
import logging
import time
from typing import Any

import orjson

from ..errors import InvalidJSON, ServingError
from ..service import ROUTES, Reply
from ..wire import request_id
from .runtime import HandlerRuntime

log = logging.getLogger(__name__)


class HttpRuntime(HandlerRuntime):
    @functools.cached_property
    def adapter(self) -> Any:
        """Mangum over the FastAPI app, for everything the direct routes do not answer."""
        from mangum import Mangum

        from ..api import create_app

        return Mangum(create_app(self.store, self.config.limits), lifespan="off")

    def _handle(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        request_context = event.get("requestContext") or {}
        self.telemetry.logger.set_correlation_id(request_context.get("requestId"))  # API Gateway's request id
        http = request_context.get("http") or {}
        operation = ROUTES.get((http.get("method"), event.get("rawPath"))) if event.get("version") == "2.0" else None
        started = time.perf_counter()
        if operation is None:
            response = self.adapter(event, context)
            self.telemetry.record(model_version=None, latency_ms=(time.perf_counter() - started) * 1000,
                                  rows=0, rejects=0, errors=int(response.get("statusCode", 500) >= 500))
            return response
        rejects = errors = 0
        try:
            reply = operation(_body(event), self.store, self.config.limits)
        except ServingError as exc:
            reply = Reply(exc.status, _error_body(exc))
            rejects = getattr(exc, "rejected_rows", 0)
            errors = int(exc.status >= 500)
            if exc.status >= 500:
                log.warning("%s %s -> %s %s: %s", http.get("method"), event.get("rawPath"), exc.status,
                            exc.code, exc.message)
        except Exception:
            rid = request_id(event)
            log.exception("unhandled error in %s %s (request %s)", http.get("method"), event.get("rawPath"), rid)
            reply = Reply(500, _internal_error(rid))
            errors = 1
        loaded = self.store.loaded()
        self.telemetry.record(model_version=reply.model_version or (loaded.version if loaded else None),
                              latency_ms=(time.perf_counter() - started) * 1000, rows=reply.rows,
                              rejects=rejects, errors=errors)
        return {"statusCode": reply.status,
                "headers": {"content-length": str(len(reply.body)), "content-type": "application/json"},
                "body": reply.body.decode(), "isBase64Encoded": False}


def _body(event: dict[str, Any]) -> bytes:
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        try:
            return base64.b64decode(body, validate=True)
        except ValueError:  # binascii.Error
            raise InvalidJSON("request body is marked base64 but is not valid base64") from None
    return body.encode() if isinstance(body, str) else bytes(body)


def _error_body(exc: ServingError) -> bytes:
    return orjson.dumps(exc.to_body())


def _internal_error(rid: str) -> bytes:
    return orjson.dumps({"error": {"code": "InternalError", "message": "internal error", "request_id": rid}})


@functools.cache
def runtime() -> HttpRuntime:
    return HttpRuntime.from_env(service="slipway-http")

def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return runtime().handle(event, context)
