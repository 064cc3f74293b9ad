"""The artifacts these tests build follow contracts/manifest.schema.json, and the reader accepts them."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from slipway_serving.manifest import parse_manifest

from .artifacts import BuiltModel

SCHEMA = Path(__file__).resolve().parents[2] / "contracts" / "manifest.schema.json"


@pytest.mark.parametrize("fixture", ["binary_model", "multiclass_model"])
def test_test_artifacts_follow_the_manifest_schema(fixture: str, request: pytest.FixtureRequest) -> None:
    import jsonschema

    model: BuiltModel = request.getfixturevalue(fixture)
    document = json.loads((model.directory / "manifest.json").read_text())

    jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text())).validate(document)
    assert parse_manifest((model.directory / "manifest.json").read_bytes()).classes == tuple(model.classes)


def test_the_recorded_events_build_valid_factories() -> None:
    from tests.events import http_v2_event, kinesis_event

    event = http_v2_event("GET", "/health")
    assert (event["rawPath"], event["requestContext"]["http"]["method"], "body" in event) == ("/health", "GET", False)
    records = kinesis_event([b"x", {"a": 1}], shard_id="shardId-000000000003", start_seq=41)["Records"]
    assert [r["eventID"] for r in records] == ["shardId-000000000003:41", "shardId-000000000003:42"]
    assert {r["eventSource"] for r in records} == {"aws:kinesis"}
