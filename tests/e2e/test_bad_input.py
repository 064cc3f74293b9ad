"""Bad input through the real path: a clear error that names what was wrong, and nothing lost."""
from __future__ import annotations

import base64
import time

import orjson

from slipway.demo import post_json


def _results_and_rejects(live, timeout_s: float = 30, expect: int = 1):
    bucket, s3 = live.output("ResultsBucketName"), live.clients("s3")
    deadline = time.monotonic() + timeout_s
    lines: dict[str, list[dict]] = {"results/": [], "rejects/": []}
    while time.monotonic() < deadline:
        for prefix in lines:
            keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])]
            lines[prefix] = [orjson.loads(line) for key in keys
                             for line in s3.get_object(Bucket=bucket, Key=key)["Body"].read().splitlines()]
        if len(lines["results/"]) + len(lines["rejects/"]) >= expect:
            break
        time.sleep(0.2)
    return lines["results/"], lines["rejects/"]


def test_given_a_row_missing_a_feature_when_posted_then_422_names_the_row_and_field(live, demo_report):
    manifest = orjson.loads((demo_report.training.model_dir / "manifest.json").read_bytes())
    row = {f["name"]: 1.0 for f in manifest["features"]}
    del row["mean radius"]

    status, body = post_json(f"{live.api_url}/predict", {"instances": [row]})

    assert status == 422
    assert body["error"]["code"] == "InvalidFeatures"
    assert (body["error"]["row"], body["error"]["field"]) == (0, "mean radius")
    assert "mean radius" in body["error"]["message"]


def test_given_a_string_where_a_number_belongs_when_posted_then_422_names_the_field(live, demo_report):
    manifest = orjson.loads((demo_report.training.model_dir / "manifest.json").read_bytes())
    rows = [{f["name"]: 1.0 for f in manifest["features"]} for _ in range(3)]
    rows[2]["mean texture"] = "high"

    status, body = post_json(f"{live.api_url}/predict", {"instances": rows})

    assert status == 422
    assert (body["error"]["row"], body["error"]["field"]) == (2, "mean texture")


def test_given_an_unknown_route_then_the_gateway_answers_404_like_api_gateway(live):
    status, body = post_json(f"{live.api_url}/nope", {})

    assert (status, body) == (404, {"message": "Not Found"})


def test_given_a_record_that_is_not_json_then_it_is_rejected_with_its_payload_and_the_rest_are_scored(
        live, demo_report):
    manifest = orjson.loads((demo_report.training.model_dir / "manifest.json").read_bytes())
    good = orjson.dumps({"id": "good-1", "features": {f["name"]: 1.0 for f in manifest["features"]}})
    poison = b"\xff this is not json"
    kinesis, stream = live.clients("kinesis"), live.output("InputStreamName")

    kinesis.put_records(StreamName=stream, Records=[
        {"Data": poison, "PartitionKey": "p"}, {"Data": good, "PartitionKey": "p"}])
    results, rejects = _results_and_rejects(live, expect=2)

    assert [r["id"] for r in results] == ["good-1"]
    assert len(rejects) == 1
    assert base64.b64decode(rejects[0]["data_base64"]) == poison
    assert rejects[0]["code"] in ("InvalidEncoding", "InvalidJSON")
    assert rejects[0]["sequence_number"] and rejects[0]["shard_id"].startswith("shardId-")
