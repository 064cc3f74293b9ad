"""The HTTP API as an ASGI app, for Mangum (payload versions other than 2.0) and any ASGI server.
It reads the request and writes the reply; routing, errors and the OpenAPI document are
``service.answer``'s, as on the handler's direct path."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from .config import Limits
from .service import ModelSource, Reply, answer
from .wire import request_id

Answer = Callable[[str, str, Callable[[], bytes], str], Reply]  # method, path, body, request id
ASGIApp = Callable[[dict[str, Any], Any, Any], Awaitable[None]]  # (scope, receive, send)


def asgi_app(reply_to: Answer) -> ASGIApp:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":  # lifespan: nothing to start or stop
            return
        body = bytearray()
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        reply = reply_to(scope["method"], scope["path"], lambda: bytes(body), request_id(scope.get("aws.event") or {}))
        await send({"type": "http.response.start", "status": reply.status,
                    "headers": [(b"content-length", str(len(reply.body)).encode()),
                                (b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": reply.body})

    return app


def create_app(models: ModelSource, limits: Limits = Limits()) -> ASGIApp:
    """The API over ``models`` for an ASGI server (or schemathesis' in-process calls)."""
    return asgi_app(lambda method, path, body, rid: answer(method, path, body, models, limits, rid))
