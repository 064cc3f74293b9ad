"""HTTP APIs (API Gateway v2) with payload format 2.0: the event, and how the response is read.

Source: "Create AWS Lambda proxy integrations for HTTP APIs in API Gateway"
https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
"""
from __future__ import annotations

import base64
import logging
from typing import Any
from urllib.parse import parse_qsl

import orjson

from slipway.local.sources import Result
from slipway.local.sources.http import (LAMBDA_SYNC_PAYLOAD_BYTES, HttpRequest, HttpResponse, MalformedResponse,
                                        decoded_body, gateway_error, header_value, is_text,
                                        request_time, status_code)

log = logging.getLogger(__name__)

# What an HTTP API answers when the integration fails or answers malformed, in either payload format.
FUNCTION_ERROR = gateway_error(500, "Internal Server Error")


def joined_headers(request: HttpRequest) -> tuple[dict[str, str], list[str]]:
    """HTTP APIs lower-case header names and join repeated values with commas; cookies go apart."""
    joined: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in request.headers:
        key = name.lower()
        if key == "cookie":
            cookies += [c.strip() for c in value.split(";") if c.strip()]
            continue
        joined[key] = f"{joined[key]},{value}" if key in joined else value
    joined.setdefault("x-forwarded-for", request.source_ip)
    joined.setdefault("x-forwarded-proto", "http")
    return joined, cookies


def joined_query(query: str) -> dict[str, str]:
    joined: dict[str, str] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        joined[name] = f"{joined[name]},{value}" if name in joined else value
    return joined


def body_field(request: HttpRequest, content_type: str) -> tuple[str | None, bool]:
    """HTTP APIs pass text bodies as they are and base64-encode the others."""
    if not request.body:
        return None, False
    if is_text(content_type):
        try:
            return request.body.decode("utf-8"), False
        except UnicodeDecodeError:
            pass
    return base64.b64encode(request.body).decode(), True


def event(request: HttpRequest, *, route_key: str, path_parameters: dict[str, str], api_id: str,
          account_id: str, stage: str = "$default") -> dict[str, Any]:
    headers, cookies = joined_headers(request)
    query = joined_query(request.query)
    text, encoded = body_field(request, headers.get("content-type", ""))
    when, epoch = request_time(request.time)
    result: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": request.path,
        "rawQueryString": request.query,
        "headers": headers,
        "requestContext": {
            "accountId": account_id,
            "apiId": api_id,
            "domainName": headers.get("host", f"{api_id}.execute-api.localhost"),
            "domainPrefix": headers.get("host", api_id).split(".", 1)[0],
            "http": {"method": request.method, "path": request.path, "protocol": "HTTP/1.1",
                     "sourceIp": request.source_ip, "userAgent": headers.get("user-agent", "")},
            "requestId": request.request_id,
            "routeKey": route_key,
            "stage": stage,
            "time": when,
            "timeEpoch": epoch,
        },
        "isBase64Encoded": encoded,
    }
    if cookies:
        result["cookies"] = cookies
    if query:
        result["queryStringParameters"] = query
    if path_parameters:
        result["pathParameters"] = path_parameters
    if text is not None:
        result["body"] = text
    return result


def response(result: Result) -> HttpResponse:
    """Format 2.0 reads a dict with statusCode as a response; any other valid JSON is the body of a
    200 application/json answer (a string as it is). A function error or a malformed response is
    the HTTP API's 500."""
    if result.failed:
        return FUNCTION_ERROR
    payload = result.payload
    if len(orjson.dumps(payload)) > LAMBDA_SYNC_PAYLOAD_BYTES:
        return FUNCTION_ERROR  # Lambda refuses the response (Function.ResponseSizeTooLarge)
    if not isinstance(payload, dict) or "statusCode" not in payload:
        body = payload.encode() if isinstance(payload, str) else orjson.dumps(payload)
        return HttpResponse(200, (("content-type", "application/json"),), body)
    try:
        status = status_code(payload)
        body = decoded_body(payload)
        headers = [(str(k), header_value(k, v)) for k, v in (payload.get("headers") or {}).items()]
        cookies = payload.get("cookies") or []
        if not isinstance(cookies, list):
            raise MalformedResponse("cookies is not a list")
        headers += [("set-cookie", header_value("cookies", c)) for c in cookies]
    except MalformedResponse as error:
        log.error("malformed function response (payload format 2.0): %s", error)
        return FUNCTION_ERROR
    # multiValueHeaders (and any other key) is not part of format 2.0: API Gateway ignores it.
    return HttpResponse(status, tuple(headers), body)
