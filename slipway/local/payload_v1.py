"""API Gateway's payload format 1.0: REST API proxy integrations and HTTP APIs set to 1.0."""
from __future__ import annotations

import base64
import uuid
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qsl

import orjson

from slipway.local.functions import Invocation
from slipway.local.routes import Route

_TEXT_MARKERS = ("text/", "json", "xml", "javascript", "x-www-form-urlencoded")


def http_v1_event(
    route: Route, *, method: str, raw_path: str, raw_query: str, headers: list[tuple[str, str]],
    body: bytes, path_parameters: dict[str, str], source_ip: str, api_id: str, account_id: str,
) -> dict[str, Any]:
    """Single-value maps keep the last value; the multi-value maps keep them all, in order."""
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for name, value in headers:
        single[name] = value
        multi.setdefault(name, []).append(value)
    query: dict[str, str] = {}
    multi_query: dict[str, list[str]] = {}
    for name, value in parse_qsl(raw_query, keep_blank_values=True):
        query[name] = value
        multi_query.setdefault(name, []).append(value)
    content_type = next((v for k, v in headers if k.lower() == "content-type"), "")
    is_text = not body or any(marker in content_type.lower() for marker in _TEXT_MARKERS)
    now = datetime.now(timezone.utc)
    resource = route.path or raw_path
    event: dict[str, Any] = {
        "resource": resource,
        "path": raw_path,
        "httpMethod": method,
        "headers": single or None,
        "multiValueHeaders": multi or None,
        "queryStringParameters": query or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": path_parameters or None,
        "stageVariables": None,
        "requestContext": {
            "accountId": account_id,
            "apiId": api_id,
            "httpMethod": method,
            "identity": {"sourceIp": source_ip, "userAgent": single.get("User-Agent") or single.get("user-agent"),
                         "accessKey": None, "caller": None, "user": None, "userArn": None},
            "path": raw_path,
            "protocol": "HTTP/1.1",
            "requestId": str(uuid.uuid4()),
            "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "requestTimeEpoch": int(now.timestamp() * 1000),
            "resourceId": route.api_logical_id[:6].lower(),
            "resourcePath": resource,
            "stage": "prod" if route.api_kind == "rest" else "$default",
        },
        "body": (body.decode("utf-8") if is_text else base64.b64encode(body).decode()) if body else None,
        "isBase64Encoded": bool(body) and not is_text,
    }
    if route.api_kind == "http":
        event["version"] = "1.0"
    return event


def http_v1_response(invocation: Invocation) -> tuple[int, list[tuple[str, str]], bytes]:
    """1.0 infers nothing: a response without a numeric statusCode is a 502."""
    failure = 502, [("content-type", "application/json")], orjson.dumps({"message": "Internal server error"})
    payload = invocation.payload
    if invocation.failed or not isinstance(payload, dict) or "statusCode" not in payload:
        return failure
    try:
        status = int(payload["statusCode"])
        body = payload.get("body") or ""
        raw = base64.b64decode(body) if payload.get("isBase64Encoded") else str(body).encode()
    except (TypeError, ValueError):
        return failure
    headers = [(str(k), str(v)) for k, v in (payload.get("headers") or {}).items()]
    single_names = {k.lower() for k, _ in headers}
    for name, values in (payload.get("multiValueHeaders") or {}).items():
        if name.lower() not in single_names:
            headers += [(str(name), str(v)) for v in values]
    return status, headers, raw
