"""Nothing lost, nothing doubled: 100,000 records through the emulated Kinesis path (2 shards,
ParallelizationFactor 2, so four lanes invoke the scorer at once) with poison records, transient S3
failures and sandbox processes killed (SIGKILL) mid-batch, and every record ends exactly once in the
results or the rejects."""
from __future__ import annotations

import base64
import time

import orjson
import pytest

from slipway.local.faults import Fault, FunctionFault
from slipway.local.stack import deploy_local
from slipway.promote import promote
from tests.conftest import REPO

RECORDS = 100_000
POISON_EVERY = 100  # 1 %


def _all_lines(clients, bucket: str, prefix: str) -> list[dict]:
    s3, lines = clients("s3"), []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            body = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
            lines += [orjson.loads(line) for line in body.splitlines() if line.strip()]
    return lines


@pytest.fixture(scope="module")
def soak(demo_report):
    # Rare throttles the SDK's own retries absorb, and a burst that outlasts them (3 attempts a
    # call): those batches fail, are reported as batch item failures and retried by Lambda.
    faults = [Fault.on_s3_put("/results/", probability=0.02, seed=1),
              Fault.on_s3_put("/rejects/", probability=1.0, times=6)]
    context = {"stream_shards": 2, "parallelization_factor": 2}
    with deploy_local(REPO, context=context, faults=faults, start_gateway=False) as deployment:
        promote(deployment.clients, bucket=deployment.output("ModelsBucketName"),
                pointer_key=deployment.output("ModelPointerKey"), tar_path=demo_report.training.model_artifact)
        scorer = deployment.function("ScorerFunction")
        # Each a real process death: the event reached the sandbox, or the results were written, and
        # then the process got SIGKILL; Lambda reports Runtime.ExitError and the mapping retries.
        crash_before = FunctionFault(phase="before", times=3)
        crash_after = FunctionFault(phase="after", times=3)
        scorer.faults += [crash_before, crash_after]
        manifest = orjson.loads((demo_report.training.model_dir / "manifest.json").read_bytes())
        row = {f["name"]: 1.0 for f in manifest["features"]}
        kinesis, stream = deployment.clients("kinesis"), deployment.output("InputStreamName")
        poison = {}
        for start in range(0, RECORDS, 500):
            entries = []
            for i in range(start, start + 500):
                if i % POISON_EVERY == 0:
                    data = f"poison {i} {{not json".encode()
                    poison[i] = data
                else:
                    data = orjson.dumps({"id": f"rec-{i}", "features": row})
                entries.append({"Data": data, "PartitionKey": f"pk-{i % 64}"})
            assert kinesis.put_records(StreamName=stream, Records=entries)["FailedRecordCount"] == 0
        [poller] = [p for p in deployment.pollers if hasattr(p, "shards")]
        deadline = time.monotonic() + 600
        while poller.records_done < RECORDS and time.monotonic() < deadline:
            time.sleep(0.5)
        bucket = deployment.output("ResultsBucketName")
        results = _all_lines(deployment.clients, bucket, "results/")
        rejects = _all_lines(deployment.clients, bucket, "rejects/")
        yield {"results": results, "rejects": rejects, "poison": poison, "faults": faults,
               "crashes": (crash_before.injected, crash_after.injected), "shards": len(poller.shards),
               "sandboxes": (scorer.peak_sandboxes, scorer.cold_starts), "on_failure": sum(s.sent_to_on_failure for s in poller.shards)}


def test_every_good_record_has_exactly_one_result(soak):
    ids = [r["id"] for r in soak["results"]]
    expected = {f"rec-{i}" for i in range(RECORDS) if i % POISON_EVERY}

    assert len(ids) == len(set(ids)), f"{len(ids) - len(set(ids))} duplicated results"
    assert set(ids) == expected


def test_every_poison_record_is_rejected_exactly_once_with_its_payload(soak):
    payloads = [base64.b64decode(r["data_base64"]) for r in soak["rejects"]]

    assert len(payloads) == len(set(payloads)) == RECORDS // POISON_EVERY
    assert set(payloads) == set(soak["poison"].values())


def test_the_faults_really_happened_and_no_batch_was_given_up_on(soak):
    assert all(fault.injected > 0 for fault in soak["faults"])
    assert soak["crashes"] == (3, 3)
    assert soak["on_failure"] == 0
    assert soak["shards"] == 2
    peak, cold_starts = soak["sandboxes"]
    assert peak >= 2  # lanes ran at once, each in its own sandbox
    assert cold_starts >= 1 + 6  # each crash cost its sandbox
