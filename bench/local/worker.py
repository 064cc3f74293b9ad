"""One host's figures, in a process whose `slipway` is the tree under test (PYTHONPATH): run by
bench/local/__main__.py once for the landed in-process host and once for the sandbox processes.

    python bench/local/worker.py ROOT MODEL SIZES_JSON  -> one JSON line on stdout
"""
from __future__ import annotations

import json
import statistics
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import orjson


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    if not ordered:
        return {"p50": float("nan"), "p99": float("nan")}
    return {"p50": statistics.median(ordered), "p99": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]}


def http_ms(url: str, body: bytes | None) -> float:
    request = urllib.request.Request(url, data=body, headers={"content-type": "application/json"})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()
    return (time.perf_counter() - started) * 1000


def load(url: str, body: bytes, clients: int, requests: int) -> dict[str, float]:
    """`clients` threads share `requests` POSTs, each on a new connection, as curl or a browser would."""
    latencies: list[float] = []
    errors: dict[str, int] = {}
    lock = threading.Lock()
    remaining = iter(range(requests))

    def client() -> None:
        while True:
            with lock:
                if next(remaining, None) is None:
                    return
            try:
                took = http_ms(url, body)
                with lock:
                    latencies.append(took)
            except (urllib.error.URLError, ConnectionError, OSError) as error:
                reason = getattr(error, "reason", error)
                with lock:
                    errors[type(reason).__name__] = errors.get(type(reason).__name__, 0) + 1

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    return {**percentiles(latencies), "ok": len(latencies), "errors": errors,
            "throughput_rps": len(latencies) / seconds}


def main(root: Path, model: Path, sizes: dict) -> dict:
    from slipway.local.stack import deploy_local
    from slipway.promote import promote, read_manifest

    manifest = read_manifest(model)
    row = {f["name"]: 1.0 for f in manifest["features"]}
    body = orjson.dumps({"instances": [row]})
    figures: dict = {}
    with deploy_local(root) as deployment:
        inits: list[float] = []
        if hasattr(deployment, "observe"):  # the sandbox host reports each cold start's Init Duration
            deployment.observe(lambda name, invocation: invocation.init_duration_ms and inits.append(
                invocation.init_duration_ms))
        promote(deployment.clients, bucket=deployment.output("ModelsBucketName"),
                pointer_key=deployment.output("ModelPointerKey"), tar_path=model)
        url = f"{deployment.api_url}/predict"
        for _ in range(20):
            http_ms(url, body)  # warm: cold start and connection set-up
        figures["predict"] = percentiles([http_ms(url, body) for _ in range(sizes["predict"])])
        kinesis, stream = deployment.clients("kinesis"), deployment.output("InputStreamName")
        s3, bucket = deployment.clients("s3"), deployment.output("ResultsBucketName")

        def result_keys() -> set[str]:
            return {o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="results/").get("Contents", [])}

        put_to_result = []
        for i in range(sizes["kinesis"] + 1):  # the first includes the scorer's cold start
            seen = result_keys()
            started = time.perf_counter()
            kinesis.put_record(StreamName=stream, PartitionKey=f"k{i}",
                               Data=orjson.dumps({"id": f"latency-{i}", "features": row}))
            while not result_keys() - seen:
                if time.perf_counter() - started > 120:
                    raise RuntimeError(f"record {i} has no result after 120 s")
                time.sleep(0.005)
            put_to_result.append((time.perf_counter() - started) * 1000)
        figures["put_to_result"] = percentiles(put_to_result[1:])
        figures["load"] = load(url, body, sizes["clients"], sizes["requests"])
        figures["init_ms"] = percentiles(inits) if inits else None
    return figures


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1]), Path(sys.argv[2]), json.loads(sys.argv[3]))), flush=True)
