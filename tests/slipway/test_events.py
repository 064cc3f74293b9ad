from __future__ import annotations

import base64
import json
from urllib.parse import unquote_plus

import pytest

from slipway import events


def test_each_factory_keeps_the_recorded_shape_and_changes_only_what_it_is_asked():
    recorded = events.load_event("apigw_http_v2")

    event = events.http_api_event("GET", "/model", query="a=1&a=2")

    assert set(event) >= set(recorded) - {"body"}
    assert (event["routeKey"], event["rawPath"], event["requestContext"]["http"]["method"]) == (
        "GET /model", "/model", "GET")
    assert event["queryStringParameters"] == {"a": "1,2"}
    assert "body" not in event and event["isBase64Encoded"] is False


def test_an_http_api_body_is_json_encoded_and_binary_bodies_are_base64():
    assert json.loads(events.http_api_event("POST", "/predict", body={"instances": []})["body"]) == {"instances": []}
    binary = events.http_api_event("POST", "/predict", body=b"\xff\x00")
    assert (binary["isBase64Encoded"], base64.b64decode(binary["body"])) == (True, b"\xff\x00")


def test_a_rest_event_has_single_and_multi_value_query_strings():
    event = events.rest_api_event("GET", "/models/iris", query="t=1&t=2", resource="/models/{name}",
                                  path_parameters={"name": "iris"})

    assert (event["resource"], event["path"], event["pathParameters"]) == ("/models/{name}", "/models/iris",
                                                                             {"name": "iris"})
    assert (event["queryStringParameters"], event["multiValueQueryStringParameters"]) == ({"t": "2"},
                                                                                          {"t": ["1", "2"]})


def test_kinesis_records_get_consecutive_sequence_numbers_and_base64_data():
    event = events.kinesis_event([{"id": "a"}, b"raw"], start_seq=10, shard_id="shardId-000000000003")

    assert [r["kinesis"]["sequenceNumber"] for r in event["Records"]] == ["10", "11"]
    assert [base64.b64decode(r["kinesis"]["data"]) for r in event["Records"]] == [b'{"id":"a"}', b"raw"]
    assert event["Records"][1]["eventID"] == "shardId-000000000003:11"


def test_an_s3_notification_url_encodes_the_key_as_s3_does():
    body = events.s3_notification("data", "batch/my rows.csv", size=10)

    key = body["Records"][0]["s3"]["object"]["key"]
    assert (key, unquote_plus(key)) == ("batch/my+rows.csv", "batch/my rows.csv")


def test_an_unknown_recorded_event_is_named_in_the_error():
    with pytest.raises(ValueError, match="no recorded event 'apigw_v3'; recorded: apigw_http_v2"):
        events.load_event("apigw_v3")


def test_factories_build_their_events_with_the_local_runtimes_own_builders():
    """One event shape per source: the factory's event and the local gateway's have the same fields."""
    from slipway.local.sources import apigw_v2
    from slipway.local.sources.http import HttpRequest

    factory = events.http_api_event("POST", "/predict", body={"a": 1}, headers={"Cookie": "s=1"})
    gateway = apigw_v2.event(HttpRequest("POST", "/predict", headers=(("cookie", "s=1"),), body=b'{"a":1}'),
                             route_key="POST /predict", path_parameters={}, api_id="a", account_id="1")

    assert set(factory) == set(gateway)
    assert set(factory["requestContext"]) == set(gateway["requestContext"])
    assert factory["cookies"] == gateway["cookies"] == ["s=1"]


def test_a_rest_event_base64_encodes_only_the_apis_binary_media_types():
    png = events.rest_api_event("POST", "/img", body=b"\x89PNG\xff", headers={"Content-Type": "image/png"},
                                binary_media_types=("image/png",))
    text = events.rest_api_event("POST", "/img", body={"a": 1}, binary_media_types=("image/png",))

    assert (png["isBase64Encoded"], base64.b64decode(png["body"])) == (True, b"\x89PNG\xff")
    assert (text["isBase64Encoded"], json.loads(text["body"])) == (False, {"a": 1})
