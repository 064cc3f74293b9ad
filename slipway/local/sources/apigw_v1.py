"""Payload format 1.0: REST API (API Gateway v1) Lambda proxy integrations, and HTTP APIs set to 1.0.

Sources: "Set up Lambda proxy integrations in API Gateway" (REST)
https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html
"Create AWS Lambda proxy integrations for HTTP APIs in API Gateway" (format 1.0 on HTTP APIs)
https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
"Return binary media from a Lambda proxy integration in API Gateway"
https://docs.aws.amazon.com/apigateway/latest/developerguide/lambda-proxy-binary-media.html
"""
from __future__ import annotations

import base64
import fnmatch
import logging
from typing import Any
from urllib.parse import parse_qsl

import orjson

from slipway.local.sources import Result, apigw_v2
from slipway.local.sources.http import (LAMBDA_SYNC_PAYLOAD_BYTES, HttpRequest, HttpResponse, MalformedResponse,
                                        decoded_body, gateway_error, header_value, request_time,
                                        status_code)

log = logging.getLogger(__name__)

# A REST API answers a failed or malformed Lambda proxy response with 502 ("Malformed Lambda proxy
# response" in its execution log); an HTTP API with its 500 in either format.
REST_FUNCTION_ERROR = gateway_error(502, "Internal server error")
RESPONSE_KEYS = frozenset({"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded"})


def binary_match(content_type: str | None, binary_media_types: tuple[str, ...]) -> bool:
    """Whether a media type is one of the API's binaryMediaTypes (wildcards such as image/* or */*)."""
    if not content_type:
        return False
    media = content_type.split(";", 1)[0].strip().lower()
    return any(fnmatch.fnmatchcase(media, pattern.lower()) for pattern in binary_media_types)


def _rest_body(request: HttpRequest, binary_media_types: tuple[str, ...]) -> tuple[str | None, bool]:
    """A REST API base64-encodes a body only when its Content-Type is a binary media type of the API;
    any other body reaches the function as UTF-8 text."""
    if not request.body:
        return None, False
    if binary_match(request.header("content-type"), binary_media_types):
        return base64.b64encode(request.body).decode(), True
    return request.body.decode("utf-8", errors="replace"), False


def event(request: HttpRequest, *, resource: str, path: str, path_parameters: dict[str, str], api_id: str,
          account_id: str, api_kind: str, stage: str, binary_media_types: tuple[str, ...] = ()) -> dict[str, Any]:
    """`path` is the request path without the stage; requestContext.path keeps the stage for REST."""
    multi_query: dict[str, list[str]] = {}
    for name, value in parse_qsl(request.query, keep_blank_values=True):
        multi_query.setdefault(name, []).append(value)
    multi: dict[str, list[str]] = {}
    if api_kind == "http":
        # HTTP APIs lower-case header names and join repeated values with commas, in 1.0 as in 2.0.
        headers, _ = apigw_v2.joined_headers(request)
        for name, value in request.headers:
            multi.setdefault(name.lower(), []).append(value)
        query: dict[str, str] = apigw_v2.joined_query(request.query)
        text, encoded = apigw_v2.body_field(request, headers.get("content-type", ""))
    else:
        # REST APIs keep the client's header case; the single-value maps keep the last value.
        headers = {}
        for name, value in request.headers:
            headers[name] = value
            multi.setdefault(name, []).append(value)
        query = {name: values[-1] for name, values in multi_query.items()}
        text, encoded = _rest_body(request, binary_media_types)
    when, epoch = request_time(request.time)
    user_agent = request.header("user-agent")
    result: dict[str, Any] = {
        "resource": resource,
        "path": path,
        "httpMethod": request.method,
        "headers": headers or None,
        "multiValueHeaders": multi or None,
        "queryStringParameters": query or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": path_parameters or None,
        "stageVariables": None,
        "requestContext": {
            "accountId": account_id,
            "apiId": api_id,
            "domainName": request.header("host") or f"{api_id}.execute-api.localhost",
            "domainPrefix": (request.header("host") or api_id).split(".", 1)[0],
            "extendedRequestId": request.request_id,
            "httpMethod": request.method,
            "identity": {"accessKey": None, "accountId": None, "caller": None, "cognitoAuthenticationProvider": None,
                         "cognitoAuthenticationType": None, "cognitoIdentityId": None,
                         "cognitoIdentityPoolId": None, "principalOrgId": None, "sourceIp": request.source_ip,
                         "user": None, "userAgent": user_agent, "userArn": None},
            "path": f"/{stage}{path}" if api_kind == "rest" else path,
            "protocol": "HTTP/1.1",
            "requestId": request.request_id,
            "requestTime": when,
            "requestTimeEpoch": epoch,
            "resourceId": resource.strip("/")[:6].lower() or "root",
            "resourcePath": resource,
            "stage": stage,
        },
        "body": text,
        "isBase64Encoded": encoded,
    }
    if api_kind == "http":
        result["version"] = "1.0"
    return result


def response(result: Result, *, api_kind: str, accept: str | None = None,
             binary_media_types: tuple[str, ...] = ()) -> HttpResponse:
    """Format 1.0 infers nothing: the result must be the proxy response object, with a string body and
    no other keys. When both header maps name a header, multiValueHeaders wins."""
    failure = REST_FUNCTION_ERROR if api_kind == "rest" else apigw_v2.FUNCTION_ERROR
    payload = result.payload
    if result.failed or len(orjson.dumps(payload)) > LAMBDA_SYNC_PAYLOAD_BYTES:
        return failure
    try:
        if not isinstance(payload, dict) or "statusCode" not in payload:
            raise MalformedResponse("the response is not an object with a statusCode")
        unknown = sorted(set(payload) - RESPONSE_KEYS)
        if unknown:
            raise MalformedResponse(f"unknown keys {unknown}")
        status = status_code(payload)
        # A REST API returns a base64 body as binary only when the client accepts a binary media type.
        decode = api_kind == "http" or binary_match((accept or "").split(",", 1)[0], binary_media_types)
        body = decoded_body(payload, decode_base64=decode)
        multi = payload.get("multiValueHeaders") or {}
        overridden = {name.lower() for name in multi}
        headers = [(str(k), header_value(k, v)) for k, v in (payload.get("headers") or {}).items()
                   if k.lower() not in overridden]
        for name, values in multi.items():
            if not isinstance(values, list):
                raise MalformedResponse(f"multiValueHeaders[{name!r}] is not a list")
            headers += [(str(name), header_value(name, v)) for v in values]
    except MalformedResponse as error:
        log.error("malformed Lambda proxy response (payload format 1.0): %s", error)
        return failure
    return HttpResponse(status, tuple(headers), body)
