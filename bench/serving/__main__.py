"""`python -m bench.serving` (part of `make bench`): Slipway's serving functions against a naive
baseline measured in the same run, on one pinned CPU, for three models.

Naive baseline: FastAPI + Mangum + the fitted scikit-learn/XGBoost estimator loaded with joblib,
pydantic bodies and stdlib json, bundled with its training libraries. Slipway: the real Lambda
bundle from stacks/bundling.py. Each function runs from its own bundle in fresh ``python -S``
processes (nothing else on sys.path, no writing of .pyc, as in Lambda); S3 is a local-file stand-in
for both. Writes bench/results/serving.md, serving.json and serving.png.
"""
from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.serving import models as bench_models
from bench.serving.report import write_report

REPO = Path(__file__).resolve().parents[2]
WORK = REPO / ".slipway" / "bench" / "serving"
RESULTS = REPO / "bench" / "results"
RUNTIME = Path(__file__).parent / "runtime"
COLD_RUNS = int(os.environ.get("BENCH_COLD_RUNS", "7"))
WARM_REQUESTS = int(os.environ.get("BENCH_WARM_REQUESTS", "1000"))
STREAM_RECORDS, STREAM_REPEATS = 10_000, int(os.environ.get("BENCH_STREAM_REPEATS", "7"))
VARIANTS = ("naive", "slipway")


def pin_one_cpu() -> int:
    cpu = max(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})  # children inherit it
    return cpu


def bundles() -> dict[str, dict[str, Any]]:
    from stacks.bundling import BundleSpec, build_bundle, compile_for_runtime, pip_install, zipped_size

    lambdas = REPO / "lambdas"
    slipway = build_bundle(BundleSpec(lambdas / "slipway_serving", lambdas / "requirements.txt", "3.12", "x86_64")).path
    requirements = RUNTIME / "naive-requirements.txt"
    naive = WORK / f"naive-bundle-{hashlib.sha256(requirements.read_bytes()).hexdigest()[:16]}"
    if not naive.is_dir():
        print("   installing the naive bundle (pip, manylinux wheels)", flush=True)
        staging = naive.with_name(naive.name + ".staging")
        shutil.rmtree(staging, ignore_errors=True)
        pip_install(BundleSpec(RUNTIME, requirements, "3.12", "x86_64"), staging)
        compile_for_runtime(staging, "3.12")
        staging.rename(naive)

    def measured(path: Path) -> dict[str, Any]:
        unzipped = sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
        return {"path": str(path), "unzipped_bytes": unzipped, "zipped_bytes": zipped_size(path)}

    return {"naive": measured(naive), "slipway": measured(slipway)}


def http_event(rows: list[dict[str, float]]) -> dict[str, Any]:
    body = json.dumps({"instances": rows})
    return {"version": "2.0", "routeKey": "POST /predict", "rawPath": "/predict", "rawQueryString": "",
            "headers": {"content-type": "application/json", "content-length": str(len(body)), "host": "bench"},
            "requestContext": {"http": {"method": "POST", "path": "/predict", "protocol": "HTTP/1.1",
                                        "sourceIp": "127.0.0.1", "userAgent": "bench"},
                               "requestId": "bench", "routeKey": "POST /predict", "stage": "$default"},
            "body": body, "isBase64Encoded": False}


def kinesis_event(rows: list[dict[str, float]], *, arrays: bool = False) -> dict[str, Any]:
    """10,000 records of ``{"id", "features"}``, rows as objects or as arrays in feature order."""
    records = []
    for i, row in enumerate(rows):
        features = list(row.values()) if arrays else row
        data = base64.b64encode(json.dumps({"id": f"r{i}", "features": features}).encode()).decode()
        sequence = str(49590338271490256608559692538361571095921575989136588898 + i)
        records.append({"kinesis": {"kinesisSchemaVersion": "1.0", "partitionKey": f"p{i % 16}",
                                    "sequenceNumber": sequence, "data": data, "approximateArrivalTimestamp": 1.0},
                        "eventSource": "aws:kinesis", "eventVersion": "1.0",
                        "eventID": f"shardId-000000000000:{sequence}", "eventName": "aws:kinesis:record",
                        "awsRegion": "us-east-1", "eventSourceARN": "arn:aws:kinesis:us-east-1:123456789012:stream/s"})
    return {"Records": records}


