"""CSV predictions end to end: SQS-delivered S3 notifications -> handler -> (moto) S3 outputs."""
from __future__ import annotations

import csv
import io
import json
from typing import Any

import orjson
import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from slipway_serving.handlers import csv as csv_handler
from tests.events import S3_TEST_EVENT, lambda_context, load_event, s3_notification, sqs_event

from .artifacts import DATA_BUCKET, RESULTS_BUCKET, BuiltModel
from .conftest import Publish


@pytest.fixture
def served(serving_env: dict[str, str], publish: Publish, mixed_model: BuiltModel) -> dict[str, Any]:
    return publish(mixed_model, version="v4")


def _table(model: BuiltModel, n: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["id", *model.feature_names])
    for i, row in enumerate(model.rows(n)):
        writer.writerow([f"r{i}", *("" if row[f] is None else row[f] for f in model.feature_names)])
    return out.getvalue().encode()


def _drop(s3: Any, key: str, body: bytes) -> dict[str, Any]:
    """Upload to the data bucket and return the SQS event its notification becomes."""
    s3.put_object(Bucket=DATA_BUCKET, Key=key, Body=body)
    return sqs_event([s3_notification(DATA_BUCKET, key, size=len(body))])


def _outputs(s3: Any) -> dict[str, bytes]:
    listing = s3.list_objects_v2(Bucket=RESULTS_BUCKET).get("Contents", [])
    return {o["Key"]: s3.get_object(Bucket=RESULTS_BUCKET, Key=o["Key"])["Body"].read() for o in listing}


def _rows(body: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body.decode())))


def test_a_dropped_csv_yields_predictions_and_rejects(served: dict[str, Any], s3: Any, mixed_model: BuiltModel) -> None:
    body = _table(mixed_model, 5).replace(b"r2,", b"r2,huge-") + b"r5,1,2\n"

    response = csv_handler.handler(_drop(s3, "batch/2026/run 1.csv", body), lambda_context("slipway-batch"))

    assert response == {"batchItemFailures": []}
    outputs = _outputs(s3)
    assert sorted(outputs) == ["predictions/2026/run 1.csv", "predictions/2026/run 1.rejects.csv"]
    predictions = _rows(outputs["predictions/2026/run 1.csv"])
    assert [(p["row"], p["id"]) for p in predictions] == [("0", "r0"), ("1", "r1"), ("3", "r3"), ("4", "r4")]
    assert _rows(outputs["predictions/2026/run 1.rejects.csv"]) == [
        {"row": "2", "id": "r2", "field": "size", "reason": f"feature 'size' must be a number, got 'huge-{mixed_model.rows(3)[2]['size']}'"},
        {"row": "5", "id": "", "field": "", "reason": "the row has 3 values; the header has 4 columns"}]


def test_the_recorded_event_reads_the_named_version(served: dict[str, Any], s3: Any, mixed_model: BuiltModel) -> None:
    s3.put_bucket_versioning(Bucket=DATA_BUCKET, VersioningConfiguration={"Status": "Enabled"})
    key = "batch/2026/scoring run 1.csv"
    first = s3.put_object(Bucket=DATA_BUCKET, Key=key, Body=_table(mixed_model, 2))["VersionId"]
    s3.put_object(Bucket=DATA_BUCKET, Key=key, Body=_table(mixed_model, 7))
    event = load_event("sqs_s3_notification")
    document = json.loads(event["Records"][0]["body"])
    document["Records"][0]["s3"]["object"]["versionId"] = first
    event["Records"][0]["body"] = json.dumps(document)

    assert csv_handler.handler(event, lambda_context()) == {"batchItemFailures": []}

    assert len(_rows(_outputs(s3)["predictions/2026/scoring run 1.csv"])) == 2


def test_a_test_event_is_ignored_and_a_malformed_message_dropped(served: dict[str, Any], s3: Any) -> None:
    response = csv_handler.handler(sqs_event([S3_TEST_EVENT, "not json"]), lambda_context())

    assert response == {"batchItemFailures": []}
    assert _outputs(s3) == {}


@pytest.mark.parametrize(("body", "reason"), [
    (b"size,weight,colour,target\n1,2,red,0\n", "UnknownColumns"),
    (b"", "NoHeader"),
    (b"PAR1\x00\x00binary", "NotCSV"),
])
def test_a_permanent_problem_writes_an_error_document_and_is_not_retried(
        served: dict[str, Any], s3: Any, body: bytes, reason: str) -> None:
    response = csv_handler.handler(_drop(s3, "batch/bad.csv", body), lambda_context())

    assert response == {"batchItemFailures": []}
    outputs = _outputs(s3)
    assert sorted(outputs) == ["predictions/bad.error.json"]
    document = orjson.loads(outputs["predictions/bad.error.json"])
    assert (document["error"]["code"], document["error"]["reason"]) == ("InvalidBatchInput", reason)
    assert document["input"] == {"bucket": DATA_BUCKET, "key": "batch/bad.csv", "version_id": None}


