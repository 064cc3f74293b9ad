"""Payload format 1.0 on REST APIs and on HTTP APIs set to 1.0.

Sources: "Set up Lambda proxy integrations in API Gateway" (input and output formats)
https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html
"Create AWS Lambda proxy integrations for HTTP APIs in API Gateway" (format 1.0 on an HTTP API)
https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
"Return binary media from a Lambda proxy integration in API Gateway"
https://docs.aws.amazon.com/apigateway/latest/developerguide/lambda-proxy-binary-media.html
"""
from __future__ import annotations

import base64

import orjson
import pytest

from slipway.local.functions import Invocation
from slipway.local.sources import apigw_v1
from slipway.local.sources.http import HttpRequest
from tests.events import load_event


def _event(kind="rest", binary=(), **overrides):
    request = HttpRequest(**{"method": "GET", "path": "/models/iris", "request_id": "r-1", **overrides})
    return apigw_v1.event(request, resource="/models/{name}", path="/models/iris", path_parameters={"name": "iris"},
                          api_id="api", account_id="123456789012", api_kind=kind,
                          stage="prod" if kind == "rest" else "$default", binary_media_types=binary)


def _answer(payload=None, kind="rest", accept=None, binary=(), **error):
    response = apigw_v1.response(Invocation(payload=payload, **error), api_kind=kind, accept=accept,
                                 binary_media_types=binary)
    return response.status, list(response.headers), response.body


def test_a_rest_event_has_the_recorded_shape_and_keeps_the_stage_in_request_context_path():
    """The recorded REST event: path "/predict", requestContext.path "/Prod/predict"."""
    recorded = load_event("apigw_rest_v1")

    event = _event()

    assert set(recorded) <= set(event)
    assert set(recorded["requestContext"]) <= set(event["requestContext"])
    assert set(recorded["requestContext"]["identity"]) <= set(event["requestContext"]["identity"])
    assert (event["path"], event["requestContext"]["path"], event["requestContext"]["stage"]) == (
        "/models/iris", "/prod/models/iris", "prod")
    assert "version" not in event


def test_rest_keeps_header_case_and_the_last_value_in_the_single_value_maps():
    event = _event(headers=(("X-H", "1"), ("X-H", "2")), query="tag=a&tag=b")

    assert (event["headers"]["X-H"], event["multiValueHeaders"]["X-H"]) == ("2", ["1", "2"])
    assert (event["queryStringParameters"], event["multiValueQueryStringParameters"]) == (
        {"tag": "b"}, {"tag": ["a", "b"]})


def test_an_http_api_in_format_1_0_lower_cases_headers_and_joins_repeated_values_with_commas():
    """The HTTP API page's 1.0 example: "headers": {"header2": "value1,value2"}, multiValueHeaders
    lists; HTTP APIs deliver header names in lower case; the event carries "version": "1.0"."""
    event = _event(kind="http", headers=(("X-H", "1"), ("X-H", "2"), ("Content-Type", "text/plain")),
                   query="t=1&t=2")

    assert event["headers"]["x-h"] == "1,2" and "X-H" not in event["headers"]
    assert event["multiValueHeaders"]["x-h"] == ["1", "2"]
    assert event["queryStringParameters"] == {"t": "1,2"}
    assert (event["version"], event["requestContext"]["path"]) == ("1.0", "/models/iris")


def test_rest_base64_encodes_a_request_body_only_for_the_apis_binary_media_types():
    png = b"\x89PNG\x00\xff"
    as_binary = _event(binary=("image/png",), headers=(("Content-Type", "image/png"),), body=png)
    as_text = _event(binary=("image/png",), headers=(("Content-Type", "application/json"),), body=b'{"a":1}')

    assert (as_binary["isBase64Encoded"], base64.b64decode(as_binary["body"])) == (True, png)
    assert (as_text["isBase64Encoded"], as_text["body"]) == (False, '{"a":1}')


def test_rest_decodes_a_base64_response_only_when_the_client_accepts_a_binary_media_type():
    payload = {"statusCode": 200, "headers": {"Content-Type": "image/png"},
               "body": base64.b64encode(b"\x89PNG").decode(), "isBase64Encoded": True}

    accepted = _answer(payload, accept="image/png", binary=("image/*",))
    not_configured = _answer(payload, accept="image/png", binary=())

    assert accepted[2] == b"\x89PNG"
    assert not_configured[2] == payload["body"].encode()


def test_when_both_header_maps_name_a_header_multi_value_headers_win():
    """"If the same key-value pair is specified in both, only the values from multiValueHeaders will
    appear in the merged list.\""""
    status, headers, body = _answer({"statusCode": 200, "headers": {"X-V": "single", "X-Other": "o"},
                                     "multiValueHeaders": {"X-V": ["1", "2"]}, "body": "ok"})

    assert (status, body) == (200, b"ok")
    assert sorted(headers) == [("X-Other", "o"), ("X-V", "1"), ("X-V", "2")]


@pytest.mark.parametrize("payload", [
    {"ok": True},  # 1.0 infers nothing: no statusCode
    "a string",
    {"statusCode": 200, "body": {"json": "object"}},  # body must be a string
    {"statusCode": 200, "body": "ok", "cookies": ["c=1"]},  # a key outside the 1.0 response format
    {"statusCode": "abc", "body": "ok"},
])
def test_a_malformed_proxy_response_is_api_gateways_error_never_a_200(payload):
    """REST: 502 {"message": "Internal server error"} ("Malformed Lambda proxy response" in the
    execution log); an HTTP API in format 1.0: its 500 (AWS knowledge center, "How do I map the
    status codes returned by HTTP APIs")."""
    rest_status, _, rest_body = _answer(payload, kind="rest")
    http_status, _, http_body = _answer(payload, kind="http")

    assert (rest_status, orjson.loads(rest_body)) == (502, {"message": "Internal server error"})
    assert (http_status, orjson.loads(http_body)) == (500, {"message": "Internal Server Error"})


def test_a_function_error_is_502_on_a_rest_api_and_500_on_an_http_api():
    """"Handle Lambda errors in API Gateway": a proxy integration passes an unhandled function error
    on as 502 (REST); an HTTP API answers 500."""
    assert _answer(kind="rest", error_type="Boom", error_message="x")[0] == 502
    assert _answer(kind="http", error_type="Boom", error_message="x")[0] == 500
