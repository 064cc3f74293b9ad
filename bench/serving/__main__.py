"""`python -m bench.serving [--smoke] [--results DIR]` (part of `make bench`): Slipway's serving
functions against a naive baseline and against their measured floors, in the same run, on one
pinned CPU, for three models.

Naive baseline: FastAPI + Mangum + the fitted scikit-learn/XGBoost estimator loaded with joblib,
pydantic bodies, stdlib json and a boto3 client made at import, bundled with its training
libraries. Slipway: the real Lambda bundle from stacks/bundling.py. Each function runs from its own
bundle in fresh ``python -S`` processes (nothing else on sys.path, no writing of .pyc, as in
Lambda) beside boto3 at the Lambda python3.12 runtime's version; S3 is the embedded emulator's, over
HTTP, in its own process on another CPU: Slipway's cold start pays the boto3 import, the client
and both GETs (pointer, artifact), as in Lambda. Floors: the least the same libraries can do
(child.py). Writes <results>/serving.md, serving.json and serving.png.

--smoke: tiny models, a few requests and records, the functions from the source tree and this
environment's packages (no bundle is built): it proves every path still runs.
"""
from __future__ import annotations

import argparse
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
from dataclasses import dataclass
from typing import Any

from bench import s3server
from bench.meta import pin_one_cpu
from bench.serving import models as bench_models
from bench.serving.report import write_report
from slipway.local.runtimes import RUNTIME_PACKAGES

REPO = Path(__file__).resolve().parents[2]
WORK = REPO / ".slipway" / "bench" / "serving"
RESULTS = REPO / "bench" / "results"
RUNTIME = Path(__file__).parent / "runtime"
VARIANTS = ("naive", "slipway")
# boto3 as the local sandboxes give it to a function: one pin for the Lambda runtime's SDK, in
# slipway.local.runtimes (it moves with AWS's runtime updates: re-check it there when it does).
LAMBDA_BOTO3 = " ".join(p for p in RUNTIME_PACKAGES if p.startswith(("boto3==", "botocore==")))
MODELS_BUCKET, RESULTS_BUCKET = "bench-models", "bench-results"


@dataclass(frozen=True)
class Sizes:
    cold_runs: int
    warm_requests: int
    stream_records: int
    stream_repeats: int


FULL = Sizes(cold_runs=int(os.environ.get("BENCH_COLD_RUNS", "7")),
             warm_requests=int(os.environ.get("BENCH_WARM_REQUESTS", "1000")),
             stream_records=10_000, stream_repeats=int(os.environ.get("BENCH_STREAM_REPEATS", "7")))
SMOKE = Sizes(cold_runs=1, warm_requests=3, stream_records=50, stream_repeats=1)


def lambda_boto3() -> Path:
    """A directory holding boto3 at the runtime's version (installed once, from PyPI)."""
    from stacks.bundling import compile_for_runtime

    target = WORK / f"lambda-boto3-{LAMBDA_BOTO3.split()[0].split('==')[1]}-compiled"
    if not target.is_dir():
        staging = target.with_name(target.name + ".staging")
        shutil.rmtree(staging, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-compile", "--target", str(staging),
                        *LAMBDA_BOTO3.split()], check=True)
        compile_for_runtime(staging, "3.12")  # the runtime ships its boto3 byte-compiled; without .pyc it costs ~2x
        staging.rename(target)
    return target


def smoke_paths() -> dict[str, str]:
    """--smoke: the functions from the source tree on this environment's packages."""
    import sysconfig

    site = sysconfig.get_paths()["purelib"]
    return {"naive": f"{RUNTIME}{os.pathsep}{site}", "slipway": f"{REPO / 'lambdas'}{os.pathsep}{site}",
            "floor": site}


