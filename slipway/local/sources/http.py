"""What the two API Gateway payload formats share: the request as received, the response sent."""
from __future__ import annotations

import base64
import os
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import orjson

# Lambda's synchronous invocation payload quota, for requests and responses alike.
LAMBDA_SYNC_PAYLOAD_BYTES = 6 * 1024 * 1024
_TEXT_MARKERS = ("text/", "json", "xml", "javascript", "x-www-form-urlencoded")


@dataclass(frozen=True)
class HttpRequest:
    method: str
    path: str  # as the client sent it, stage prefix included (REST)
    query: str = ""
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    source_ip: str = "127.0.0.1"
    request_id: str = ""
    time: datetime = field(default_factory=lambda: datetime.now(timezone.utc))

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


def gateway_error(status: int, message: str) -> HttpResponse:
    """API Gateway's own error responses: a JSON body with one message."""
    return HttpResponse(status, (("content-type", "application/json"),), orjson.dumps({"message": message}))


def is_text(content_type: str) -> bool:
    return any(marker in content_type.lower() for marker in _TEXT_MARKERS)


def http_api_request_id() -> str:
    """HTTP APIs name a request with 10 random bytes in base64 ("JKJaXmPLvHcESHA=")."""
    return base64.b64encode(os.urandom(10)).decode()


def rest_api_request_id() -> str:
    return str(uuid.uuid4())


def request_time(moment: datetime) -> tuple[str, int]:
    """requestContext's time text and epoch milliseconds."""
    return moment.strftime("%d/%b/%Y:%H:%M:%S +0000"), int(moment.timestamp() * 1000)


class MalformedResponse(ValueError):
    """The function answered with something the payload format does not allow."""


def header_value(name: str, value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise MalformedResponse(f"header {name!r} has a {type(value).__name__} value")
    return str(value)


def decoded_body(payload: dict[str, Any], *, decode_base64: bool = True) -> bytes:
    body = payload.get("body")
    if body is None:
        return b""
    if not isinstance(body, str):
        raise MalformedResponse(f"body is a {type(body).__name__}, not a string")
    if payload.get("isBase64Encoded") and decode_base64:
        try:
            return base64.b64decode(body, validate=True)
        except ValueError as error:
            raise MalformedResponse(f"isBase64Encoded is set but the body is not base64: {error}") from None
    return body.encode()


def status_code(payload: dict[str, Any]) -> int:
    value = payload["statusCode"]
    if isinstance(value, bool):
        raise MalformedResponse("statusCode is a boolean")
    try:
        status = int(value)
    except (TypeError, ValueError):
        raise MalformedResponse(f"statusCode {value!r} is not a number") from None
    if not 100 <= status <= 599:
        raise MalformedResponse(f"statusCode {status} is not an HTTP status")
    return status
