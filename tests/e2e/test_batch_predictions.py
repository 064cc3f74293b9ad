"""Batch predictions through the deployed path: a CSV dropped under batch/ in the data bucket ->
S3 notification -> SQS -> the batch function's event source mapping -> predictions CSV."""
from __future__ import annotations

import csv
import io
import time

import orjson
import pandas as pd

from slipway.reference import native_predictions


def _wait_for(live, key: str, timeout_s: float = 60) -> bytes:
    s3, bucket = live.clients("s3"), live.output("ResultsBucketName")
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            return s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        except s3.exceptions.NoSuchKey:
            time.sleep(0.2)
    raise AssertionError(f"s3://{bucket}/{key} did not appear within {timeout_s} s")


def _drop(live, key: str, body: bytes) -> None:
    live.clients("s3").put_object(Bucket=live.output("DataBucketName"), Key=key, Body=body)


def test_a_dropped_csv_yields_predictions_equal_to_the_trained_models(live, demo_report):
    holdout = pd.read_csv(demo_report.training.job_dir.parent.parent / "data" / "holdout.csv")
    features = holdout.drop(columns=["target"])
    features.insert(0, "id", [f"h{i}" for i in range(len(features))])

    _drop(live, "batch/holdout.csv", features.to_csv(index=False).encode())
    predictions = list(csv.DictReader(io.StringIO(_wait_for(live, "predictions/holdout.csv").decode())))
    rejects = list(csv.DictReader(io.StringIO(_wait_for(live, "predictions/holdout.rejects.csv").decode())))

    reference = native_predictions(demo_report.training.model_dir,
                                   features.drop(columns=["id"]).to_dict(orient="records"))
    assert [p["id"] for p in predictions] == list(features["id"])
    assert [int(p["label"]) for p in predictions] == reference.labels
    assert rejects == []


def test_a_bad_cell_is_rejected_with_its_row_and_field_and_the_other_rows_are_scored(live, demo_report):
    manifest = orjson.loads((demo_report.training.model_dir / "manifest.json").read_bytes())
    names = [f["name"] for f in manifest["features"]]
    rows = [[1.0] * len(names) for _ in range(3)]
    rows[1][names.index("mean area")] = "lots"
    text = io.StringIO()
    csv.writer(text).writerows([names, *rows])

    _drop(live, "batch/with a bad cell.csv", text.getvalue().encode())
    predictions = list(csv.DictReader(io.StringIO(_wait_for(live, "predictions/with a bad cell.csv").decode())))
    rejects = list(csv.DictReader(io.StringIO(
        _wait_for(live, "predictions/with a bad cell.rejects.csv").decode())))

    assert [p["row"] for p in predictions] == ["0", "2"]
    assert [(r["row"], r["field"]) for r in rejects] == [("1", "mean area")]
    assert "lots" in rejects[0]["reason"] or "number" in rejects[0]["reason"]


def test_a_file_with_an_unknown_column_gets_an_error_document_naming_it(live, demo_report):
    manifest = orjson.loads((demo_report.training.model_dir / "manifest.json").read_bytes())
    names = [f["name"] for f in manifest["features"]] + ["surprise"]

    _drop(live, "batch/odd.csv", (",".join(names) + "\n" + ",".join(["1"] * len(names)) + "\n").encode())
    error = orjson.loads(_wait_for(live, "predictions/odd.error.json"))

    assert error["error"]["reason"] == "UnknownColumns"
    assert "surprise" in error["error"]["message"]
    assert error["input"]["key"] == "batch/odd.csv"
