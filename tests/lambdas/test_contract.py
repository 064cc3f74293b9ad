"""The artifacts these tests build follow contracts/manifest.schema.json, and the reader accepts them."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from slipway_serving.manifest import parse_manifest

from .artifacts import BuiltModel

SCHEMA = Path(__file__).resolve().parents[2] / "contracts" / "manifest.schema.json"


@pytest.mark.parametrize("fixture", ["binary_model", "multiclass_model", "classification", "regression", "clustering",
                                     "dimensionality_reduction", "anomaly_detection"])
def test_test_artifacts_follow_the_manifest_schema(fixture: str, request: pytest.FixtureRequest) -> None:
    import jsonschema

    if fixture.endswith("_model"):
        model: BuiltModel = request.getfixturevalue(fixture)
    else:
        model = request.getfixturevalue("task_models")[fixture]
    document = json.loads((model.directory / "manifest.json").read_text())

    jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text())).validate(document)
    classes = parse_manifest((model.directory / "manifest.json").read_bytes()).classes
    assert classes == (tuple(model.classes) if model.classes else None)


def test_the_recorded_events_build_valid_factories() -> None:
    from tests.events import http_v2_event, kinesis_event, s3_notification, sqs_event

    event = http_v2_event("GET", "/health")
    assert (event["rawPath"], event["requestContext"]["http"]["method"], "body" in event) == ("/health", "GET", False)
    records = kinesis_event([b"x", {"a": 1}], shard_id="shardId-000000000003", start_seq=41)["Records"]
    assert [r["eventID"] for r in records] == ["shardId-000000000003:41", "shardId-000000000003:42"]
    assert {r["eventSource"] for r in records} == {"aws:kinesis"}
    messages = sqs_event([s3_notification("data", "batch/a b.csv", size=7), "x"])["Records"]
    assert [(m["messageId"], m["eventSource"]) for m in messages] == [("msg-0", "aws:sqs"), ("msg-1", "aws:sqs")]
    notification = json.loads(messages[0]["body"])["Records"][0]
    assert (notification["s3"]["object"]["key"], notification["s3"]["object"]["size"]) == ("batch/a+b.csv", 7)
    assert "versionId" not in notification["s3"]["object"]
