"""`python -m bench.stream [--smoke] [--results DIR]` (part of `make bench`): records per second per
shard from `put_records` to result objects in S3, through the embedded emulator, the event source
mapping's poller and the scorer function, with 1 and 2 shards, and where the time goes.

The app is deployed as `slipway local up` deploys it (its own cdk.json settings: batch size,
window), the bench's XGBoost model published where promotion puts it. N records are put in
`put_records` calls of 500 across partition keys; the clock stops when the pollers have
checkpointed all N, and every result line is then counted in S3. Beside it, in the same run:
- emulator, write: the `put_records` calls themselves (client side);
- emulator, read: GetRecords of the same records from a fresh iterator, in batches of the mapping's size;
- function: the scorer invoked in-process with the poller's events (same records, same batch size);
- unattributed: what remains of the end-to-end time: the poller's own work and waits (event
  building, scheduling), less any overlap (puts and processing run at once, so it can be negative).
Writes <results>/stream.md and stream.json.
"""
from __future__ import annotations

import argparse
import base64
import json
import sys
import time
from pathlib import Path
from typing import Any

import orjson

from bench.meta import header, pin_one_cpu
from bench.serving import models as bench_models

REPO = Path(__file__).resolve().parents[2]
RESULTS = REPO / "bench" / "results"
WORK = REPO / ".slipway" / "bench"
PUT_CHUNK = 500  # PutRecords' limit per call


def _publish(deployment: Any, model: bench_models.BenchModel) -> None:
    s3, bucket = deployment.clients("s3"), deployment.output("ModelsBucketName")
    key = "models/bench/bench-1/model.tar.gz"
    s3.put_object(Bucket=bucket, Key=key, Body=model.archive.read_bytes())
    pointer = {**json.loads(model.pointer.read_text()), "uri": f"s3://{bucket}/{key}"}
    s3.put_object(Bucket=bucket, Key=deployment.output("ModelPointerKey"), Body=json.dumps(pointer).encode())


def _records(n: int, offset: int) -> list[dict[str, Any]]:
    rows = bench_models.sample_rows(n, seed=offset + 1)
    return [{"Data": orjson.dumps({"id": f"r{offset + i}", "features": row}), "PartitionKey": f"k{offset + i}"}
            for i, row in enumerate(rows)]


def _kinesis_pollers(deployment: Any) -> list[Any]:
    from slipway.local.kinesis_poller import MappingPoller

    return [poller for poller in deployment.pollers if isinstance(poller, MappingPoller)]


def _done(deployment: Any) -> int:
    return sum(poller.records_done for poller in _kinesis_pollers(deployment))


def _result_lines(deployment: Any) -> int:
    s3, bucket = deployment.clients("s3"), deployment.output("ResultsBucketName")
    lines = 0
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix="results/"):
        for item in page.get("Contents", []):
            lines += s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read().count(b"\n")
    return lines


def _mapping_batch_size(deployment: Any) -> int:
    return _kinesis_pollers(deployment)[0].settings.batch_size


def measure(shards: int, records: int, model: bench_models.BenchModel) -> dict[str, Any]:
    from slipway.local.stack import deploy_local

    with_context = {"stream_shards": shards} if shards != 1 else None  # 1 is cdk.json's: the cached assembly
    print(f"   {shards} shard(s): deploying", flush=True)
    with deploy_local(REPO, context=with_context, start_gateway=False) as deployment:
        _publish(deployment, model)
        kinesis, stream = deployment.clients("kinesis"), deployment.output("InputStreamName")
        scorer = deployment.function("ScorerFunction")
        batch = _mapping_batch_size(deployment)
        # warm: the scorer's cold start (model load) is not part of a stream's steady rate
        kinesis.put_records(StreamName=stream, Records=_records(1, -1))
        deadline = time.monotonic() + 120
        while _done(deployment) < 1:
            if time.monotonic() > deadline:
                raise RuntimeError("the warm-up record was never processed")
            time.sleep(0.01)
        baseline_done = _done(deployment)
        payload = _records(records, 0)
        started = time.perf_counter()
        put_s = 0.0
        for i in range(0, records, PUT_CHUNK):
            began = time.perf_counter()
            response = kinesis.put_records(StreamName=stream, Records=payload[i:i + PUT_CHUNK])
            put_s += time.perf_counter() - began
            if response.get("FailedRecordCount"):
                raise RuntimeError(f"put_records failed for {response['FailedRecordCount']} records")
        deadline = time.monotonic() + 600
        while _done(deployment) - baseline_done < records:
            if time.monotonic() > deadline:
                raise RuntimeError(f"only {_done(deployment) - baseline_done} of {records} records processed")
            time.sleep(0.005)
        end_to_end_s = time.perf_counter() - started
        lines = _result_lines(deployment) - 1  # the warm-up record's line
        if lines != records:
            raise RuntimeError(f"{lines} result lines in S3 for {records} records")
        read_s, events = _read_back(deployment, kinesis, stream, batch)
        function_s = 0.0
        for event in events:
            invocation = scorer.invoke(event)
            if invocation.failed:
                raise RuntimeError(f"scorer failed: {invocation.error_message}")
            function_s += invocation.duration_ms / 1000
    rest = end_to_end_s - put_s - read_s - function_s
    return {"shards": shards, "records": records, "batch_size": batch, "end_to_end_s": end_to_end_s,
            "records_per_s": records / end_to_end_s, "records_per_s_per_shard": records / end_to_end_s / shards,
            "split_s": {"emulator: put_records": put_s, "emulator: GetRecords": read_s,
                        "function (scorer)": function_s, "unattributed": rest}}