def trim_tests(root: Path) -> None:
    """Test suites, type stubs and Cython declarations: what no function imports, in any package."""
    for path in sorted(root.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        if path.is_dir() and path.name in ("tests", "test", "__pycache__"):
            shutil.rmtree(path)
        elif path.is_file() and path.suffix in (".pyi", ".pxd", ".pyx"):
            path.unlink()


def bundles() -> dict[str, dict[str, Any]]:
    from stacks.bundling import BundleSpec, build_bundle, compile_for_runtime, pip_install, zipped_size

    lambdas = REPO / "lambdas"
    slipway = build_bundle(BundleSpec(lambdas / "slipway_serving", lambdas / "requirements.txt", "3.12", "x86_64")).path
    requirements = RUNTIME / "naive-requirements.txt"
    naive = WORK / f"naive-bundle-{hashlib.sha256(requirements.read_bytes()).hexdigest()[:16]}-deployable"
    if not naive.is_dir():
        print("   installing the naive bundle (pip, manylinux wheels)", flush=True)
        staging = naive.with_name(naive.name + ".staging")
        shutil.rmtree(staging, ignore_errors=True)
        pip_install(BundleSpec(RUNTIME, requirements, "3.12", "x86_64"), staging)
        # deployable: as installed it is ~296 MB, over Lambda's 250 MiB; without test suites and stubs
        # (the generic part of Slipway's trim rules: its numpy.f2py rule would break scipy) and compiled, less
        trim_tests(staging)
        compile_for_runtime(staging, "3.12")
        staging.rename(naive)

    def measured(path: Path) -> dict[str, Any]:
        unzipped = sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
        packages = sorted(p.name.split("-")[0] for p in path.glob("*.dist-info"))
        return {"path": str(path), "unzipped_bytes": unzipped, "zipped_bytes": zipped_size(path), "packages": packages}

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


def run_child(mode: str, model: bench_models.BenchModel, path: str, event: Path, env: dict[str, str],
              variant: str = "floor", **extra: Any) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-") as scratch:
        out = Path(scratch) / "out.json"
        args = {"variant": variant, "mode": mode, "model": model.name, "event": str(event), "out": str(out), **extra}
        child_env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": path, "PYTHONDONTWRITEBYTECODE": "1",
                     "AWS_LAMBDA_FUNCTION_NAME": "bench", "HOME": scratch, **env}
        if variant == "slipway":
            child_env.update(SLIPWAY_MODEL_BUCKET=MODELS_BUCKET, SLIPWAY_MODEL_POINTER_KEY=f"pointers/{model.name}.json",
                             SLIPWAY_RESULTS_BUCKET=RESULTS_BUCKET, SLIPWAY_MODEL_CACHE_DIR=str(Path(scratch) / "cache"))
        elif variant == "naive":
            child_env["NAIVE_MODEL_PATH"] = str(model.joblib_file)
        spawned = time.perf_counter()
        done = subprocess.run([sys.executable, "-S", str(RUNTIME / "child.py"), json.dumps(args)], env=child_env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=600)
        if done.returncode != 0:
            raise RuntimeError(f"{variant} {mode} {model.name} failed:\n{done.stderr[-3000:]}")
        result = json.loads(out.read_text())
    result["spawned"] = spawned
    return result


def publish(endpoint: str, models: dict[str, bench_models.BenchModel]) -> None:
    """Each model's artifact and pointer into the emulator's S3, where promotion would put them."""
    s3 = s3server.client(endpoint)
    for bucket in (MODELS_BUCKET, RESULTS_BUCKET):
        s3.create_bucket(Bucket=bucket)
    for name, model in models.items():
        pointer = json.loads(model.pointer.read_text())
        s3.put_object(Bucket=MODELS_BUCKET, Key=f"models/{name}/model.tar.gz", Body=model.archive.read_bytes())
        s3.put_object(Bucket=MODELS_BUCKET, Key=f"pointers/{name}.json", Body=json.dumps(pointer).encode())


def _median(values: list[float]) -> float:
    return statistics.median(values)


