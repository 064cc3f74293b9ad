"""Payload format 2.0, each rule from "Create AWS Lambda proxy integrations for HTTP APIs in API Gateway"
https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
(sections "Payload format version" and "Lambda function response format")."""
from __future__ import annotations

import base64

import orjson
import pytest

from slipway.local.functions import Invocation
from slipway.local.sources import apigw_v2
from slipway.local.sources.http import LAMBDA_SYNC_PAYLOAD_BYTES, HttpRequest
from tests.events import load_event

INTERNAL_ERROR = (500, {"message": "Internal Server Error"})


def _event(**overrides):
    request = HttpRequest(**{"method": "POST", "path": "/predict", "headers": (("Content-Type", "application/json"),),
                             "body": b"{}", "request_id": "JKJaXmPLvHcESHA=", **overrides})
    return apigw_v2.event(request, route_key="POST /predict", path_parameters={}, api_id="local",
                          account_id="123456789012")


def _answer(payload=None, **error):
    response = apigw_v2.response(Invocation(payload=payload, **error))
    return response.status, dict(response.headers), response.body


def test_the_event_has_the_shape_of_a_recorded_http_api_event():
    recorded = load_event("apigw_http_v2")

    event = _event()

    assert set(recorded) <= set(event)
    assert set(recorded["requestContext"]) <= set(event["requestContext"])
    assert set(recorded["requestContext"]["http"]) == set(event["requestContext"]["http"])
    assert (event["routeKey"], event["body"], event["isBase64Encoded"]) == ("POST /predict", "{}", False)
    assert event["requestContext"]["requestId"] == "JKJaXmPLvHcESHA="


def test_headers_are_lower_cased_and_repeated_values_joined_with_commas_and_cookies_split_out():
    event = _event(headers=(("X-Tag", "a"), ("x-tag", "b"), ("Cookie", "s=1; t=2")), query="k=1&k=2&m=")

    assert event["headers"]["x-tag"] == "a,b"
    assert event["cookies"] == ["s=1", "t=2"]
    assert event["queryStringParameters"] == {"k": "1,2", "m": ""}
    assert event["rawQueryString"] == "k=1&k=2&m="


def test_a_binary_body_is_base64_encoded():
    event = _event(headers=(("content-type", "application/octet-stream"),), body=b"\x00\xff")

    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == b"\x00\xff"


def test_a_proxy_response_maps_status_headers_cookies_and_base64_body():
    status, headers, body = _answer({"statusCode": 201, "headers": {"x-a": "1"}, "cookies": ["c=1"],
                                     "body": base64.b64encode(b"raw").decode(), "isBase64Encoded": True})

    assert (status, body, headers["x-a"], headers["set-cookie"]) == (201, b"raw", "1", "c=1")


def test_valid_json_without_status_code_is_the_body_of_a_json_200():
    """'If your Lambda function returns valid JSON and doesn't return a statusCode, API Gateway assumes
    ... statusCode is 200, content-type is application/json, body is the function's response.'"""
    assert _answer({"ok": True}) == (200, {"content-type": "application/json"}, b'{"ok":true}')


def test_a_string_response_is_the_body_as_it_is_not_json_quoted():
    """The docs' example: a function returning "Hello from Lambda!" answers with that text."""
    assert _answer("Hello from Lambda!") == (200, {"content-type": "application/json"}, b"Hello from Lambda!")


def test_multi_value_headers_are_not_part_of_a_2_0_response_and_are_ignored():
    """Format 2.0 "doesn't have multiValueHeaders" fields; its response has headers and cookies only."""
    status, headers, body = _answer({"statusCode": 200, "headers": {"x-a": "1"},
                                     "multiValueHeaders": {"x-b": ["1", "2"]}, "body": "ok"})

    assert (status, body, headers) == (200, b"ok", {"x-a": "1"})


@pytest.mark.parametrize("payload", [
    {"statusCode": 200, "body": {"not": "a string"}},
    {"statusCode": 200, "body": ["a", "list"]},
    {"statusCode": "not a number"},
    {"statusCode": 200, "headers": {"x-a": {"nested": 1}}},
    {"statusCode": 200, "body": "x" * (LAMBDA_SYNC_PAYLOAD_BYTES + 1)},
])
def test_a_malformed_or_oversized_response_is_the_http_apis_500_never_a_200_with_a_repr(payload):
    status, _, body = _answer(payload)

    assert (status, orjson.loads(body)) == INTERNAL_ERROR


def test_a_function_error_is_the_http_apis_500():
    """An HTTP API answers an integration failure with 500 {"message":"Internal Server Error"}
    ("Handle Lambda errors in API Gateway"; REST answers 502, see test_apigw_v1)."""
    status, _, body = _answer(error_type="RuntimeError", error_message="boom")

    assert (status, orjson.loads(body)) == INTERNAL_ERROR
