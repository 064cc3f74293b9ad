from __future__ import annotations

import base64
import urllib.request

import orjson
import pytest

from slipway.local.functions import Invocation
from slipway.local.gateway import (LAMBDA_SYNC_PAYLOAD_BYTES, LocalApiGateway, http_v2_event,
                                   http_v2_response)
from slipway.local.routes import Route
from tests.events import load_event

ROUTE = Route(route_key="POST /predict", function_logical_id="Fn", payload_version="2.0", authorization="NONE",
              api_logical_id="Api")


def _event(**overrides):
    arguments = dict(method="POST", raw_path="/predict", raw_query="", headers=[("Content-Type", "application/json")],
                     body=b"{}", path_parameters={}, source_ip="127.0.0.1", api_id="local",
                     account_id="123456789012")
    return http_v2_event(ROUTE, **{**arguments, **overrides})


def test_the_event_has_the_shape_of_a_recorded_http_api_event():
    recorded = load_event("apigw_http_v2")

    event = _event()

    assert set(recorded) <= set(event)
    assert set(recorded["requestContext"]) <= set(event["requestContext"])
    assert set(recorded["requestContext"]["http"]) == set(event["requestContext"]["http"])
    assert (event["routeKey"], event["body"], event["isBase64Encoded"]) == ("POST /predict", "{}", False)


def test_headers_are_lower_cased_and_repeated_values_joined_with_commas_and_cookies_split_out():
    event = _event(headers=[("X-Tag", "a"), ("x-tag", "b"), ("Cookie", "s=1; t=2")], raw_query="k=1&k=2&m=")

    assert event["headers"]["x-tag"] == "a,b"
    assert event["cookies"] == ["s=1", "t=2"]
    assert event["queryStringParameters"] == {"k": "1,2", "m": ""}
    assert event["rawQueryString"] == "k=1&k=2&m="


def test_a_binary_body_is_base64_encoded():
    event = _event(headers=[("content-type", "application/octet-stream")], body=b"\x00\xff")

    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == b"\x00\xff"


def test_a_proxy_response_maps_status_headers_cookies_and_base64_body():
    status, headers, body = http_v2_response(Invocation(payload={
        "statusCode": 201, "headers": {"x-a": "1"}, "cookies": ["c=1"],
        "body": base64.b64encode(b"raw").decode(), "isBase64Encoded": True}))

    assert (status, body) == (201, b"raw")
    assert ("x-a", "1") in headers and ("set-cookie", "c=1") in headers


def test_a_payload_without_status_code_is_inferred_as_a_json_200():
    assert http_v2_response(Invocation(payload={"ok": True})) == (
        200, [("content-type", "application/json")], b'{"ok":true}')


@pytest.mark.parametrize("invocation", [
    Invocation(error_type="RuntimeError", error_message="boom"),
    Invocation(payload={"statusCode": "not a number"}),
    Invocation(payload={"statusCode": 200, "body": "x" * (LAMBDA_SYNC_PAYLOAD_BYTES + 1)}),
])
def test_a_function_error_a_malformed_or_an_oversized_response_is_a_502(invocation):
    status, _, body = http_v2_response(invocation)

    assert (status, orjson.loads(body)) == (502, {"message": "Internal Server Error"})


def test_over_real_http_a_request_reaches_the_function_as_an_event_and_its_response_comes_back():
    seen = []

    def invoke(function_id, event, timeout_s):
        seen.append((function_id, event))
        return Invocation(payload={"statusCode": 200, "headers": {"content-type": "application/json"},
                                   "body": event["body"]})

    gateway = LocalApiGateway([ROUTE], invoke).start()
    try:
        request = urllib.request.Request(f"{gateway.url}/predict?x=1", data=b'{"a": 1}',
                                         headers={"content-type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert (response.status, response.read()) == (200, b'{"a": 1}')
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(f"{gateway.url}/other", timeout=10)
    finally:
        gateway.stop()

    assert missing.value.code == 404
    assert seen[0][0] == "Fn"
    assert seen[0][1]["queryStringParameters"] == {"x": "1"}
    assert seen[0][1]["requestContext"]["http"]["sourceIp"] == "127.0.0.1"


def test_a_request_over_lambdas_6_mb_payload_limit_is_refused_with_413_before_the_function():
    gateway = LocalApiGateway([ROUTE], lambda *_: pytest.fail("the function must not be invoked"))

    status, _, body = gateway.handle("POST", "/predict", [], b"x" * (LAMBDA_SYNC_PAYLOAD_BYTES + 1), "127.0.0.1")

    assert (status, orjson.loads(body)) == (413, {"message": "Request Entity Too Large"})


REST_ROUTE = Route(route_key="GET /models/{name}", function_logical_id="Fn", payload_version="1.0",
                   authorization="AWS_IAM", api_logical_id="RestApi", api_kind="rest", timeout_ms=29_000)


def test_a_rest_route_gets_a_payload_1_0_event_with_single_and_multi_value_maps():
    seen = []
    gateway = LocalApiGateway([REST_ROUTE], lambda fid, event, timeout: (seen.append(event), Invocation(
        payload={"statusCode": 200, "multiValueHeaders": {"x-v": ["1", "2"]}, "body": "ok"}))[1])

    status, headers, body = gateway.handle("GET", "/models/iris?tag=a&tag=b", [("X-H", "1"), ("X-H", "2")], b"",
                                           "127.0.0.1")

    event = seen[0]
    assert (status, body, [v for k, v in headers if k == "x-v"]) == (200, b"ok", ["1", "2"])
    assert (event["resource"], event["path"], event["httpMethod"]) == ("/models/{name}", "/models/iris", "GET")
    assert event["pathParameters"] == {"name": "iris"}
    assert event["queryStringParameters"] == {"tag": "b"}
    assert event["multiValueQueryStringParameters"] == {"tag": ["a", "b"]}
    assert (event["headers"]["X-H"], event["multiValueHeaders"]["X-H"]) == ("2", ["1", "2"])
    assert "version" not in event and event["requestContext"]["resourcePath"] == "/models/{name}"


def test_payload_1_0_infers_nothing_a_response_without_status_code_is_a_502():
    gateway = LocalApiGateway([REST_ROUTE], lambda *_: Invocation(payload={"ok": True}))

    status, _, body = gateway.handle("GET", "/models/iris", [], b"", "127.0.0.1")

    assert (status, orjson.loads(body)) == (502, {"message": "Internal server error"})


@pytest.mark.parametrize(("route", "status", "message"), [
    (ROUTE, 503, "Service Unavailable"),
    (REST_ROUTE, 504, "Endpoint request timed out"),
])
def test_past_the_integration_timeout_the_gateway_answers_without_waiting_for_the_function(route, status, message):
    def invoke(function_id, event, timeout_s):
        raise TimeoutError

    gateway = LocalApiGateway([route], invoke)
    method, path = route.route_key.split(" ")

    answer, _, body = gateway.handle(method, path.replace("{name}", "x"), [], b"{}", "127.0.0.1")

    assert (answer, orjson.loads(body)) == (status, {"message": message})