def test_an_object_gone_before_it_is_read_is_permanent(served: dict[str, Any], s3: Any) -> None:
    event = sqs_event([s3_notification(DATA_BUCKET, "batch/gone.csv")])

    assert csv_handler.handler(event, lambda_context()) == {"batchItemFailures": []}

    document = orjson.loads(_outputs(s3)["predictions/gone.error.json"])
    assert document["error"]["reason"] == "ObjectGone"
    assert document["error"]["message"] == f"s3://{DATA_BUCKET}/batch/gone.csv no longer exists (NoSuchKey)"


def test_a_file_over_the_limit_is_refused_from_the_notification(served: dict[str, Any], s3: Any) -> None:
    event = sqs_event([s3_notification(DATA_BUCKET, "batch/big.csv", size=100_000_001)])

    assert csv_handler.handler(event, lambda_context()) == {"batchItemFailures": []}

    assert orjson.loads(_outputs(s3)["predictions/big.error.json"])["error"]["message"] == (
        "the file is 100000001 bytes; batch input is limited to 100000000 bytes")


def test_a_transient_failure_reports_only_that_message_for_redelivery(
        served: dict[str, Any], s3: Any, mixed_model: BuiltModel, monkeypatch: pytest.MonkeyPatch) -> None:
    good = _drop(s3, "batch/good.csv", _table(mixed_model, 3))["Records"][0]["body"]
    flaky = _drop(s3, "batch/flaky.csv", _table(mixed_model, 3))["Records"][0]["body"]
    client = csv_handler.runtime().s3.client()
    put = client.put_object

    def throttled(**kwargs: Any) -> Any:
        if "flaky" in kwargs["Key"]:
            raise ClientError({"Error": {"Code": "SlowDown", "Message": "Please reduce your request rate."}},
                              "PutObject")
        return put(**kwargs)

    monkeypatch.setattr(client, "put_object", throttled)
    response = csv_handler.handler(sqs_event([good, flaky]), lambda_context())

    assert response == {"batchItemFailures": [{"itemIdentifier": "msg-1"}]}
    assert sorted(_outputs(s3)) == ["predictions/good.csv", "predictions/good.rejects.csv"]


def test_without_a_model_the_message_is_retried(serving_env: dict[str, str], s3: Any, mixed_model: BuiltModel) -> None:
    response = csv_handler.handler(_drop(s3, "batch/a.csv", _table(mixed_model, 2)), lambda_context())

    assert response == {"batchItemFailures": [{"itemIdentifier": "msg-0"}]}
    assert _outputs(s3) == {}


def test_an_unreachable_data_bucket_is_transient(served: dict[str, Any], s3: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    def unreachable(**kwargs: Any) -> Any:
        raise EndpointConnectionError(endpoint_url="https://s3.amazonaws.com")

    monkeypatch.setattr(csv_handler.runtime().s3.client(), "get_object", unreachable)
    response = csv_handler.handler(sqs_event([s3_notification(DATA_BUCKET, "batch/a.csv")]), lambda_context())

    assert response == {"batchItemFailures": [{"itemIdentifier": "msg-0"}]}


def test_a_fixed_upload_replaces_the_error_and_a_broken_one_the_predictions(
        served: dict[str, Any], s3: Any, mixed_model: BuiltModel) -> None:
    csv_handler.handler(_drop(s3, "batch/a.csv", b"nonsense\n"), lambda_context())
    assert sorted(_outputs(s3)) == ["predictions/a.error.json"]

    csv_handler.handler(_drop(s3, "batch/a.csv", _table(mixed_model, 2)), lambda_context())
    assert sorted(_outputs(s3)) == ["predictions/a.csv", "predictions/a.rejects.csv"]

    csv_handler.handler(_drop(s3, "batch/a.csv", b"nonsense\n"), lambda_context())
    assert sorted(_outputs(s3)) == ["predictions/a.error.json"]


def test_a_redelivered_message_overwrites_its_outputs(served: dict[str, Any], s3: Any, mixed_model: BuiltModel) -> None:
    event = _drop(s3, "batch/a.csv", _table(mixed_model, 3))

    csv_handler.handler(event, lambda_context())
    first = _outputs(s3)
    csv_handler.handler(event, lambda_context())

    assert _outputs(s3) == first and len(first) == 2


def test_keys_outside_the_batch_prefix_are_ignored(served: dict[str, Any], s3: Any, mixed_model: BuiltModel) -> None:
    response = csv_handler.handler(_drop(s3, "uploads/a.csv", _table(mixed_model, 2)), lambda_context())

    assert response == {"batchItemFailures": []} and _outputs(s3) == {}


def test_the_csv_function_requires_its_results_bucket(served: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    from slipway_serving.errors import ConfigError

    monkeypatch.delenv("SLIPWAY_RESULTS_BUCKET")

    with pytest.raises(ConfigError, match="SLIPWAY_RESULTS_BUCKET is required"):
        csv_handler.handler(sqs_event([S3_TEST_EVENT]), lambda_context())