def measure(models: dict[str, bench_models.BenchModel], paths: dict[str, str], env: dict[str, str],
            sizes: Sizes) -> dict[str, Any]:
    events = WORK / "events"
    events.mkdir(parents=True, exist_ok=True)
    (events / "http.json").write_text(json.dumps(http_event(bench_models.sample_rows(1))))
    stream_rows = bench_models.sample_rows(sizes.stream_records)
    (events / "kinesis.json").write_text(json.dumps(kinesis_event(stream_rows)))
    (events / "kinesis-arrays.json").write_text(json.dumps(kinesis_event(stream_rows, arrays=True)))
    results: dict[str, Any] = {name: {v: {} for v in VARIANTS} for name in models}
    floors: dict[str, Any] = {name: {} for name in models}
    cold: dict[tuple[str, ...], list[float]] = {}
    phases: dict[tuple[str, str], list[dict[str, float]]] = {}
    print(f"   cold starts: {sizes.cold_runs} fresh processes per function and floor", flush=True)
    for _ in range(sizes.cold_runs):  # interleaved, so background noise falls on all sides alike
        for name, model in models.items():
            for variant in VARIANTS:
                r = run_child("http", model, paths[variant], events / "http.json", env, variant, warm=0)
                cold.setdefault((name, variant), []).append((r["first_response"] - r["spawned"]) * 1000)
                cold.setdefault((name, variant, "cpu"), []).append(r["first_response_cpu"] * 1000)
                cold.setdefault((name, variant, "import"), []).append((r["imported"] - r["spawned"]) * 1000)
                if variant == "slipway":
                    phases.setdefault((name, variant), []).append(r["load_phases"])
            for overlap in (False, True):
                floor = f"floor_{'overlap' if overlap else 'sequential'}"
                r = run_child("floor_cold", model, paths["slipway"], events / "http.json", env, overlap=overlap,
                              bucket=MODELS_BUCKET, pointer_key=f"pointers/{name}.json")
                cold.setdefault((name, floor), []).append((r["first_response"] - r["spawned"]) * 1000)
                phases.setdefault((name, floor), []).append(r["floor_phases"])
    for name, model in models.items():
        for variant in VARIANTS:
            print(f"   {bench_models.LABELS[name]} / {variant}: warm requests and the stream", flush=True)
            warm = run_child("http", model, paths[variant], events / "http.json", env, variant, warm=sizes.warm_requests)
            stream = run_child("stream", model, paths[variant], events / "kinesis.json", env, variant,
                               repeats=sizes.stream_repeats)
            arrays = run_child("stream", model, paths[variant], events / "kinesis-arrays.json", env, variant,
                               repeats=sizes.stream_repeats)
            timings = sorted(warm["warm_s"])
            entry = results[name][variant]
            entry["cold_ms"] = _median(cold[(name, variant)])
            entry["cold_best_ms"] = min(cold[(name, variant)])
            entry["cold_cpu_ms"] = _median(cold[(name, variant, "cpu")])
            entry["import_ms"] = _median(cold[(name, variant, "import")])
            entry["cold_runs_ms"] = cold[(name, variant)]
            entry["warm_p50_us"] = timings[len(timings) // 2] * 1e6
            entry["warm_p99_us"] = timings[min(len(timings) - 1, int(len(timings) * 0.99))] * 1e6
            entry["warm_p50_cpu_us"] = _median(warm["warm_cpu_s"]) * 1e6
            entry["stream_records_per_s"] = sizes.stream_records / _median(stream["batch_s"])
            entry["stream_array_records_per_s"] = sizes.stream_records / _median(arrays["batch_s"])
            entry["stream_cpu_records_per_s"] = sizes.stream_records / _median(stream["batch_cpu_s"])
            entry["stream_array_cpu_records_per_s"] = sizes.stream_records / _median(arrays["batch_cpu_s"])
            entry["http_peak_rss_mb"] = warm["peak_rss_kb"] / 1024
            entry["stream_peak_rss_mb"] = stream["peak_rss_kb"] / 1024
        runs = phases[(name, "slipway")]
        results[name]["slipway"]["cold_split_ms"] = {
            "imports": results[name]["slipway"]["import_ms"],
            **{k: _median([r.get(k, 0.0) for r in runs]) for k in ("client", "pointer", "artifact", "unpack", "session")}}
        split = results[name]["slipway"]["cold_split_ms"]
        split["first prediction"] = results[name]["slipway"]["cold_ms"] - sum(split.values())
        for floor in ("floor_sequential", "floor_overlap"):
            floors[name][floor] = {"cold_ms": _median(cold[(name, floor)]),
                                   "split_ms": {k: _median([r[k] for r in phases[(name, floor)]])
                                                for k in phases[(name, floor)][0]}}
        manifest = model.manifest()
        for predictor, extra in (("onnx", {"onnx": str(model.onnx_file)}),
                                 ("xgboost_ubj", {"ubj": str(model.ubj_file)} if model.ubj_file else None)):
            if extra is None:
                continue
            print(f"   {bench_models.LABELS[name]} / stream floor ({predictor})", flush=True)
            r = run_child("floor_stream", model, paths["floor"], events / "kinesis.json", env, manifest=manifest,
                          repeats=sizes.stream_repeats, results_bucket=RESULTS_BUCKET, **extra)
            floors[name][f"stream_{predictor}"] = {
                "records_per_s": sizes.stream_records / _median(r["batch_s"]),
                "cpu_records_per_s": sizes.stream_records / _median(r["batch_cpu_s"])}
        best = max((v for k, v in floors[name].items() if k.startswith("stream_")), key=lambda v: v["records_per_s"])
        floors[name]["stream_best"] = best
    return {"results": results, "floors": floors}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.serving")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, no bundles: proves it runs")
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    started = time.time()
    cpu = pin_one_cpu()
    print(f"   pinned to CPU {cpu}", flush=True)
    sizes = SMOKE if args.smoke else FULL
    models = bench_models.ensure(WORK / ("smoke-models" if args.smoke else "models"), smoke=args.smoke)
    if args.smoke:
        paths, bundle_sizes = smoke_paths(), None
    else:
        bundle_sizes = bundles()
        boto3_dir = lambda_boto3()
        paths = {v: f"{bundle_sizes[v]['path']}{os.pathsep}{RUNTIME}{os.pathsep}{boto3_dir}" for v in VARIANTS}
        # the floors: xgboost (UBJ predictor) from the naive bundle, whose numpy it needs whole (the Slipway
        # bundle trims numpy.f2py, which scipy imports), then ONNX Runtime and orjson from the Slipway bundle
        paths["floor"] = f"{bundle_sizes['naive']['path']}{os.pathsep}{bundle_sizes['slipway']['path']}{os.pathsep}{boto3_dir}"
        paths["slipway"] = f"{bundle_sizes['slipway']['path']}{os.pathsep}{boto3_dir}"
    with s3server.s3_server(s3server.other_cpus(cpu)) as endpoint:
        publish(endpoint, models)
        env = {**s3server.CREDENTIALS, "AWS_ENDPOINT_URL": endpoint}
        measured = measure(models, paths, env, sizes)
    meta = {"cpu": cpu, "cpus_online": os.cpu_count(), "load_average": os.getloadavg(), "python": sys.version.split()[0],
            "smoke": args.smoke, "sizes": sizes.__dict__, "lambda_boto3": LAMBDA_BOTO3,
            "models": {name: m.info() for name, m in models.items()}, "seconds": round(time.time() - started)}
    write_report(args.results, measured, bundle_sizes, meta)
    print(f"   wrote {args.results / 'serving.md'} in {meta['seconds']} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
