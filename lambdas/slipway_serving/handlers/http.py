"""API Gateway HTTP API -> the one router (``service.answer``) -> the Lambda response.

Payload 2.0 events are answered straight from the event (no ASGI stack on a cold start or a warm
request); other payload versions go through Mangum to ``api.py``'s ASGI app, built on first use,
which calls the same router. Importing this module reads nothing and creates no AWS client.
"""
from __future__ import annotations

import base64
import functools
import os
import time
from collections.abc import Callable
from typing import Any

from ..errors import InvalidJSON
from ..service import Reply, answer
from ..wire import request_id
from .runtime import HandlerRuntime


class HttpRuntime(HandlerRuntime):
    service = "slipway-http"

    @functools.cached_property
    def adapter(self) -> Any:
        """Mangum over the ASGI app, for the payload versions the direct path does not read."""
        from mangum import Mangum

        from ..api import asgi_app

        return Mangum(asgi_app(self.reply), lifespan="off")

    def reply(self, method: str, path: str, body: Callable[[], bytes], rid: str) -> Reply:
        """The router's reply, counted in the metrics under the model version that gave it."""
        started = time.perf_counter()
        reply = answer(method, path, body, self.store, self.config.limits, rid)
        loaded = self.store.loaded()
        self.telemetry.record(model_version=reply.model_version or (loaded.version if loaded else None),
                              latency_ms=(time.perf_counter() - started) * 1000, rows=reply.rows,
                              rejects=reply.rejects, errors=int(reply.status >= 500))
        return reply

    def _handle(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        request_context = event.get("requestContext") or {}
        self.telemetry.logger.set_correlation_id(request_context.get("requestId"))  # API Gateway's request id
        if event.get("version") != "2.0":
            return self.adapter(event, context)  # type: ignore[no-any-return]
        http = request_context.get("http") or {}
        reply = self.reply(http.get("method"), event.get("rawPath"), lambda: _body(event), request_id(event))
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


@functools.cache
def runtime() -> HttpRuntime:
    return HttpRuntime.from_env(os.environ)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return runtime().handle(event, context)
