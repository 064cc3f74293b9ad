"""The stream scorer end to end: Kinesis event -> handler -> results and rejects in (moto) S3."""
from __future__ import annotations

import base64
from typing import Any

import orjson
import pytest
from botocore.exceptions import EndpointConnectionError

from slipway_serving.handlers import kinesis
from tests.events import lambda_context, kinesis_event

from .artifacts import RESULTS_BUCKET, BuiltModel
from .conftest import Publish

SEQ = 49590338271490256608559692538361571095921575989136588898


@pytest.fixture
def served(serving_env: dict[str, str], publish: Publish, binary_model: BuiltModel) -> dict[str, Any]:
    return publish(binary_model)


def _objects(s3: Any) -> dict[str, list[dict[str, Any]]]:
    listing = s3.list_objects_v2(Bucket=RESULTS_BUCKET).get("Contents", [])
    return {o["Key"]: [orjson.loads(line) for line in
                       s3.get_object(Bucket=RESULTS_BUCKET, Key=o["Key"])["Body"].read().splitlines()]
            for o in listing}


def test_a_non_json_record_is_rejected_with_its_payload_and_the_rest_are_scored(
        served: dict[str, Any], s3: Any, binary_model: BuiltModel) -> None:
    rows = binary_model.rows(3)
    event = kinesis_event([{"id": "a", "features": rows[0]}, b"\xff\xfe garbage", {"id": "c", "features": rows[2]}])

    response = kinesis.handler(event, lambda_context())

    assert response == {"batchItemFailures": []}
    span = f"shardId-000000000000/{SEQ}.jsonl"
    objects = _objects(s3)
    assert sorted(objects) == [f"rejects/{span}", f"results/{span}"]
    assert [(r["id"], r["label"], r["model_version"]) for r in objects[f"results/{span}"]] == [
        ("a", int(binary_model.expected[0].argmax()), served["version"]),
        ("c", int(binary_model.expected[2].argmax()), served["version"])]
    [reject] = objects[f"rejects/{span}"]
    assert (reject["sequence_number"], reject["code"]) == (str(SEQ + 1), "InvalidJSON")
    assert base64.b64decode(reject["data_base64"]) == b"\xff\xfe garbage"


def test_a_failed_s3_write_reports_every_record_for_retry(
        served: dict[str, Any], binary_model: BuiltModel, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = binary_model.rows(3)
    event = kinesis_event([{"features": rows[0]}, b"poison", {"features": rows[2]}])
    client = kinesis.runtime().s3.client()

    def unreachable(**kwargs: Any) -> Any:
        raise EndpointConnectionError(endpoint_url="https://s3.amazonaws.com")

    monkeypatch.setattr(client, "put_object", unreachable)
    response = kinesis.handler(event, lambda_context())

    assert response == {"batchItemFailures": [{"itemIdentifier": str(SEQ + i)} for i in range(3)]}


def test_a_failure_after_the_results_are_written_still_retries_all(
        served: dict[str, Any], s3: Any, binary_model: BuiltModel, monkeypatch: pytest.MonkeyPatch) -> None:
    event = kinesis_event([{"features": binary_model.rows(1)[0]}, b"poison"])
    client = kinesis.runtime().s3.client()
    put = client.put_object

    def results_only(**kwargs: Any) -> Any:
        if kwargs["Key"].startswith("rejects/"):
            raise EndpointConnectionError(endpoint_url="https://s3.amazonaws.com")
        return put(**kwargs)

    monkeypatch.setattr(client, "put_object", results_only)

    assert kinesis.handler(event, lambda_context()) == {"batchItemFailures": [{"itemIdentifier": str(SEQ)},
                                                                  {"itemIdentifier": str(SEQ + 1)}]}


def test_without_a_model_every_record_is_reported_for_retry(serving_env: dict[str, str], s3: Any) -> None:
    event = kinesis_event([{"features": [1.0]}, {"features": [2.0]}])

    response = kinesis.handler(event, lambda_context())

    assert response == {"batchItemFailures": [{"itemIdentifier": str(SEQ)}, {"itemIdentifier": str(SEQ + 1)}]}
    assert _objects(s3) == {}


def test_an_empty_batch_does_nothing(served: dict[str, Any], s3: Any) -> None:
    assert kinesis.handler({"Records": []}, lambda_context()) == {"batchItemFailures": []}
    assert _objects(s3) == {}


def test_the_scorer_requires_its_results_bucket(served: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    from slipway_serving.errors import ConfigError

    monkeypatch.delenv("SLIPWAY_RESULTS_BUCKET")

    with pytest.raises(ConfigError, match="SLIPWAY_RESULTS_BUCKET is required"):
        kinesis.handler(kinesis_event([b"{}"]), lambda_context())
