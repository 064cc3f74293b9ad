"""`python -m bench.local`: the local runtime's speed, each figure beside a same-run baseline.

- bring-up: `slipway local up` to ready in a fresh process, cold (the app synthesized anew) and
  unchanged (the cached assembly reused); baseline: the CDK CLI's own `cdk synth` of the same app.
- HTTP: p50/p99 of GET /health and a one-row POST /predict through the local API Gateway (real
  HTTP on loopback); baseline: the same events handed to the handler in-process (no HTTP, no gateway).
- put-to-result: one Kinesis record with a zero batching window until its result object is in S3;
  baseline: the scorer invoked directly with the same record.
Writes bench/results/local.md and local.png. Targets (issue 6): up ≤ 15 s cold, ≤ 3 s unchanged;
HTTP p50 ≤ 2 ms; put-to-result < 1 s.
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "results"
MODEL = ROOT / ".slipway" / "bench" / "jobs" / "bench-model" / "output" / "model.tar.gz"

_UP = """
import json, sys, time
started = time.perf_counter()
from pathlib import Path
from slipway.local.stack import deploy_local
context = json.loads(sys.argv[2])
with deploy_local(Path(sys.argv[1]), context=context or None):
    print("READY", time.perf_counter() - started, flush=True)
"""


def _train_model() -> Path:
    if MODEL.is_file():
        return MODEL
    from slipway.datasets import write_dataset
    from slipway.sagemaker.runner import run_training_job

    data = write_dataset("breast_cancer", ROOT / ".slipway" / "bench" / "data")
    run_training_job("bench-model", base_dir=ROOT / ".slipway" / "bench" / "jobs", channels={"train": data.train_csv},
                     hyperparameters={"target": "target", "model_name": "bench", "num_round": 50},
                     source_dir=ROOT / "training", overwrite=True)
    return MODEL


def _up_seconds(context: dict) -> float:
    out = subprocess.run([sys.executable, "-c", _UP, str(ROOT), json.dumps(context)], cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout
    return float(next(line for line in out.splitlines() if line.startswith("READY ")).split()[1])


def _cdk_synth_seconds() -> float:
    cdk = ROOT / "node_modules" / ".bin" / "cdk"
    env = {**os.environ, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
           "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    started = time.perf_counter()
    subprocess.run([str(cdk), "synth", "--quiet", "-o", str(ROOT / ".slipway" / "bench" / "cdk.out"),
                    "-c", f"bench_nonce={uuid.uuid4().hex}"], cwd=ROOT, env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def _http(url: str, body: bytes | None) -> float:
    request = urllib.request.Request(url, data=body, headers={"content-type": "application/json"})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()
    return (time.perf_counter() - started) * 1000


def measure_running(model: Path, n: int = 300) -> dict:
    from slipway import events
    from slipway.local.stack import deploy_local
    from slipway.promote import promote, read_manifest

    manifest = read_manifest(model)
    row = {f["name"]: 1.0 for f in manifest["features"]}
    body = orjson.dumps({"instances": [row]})
    with deploy_local(ROOT) as deployment:
        promote(deployment.clients, bucket=deployment.output("ModelsBucketName"),
                pointer_key=deployment.output("ModelPointerKey"), tar_path=model)
        api = deployment.function("ApiFunction")
        figures: dict = {}
        for name, path, payload in (("health", "/health", None), ("predict", "/predict", body)):
            for _ in range(20):
                _http(f"{deployment.api_url}{path}", payload)  # warm: cold start and connection set-up
            through = [_http(f"{deployment.api_url}{path}", payload) for _ in range(n)]
            event = events.http_api_event("POST" if payload else "GET", path, body=payload)
            direct = []
            for _ in range(n):
                started = time.perf_counter()
                api.invoke(event)
                direct.append((time.perf_counter() - started) * 1000)
            figures[name] = {"gateway": _percentiles(through), "direct": _percentiles(direct)}
        kinesis, stream = deployment.clients("kinesis"), deployment.output("InputStreamName")
        s3, bucket = deployment.clients("s3"), deployment.output("ResultsBucketName")
        scorer = deployment.function("ScorerFunction")
        put_to_result, direct = [], []
        for i in range(20):
            seen = {o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="results/").get("Contents", [])}
            started = time.perf_counter()
            kinesis.put_record(StreamName=stream, PartitionKey=f"k{i}",
                               Data=orjson.dumps({"id": f"latency-{i}", "features": row}))
            while True:
                keys = {o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="results/").get("Contents", [])}
                if keys - seen:
                    break
                time.sleep(0.005)
            put_to_result.append((time.perf_counter() - started) * 1000)
            record = events.kinesis_event([{"id": f"direct-{i}", "features": row}], start_seq=10_000_000 + i)
            for r in record["Records"]:
                r["eventSourceARN"] = f"arn:aws:kinesis:us-east-1:123456789012:stream/{stream}"
            started = time.perf_counter()
            scorer.invoke(record)
            direct.append((time.perf_counter() - started) * 1000)
        figures["put_to_result"] = {"emulated": _percentiles(put_to_result), "direct": _percentiles(direct)}
    return figures


def main() -> int:
    model = _train_model()
    _up_seconds({})  # make sure the default assembly is cached
    cold = _up_seconds({"bench_nonce": uuid.uuid4().hex})
    warm = statistics.median(_up_seconds({}) for _ in range(3))
    synth = _cdk_synth_seconds()
    running = measure_running(model)
    rows = [
        ("`slipway local up`, cold (synth + deploy + serve)", f"{cold:.1f} s", f"`cdk synth` alone {synth:.1f} s",
         f"{cold / synth:.2f}×", "≤ 15 s"),
        ("`slipway local up`, unchanged app", f"{warm:.1f} s", f"cold {cold:.1f} s", f"{warm / cold:.2f}×", "≤ 3 s"),
    ]
    for name in ("health", "predict"):
        gateway, direct = running[name]["gateway"], running[name]["direct"]
        rows.append((f"HTTP {name} through the local gateway, p50 / p99", f"{gateway[0]:.2f} / {gateway[1]:.2f} ms",
                     f"handler in-process {direct[0]:.2f} / {direct[1]:.2f} ms",
                     f"+{gateway[0] - direct[0]:.2f} ms", "p50 ≤ 2 ms"))
    emulated, direct = running["put_to_result"]["emulated"], running["put_to_result"]["direct"]
    rows.append(("Kinesis put-to-result (window 0), p50 / p99", f"{emulated[0]:.0f} / {emulated[1]:.0f} ms",
                 f"scorer in-process {direct[0]:.1f} ms", f"+{emulated[0] - direct[0]:.0f} ms", "< 1 s"))
    RESULTS.mkdir(parents=True, exist_ok=True)
    table = ["| measure | Slipway | baseline (same run) | ratio / overhead | target |", "|---|---|---|---|---|"]
    table += [f"| {' | '.join(row)} |" for row in rows]
    text = (f"# bench/local — the local runtime\n\n`python -m bench.local` on {os.cpu_count()} shared cores, "
            f"{time.strftime('%Y-%m-%d')}. Bundles already cached (the first synth on a machine also "
            "downloads the Lambda wheels).\n\n" + "\n".join(table) + "\n")
    (RESULTS / "local.md").write_text(text)
    (RESULTS / "local.json").write_text(json.dumps({"up_cold_s": cold, "up_warm_s": warm, "cdk_synth_s": synth,
                                                    **running}, indent=2))
    _plot(running, cold, warm, synth)
    print(text)
    return 0


def _plot(running: dict, cold: float, warm: float, synth: float) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    left.bar(["cdk synth", "up cold", "up unchanged"], [synth, cold, warm], color=["grey", "tab:blue", "tab:green"])
    left.axhline(15, color="tab:red", linestyle="--", linewidth=1)
    left.axhline(3, color="tab:orange", linestyle="--", linewidth=1)
    left.set_ylabel("seconds")
    left.set_title("bring-up")
    names = ["health", "predict"]
    right.bar([f"{n}\ndirect" for n in names] + [f"{n}\ngateway" for n in names],
              [running[n]["direct"][0] for n in names] + [running[n]["gateway"][0] for n in names],
              color=["grey", "grey", "tab:blue", "tab:blue"])
    right.axhline(2, color="tab:red", linestyle="--", linewidth=1)
    right.set_ylabel("p50 ms")
    right.set_title("HTTP request")
    figure.tight_layout()
    figure.savefig(RESULTS / "local.png", dpi=110)


if __name__ == "__main__":
    sys.exit(main())