def run_child(variant: str, mode: str, model: bench_models.BenchModel, bundle: str, event: Path,
              **extra: Any) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-") as scratch:
        out = Path(scratch) / "out.json"
        args = {"variant": variant, "mode": mode, "model": model.name, "model_dir": str(model.directory),
                "event": str(event), "out": str(out), "cache_dir": str(Path(scratch) / "cache"), **extra}
        env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": f"{bundle}{os.pathsep}{RUNTIME}",
               "PYTHONDONTWRITEBYTECODE": "1", "AWS_LAMBDA_FUNCTION_NAME": "bench", "HOME": scratch}
        spawned = time.perf_counter()
        done = subprocess.run([sys.executable, "-S", str(RUNTIME / "child.py"), json.dumps(args)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=600)
        if done.returncode != 0:
            raise RuntimeError(f"{variant} {mode} {model.name} failed:\n{done.stderr[-3000:]}")
        result = json.loads(out.read_text())
    result["spawned"] = spawned
    return result


def boto3_cost() -> float:
    """ms for a fresh process to import boto3 and create an S3 client (paid where S3 is read)."""
    import sysconfig

    code = ("import time; t = time.perf_counter(); import boto3; boto3.client('s3', region_name='us-east-1'); "
            "print((time.perf_counter() - t) * 1000)")
    site_packages = sysconfig.get_paths()["purelib"]
    runs = [float(subprocess.run([sys.executable, "-S", "-c", code], env={"PYTHONPATH": site_packages},
                                 capture_output=True, text=True, check=True).stdout) for _ in range(5)]
    return statistics.median(runs)


def measure(models: dict[str, bench_models.BenchModel], bundle_paths: dict[str, str]) -> dict[str, Any]:
    events = WORK / "events"
    events.mkdir(parents=True, exist_ok=True)
    (events / "http.json").write_text(json.dumps(http_event(bench_models.sample_rows(1))))
    stream_rows = bench_models.sample_rows(STREAM_RECORDS)
    (events / "kinesis.json").write_text(json.dumps(kinesis_event(stream_rows)))
    (events / "kinesis-arrays.json").write_text(json.dumps(kinesis_event(stream_rows, arrays=True)))
    results: dict[str, Any] = {name: {v: {} for v in VARIANTS} for name in models}
    cold: dict[tuple[str, str], list[float]] = {}
    print(f"   cold starts: {COLD_RUNS} fresh processes per function", flush=True)
    for _ in range(COLD_RUNS):  # interleaved, so background noise falls on both sides alike
        for name, model in models.items():
            for variant in VARIANTS:
                r = run_child(variant, "http", model, bundle_paths[variant], events / "http.json", warm=0)
                cold.setdefault((name, variant), []).append((r["first_response"] - r["spawned"]) * 1000)
                cold.setdefault((name, variant, "cpu"), []).append(r["first_response_cpu"] * 1000)
                cold.setdefault((name, variant, "import"), []).append((r["imported"] - r["spawned"]) * 1000)
    for name, model in models.items():
        for variant in VARIANTS:
            print(f"   {bench_models.LABELS[name]} / {variant}: warm requests and the stream", flush=True)
            warm = run_child(variant, "http", model, bundle_paths[variant], events / "http.json", warm=WARM_REQUESTS)
            stream = run_child(variant, "stream", model, bundle_paths[variant], events / "kinesis.json",
                               repeats=STREAM_REPEATS)
            arrays = run_child(variant, "stream", model, bundle_paths[variant], events / "kinesis-arrays.json",
                               repeats=STREAM_REPEATS)
            timings = sorted(warm["warm_s"])
            entry = results[name][variant]
            entry["cold_ms"] = statistics.median(cold[(name, variant)])
            entry["cold_best_ms"] = min(cold[(name, variant)])
            entry["cold_cpu_ms"] = statistics.median(cold[(name, variant, "cpu")])
            entry["warm_p50_cpu_us"] = statistics.median(warm["warm_cpu_s"]) * 1e6
            entry["cold_runs_ms"] = cold[(name, variant)]
            entry["import_ms"] = statistics.median(cold[(name, variant, "import")])
            entry["warm_p50_us"] = timings[len(timings) // 2] * 1e6
            entry["warm_p99_us"] = timings[min(len(timings) - 1, int(len(timings) * 0.99))] * 1e6
            entry["stream_records_per_s"] = STREAM_RECORDS / statistics.median(stream["batch_s"])
            entry["stream_array_records_per_s"] = STREAM_RECORDS / statistics.median(arrays["batch_s"])
            entry["stream_cpu_records_per_s"] = STREAM_RECORDS / statistics.median(stream["batch_cpu_s"])
            entry["stream_array_cpu_records_per_s"] = STREAM_RECORDS / statistics.median(arrays["batch_cpu_s"])
            entry["http_peak_rss_mb"] = warm["peak_rss_kb"] / 1024
            entry["stream_peak_rss_mb"] = stream["peak_rss_kb"] / 1024
    return results


def main() -> int:
    started = time.time()
    cpu = pin_one_cpu()
    print(f"   pinned to CPU {cpu}", flush=True)
    models = bench_models.ensure(WORK / "models")
    sizes = bundles()
    results = measure(models, {v: sizes[v]["path"] for v in VARIANTS})
    meta = {"cpu": cpu, "cpus_online": os.cpu_count(), "load_average": os.getloadavg(), "python": sys.version.split()[0],
            "boto3_import_and_client_ms": boto3_cost(), "cold_runs": COLD_RUNS, "warm_requests": WARM_REQUESTS,
            "stream_records": STREAM_RECORDS, "stream_repeats": STREAM_REPEATS,
            "models": {name: m.info() for name, m in models.items()}, "seconds": round(time.time() - started)}
    write_report(RESULTS, results, sizes, meta)
    print(f"   wrote {RESULTS / 'serving.md'} and serving.png in {meta['seconds']} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