def _read_back(deployment: Any, kinesis: Any, stream: str, batch: int) -> tuple[float, list[dict[str, Any]]]:
    """GetRecords of every record from the start of each shard, timed; and the scorer's events for them."""
    seconds, events = 0.0, []
    for shard in kinesis.list_shards(StreamName=stream)["Shards"]:
        shard_id = shard["ShardId"]
        iterator = kinesis.get_shard_iterator(StreamName=stream, ShardId=shard_id,
                                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        while iterator:
            began = time.perf_counter()
            response = kinesis.get_records(ShardIterator=iterator, Limit=batch)
            seconds += time.perf_counter() - began
            if not response["Records"]:
                break
            iterator = response.get("NextShardIterator")
            events.append({"Records": [{
                "kinesis": {"kinesisSchemaVersion": "1.0", "partitionKey": r["PartitionKey"],
                            "sequenceNumber": r["SequenceNumber"], "data": base64.b64encode(r["Data"]).decode(),
                            "approximateArrivalTimestamp": r["ApproximateArrivalTimestamp"].timestamp()},
                "eventSource": "aws:kinesis", "eventVersion": "1.0", "eventID": f"{shard_id}:{r['SequenceNumber']}",
                "eventName": "aws:kinesis:record", "awsRegion": "us-east-1",
                "eventSourceARN": f"arn:aws:kinesis:us-east-1:123456789012:stream/{stream}"}
                for r in response["Records"]]})
    return seconds, events


def write(directory: Path, runs: list[dict[str, Any]], smoke: bool, seconds: float) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "stream.json").write_text(json.dumps({"runs": runs, "smoke": smoke, "seconds": seconds}, indent=2))
    command = "python -m bench.stream" + (" --smoke" if smoke else "")
    lines = ["# Stream benchmark: put_records to result objects, through the emulator", "", header(command), "",
             ("**Smoke run: a few records; these numbers prove the benchmark runs and mean nothing.**\n" if smoke else ""),
             __doc__.split("\n\n", 1)[1].split("Writes")[0].strip(), "",
             "| shards | records | batch size | end to end (s) | records/s | records/s per shard | "
             "put_records | GetRecords | function | unattributed |", "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for run in runs:
        split = run["split_s"]
        share = [f"{v:.2f} s ({v / run['end_to_end_s']:.0%})" for v in split.values()]
        lines.append(f"| {run['shards']} | {run['records']:,} | {run['batch_size']} | {run['end_to_end_s']:.2f} | "
                     f"{run['records_per_s']:,.0f} | {run['records_per_s_per_shard']:,.0f} | " + " | ".join(share) + " |")
    lines += ["", "No target is set for this figure (DESIGN §7: reported). The function column is the scorer's own "
              "time in-process on the same events; the emulator's columns are its API calls timed from the client; "
              "what is unattributed is the poller's own work and waits, less the overlap of puts with processing.",
              f"", f"Whole run: {seconds:.0f} s."]
    (directory / "stream.md").write_text("\n".join(lines) + "\n")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.stream")
    parser.add_argument("--smoke", action="store_true", help="one shard, a few records: proves it runs")
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    started = time.time()
    pin_one_cpu()  # the emulator, the pollers and the function share this CPU, as they would a laptop's
    model = bench_models.ensure(WORK / "serving" / ("smoke-models" if args.smoke else "models"),
                                smoke=args.smoke)["xgboost"]
    plan = [(1, 200)] if args.smoke else [(1, 5_000), (2, 5_000)]
    runs = [measure(shards, records, model) for shards, records in plan]
    for run in runs:
        print(f"   {run['shards']} shard(s): {run['records_per_s']:,.0f} records/s "
              f"({run['records_per_s_per_shard']:,.0f} per shard)", flush=True)
    write(args.results, runs, args.smoke, time.time() - started)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
