"""The local API Gateway over real HTTP on loopback."""
from __future__ import annotations

import http.client
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import orjson
import pytest

from slipway.local.functions import Invocation
from slipway.local.gateway import LocalApiGateway
from slipway.local.routes import Route
from slipway.local.sources.http import LAMBDA_SYNC_PAYLOAD_BYTES, HttpRequest

ROUTE = Route(route_key="POST /predict", function_logical_id="Fn", payload_version="2.0", authorization="NONE",
              api_logical_id="Api")
REST_ROUTE = Route(route_key="GET /models/{name}", function_logical_id="Fn", payload_version="1.0",
                   authorization="AWS_IAM", api_logical_id="RestApi", api_kind="rest", timeout_ms=29_000,
                   stage="prod")


def _echo(seen):
    def invoke(function_id, event, timeout_s):
        seen.append((function_id, event))
        return Invocation(payload={"statusCode": 200, "headers": {"content-type": "application/json"},
                                   "body": event["body"]})
    return invoke


def test_over_real_http_a_request_reaches_the_function_as_an_event_and_its_response_comes_back():
    seen = []
    gateway = LocalApiGateway([ROUTE], _echo(seen)).start()
    try:
        request = urllib.request.Request(f"{gateway.url}/predict?x=1", data=b'{"a": 1}',
                                         headers={"content-type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            answer = (response.status, response.read(), response.headers["apigw-requestid"])
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(f"{gateway.url}/other", timeout=10)
    finally:
        gateway.stop()

    assert answer[:2] == (200, b'{"a": 1}')
    assert (missing.value.code, orjson.loads(missing.value.read())) == (404, {"message": "Not Found"})
    event = seen[0][1]
    assert seen[0][0] == "Fn"
    assert event["queryStringParameters"] == {"x": "1"}
    assert event["requestContext"]["http"]["sourceIp"] == "127.0.0.1"


def test_the_apigw_requestid_header_is_the_request_id_the_function_saw():
    """HTTP APIs return the request's id in `apigw-requestid`; it is requestContext.requestId
    ("Working with AWS Lambda proxy integrations for HTTP APIs", and the access log's $context.requestId)."""
    seen = []
    gateway = LocalApiGateway([ROUTE], _echo(seen)).start()
    try:
        ids = []
        for _ in range(2):
            request = urllib.request.Request(f"{gateway.url}/predict", data=b"{}")
            with urllib.request.urlopen(request, timeout=10) as response:
                ids.append(response.headers["apigw-requestid"])
    finally:
        gateway.stop()

    assert ids == [event["requestContext"]["requestId"] for _, event in seen]
    assert len(set(ids)) == 2


def test_a_rest_api_is_served_under_its_stage_and_answers_unknown_paths_with_403():
    """A REST API's invoke URL ends with its stage; an unknown resource or method answers
    403 {"message": "Missing Authentication Token"}; the response carries x-amzn-RequestId."""
    seen = []
    gateway = LocalApiGateway([REST_ROUTE], lambda fid, event, timeout: (seen.append(event), Invocation(
        payload={"statusCode": 200, "body": "ok"}))[1]).start()
    try:
        assert gateway.url.endswith("/prod")
        with urllib.request.urlopen(f"{gateway.url}/models/iris", timeout=10) as response:
            answer = (response.status, response.read(), response.headers["x-amzn-RequestId"])
        unknown = []
        for path in ("/models/iris/extra", "/../models/iris"):
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(gateway.url + path, timeout=10)
            unknown.append((refused.value.code, orjson.loads(refused.value.read())))
    finally:
        gateway.stop()

    assert answer[:2] == (200, b"ok")
    assert answer[2] == seen[0]["requestContext"]["requestId"]
    assert (seen[0]["path"], seen[0]["requestContext"]["path"]) == ("/models/iris", "/prod/models/iris")
    assert unknown == [(403, {"message": "Missing Authentication Token"})] * 2


def test_a_request_over_lambdas_6_mb_payload_limit_is_refused_with_413_before_the_function():
    gateway = LocalApiGateway([ROUTE], lambda *_: pytest.fail("the function must not be invoked"))

    response = gateway.handle(HttpRequest("POST", "/predict", body=b"x" * (LAMBDA_SYNC_PAYLOAD_BYTES + 1)))

    assert (response.status, orjson.loads(response.body)) == (413, {"message": "Request Entity Too Large"})


@pytest.mark.parametrize(("route", "path", "status", "message"), [
    (ROUTE, "/predict", 503, "Service Unavailable"),
    (REST_ROUTE, "/prod/models/x", 504, "Endpoint request timed out"),
])
def test_past_the_integration_timeout_the_gateway_answers_without_waiting_for_the_function(route, path, status,
                                                                                           message):
    def invoke(function_id, event, timeout_s):
        raise TimeoutError

    gateway = LocalApiGateway([route], invoke)

    response = gateway.handle(HttpRequest(route.method, path, body=b"{}"))

    assert (response.status, orjson.loads(response.body)) == (status, {"message": message})


def test_bounded_concurrent_clients_are_all_answered_none_refused_or_reset():
    """32 clients x 25 requests, each on a fresh connection, as a burst: with socketserver's default
    listen backlog of 5 the accept queue overflows and connections are reset or refused
    (issue 10 §2); every request must get its 200."""
    lock = threading.Lock()
    served = [0]

    def invoke(function_id, event, timeout_s):
        with lock:
            served[0] += 1
        return Invocation(payload={"statusCode": 200, "body": "ok"})

    gateway = LocalApiGateway([ROUTE], invoke).start()
    host, port = gateway._server.server_address[:2]
    start = threading.Barrier(32)

    def client(_: int) -> list[int | str]:
        start.wait()
        answers: list[int | str] = []
        for _ in range(25):
            connection = http.client.HTTPConnection(host, port, timeout=30)
            try:
                connection.request("POST", "/predict", body=b"{}")
                response = connection.getresponse()
                response.read()
                answers.append(response.status)
            except OSError as error:  # ConnectionResetError, ConnectionRefusedError, timeouts
                answers.append(type(error).__name__)
            finally:
                connection.close()
        return answers

    try:
        with ThreadPoolExecutor(max_workers=32) as pool:
            results = [a for answers in pool.map(client, range(32)) for a in answers]
    finally:
        gateway.stop()

    failures = [a for a in results if a != 200]
    assert failures == [] and len(results) == 800
    assert served[0] == 800
