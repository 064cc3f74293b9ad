"""`python -m bench.local [--smoke]`: the local runtime's speed, the landed in-process host and the
sandbox processes measured in the same run, on the same machine, with the same model.

The in-process host is the tree of BASELINE_COMMIT (the last commit before functions moved into
sandbox processes), extracted with `git archive` and put first on PYTHONPATH of its worker; the
sandbox host is this tree. Each worker (bench/local/worker.py) deploys the app, promotes the model
and measures:
- POST /predict (one row) through the local API Gateway, p50/p99 (target: p50 ≤ 3 ms);
- Kinesis put-to-result with a zero batching window, p50/p99 (target: p50 ≤ 150 ms);
- 32 concurrent clients × 4,000 POST /predict, each on a new connection: refused/reset, throughput,
  p50, p99 (target: none refused or reset);
- the sandboxes' Init Duration (sandbox host only).
And `slipway local up` to ready in a fresh process, cold (a context nonce forces a new synth) and
unchanged (the cached assembly), for each host.

Writes bench/results/local.md and local.json (--smoke: tiny sizes, bench/results/tmp/ instead).
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "results"
MODEL = ROOT / ".slipway" / "bench" / "jobs" / "bench-model" / "output" / "model.tar.gz"
BASELINE_COMMIT = "527a660"  # functions in-process, on threads (before issue 10)
FULL = {"predict": 300, "kinesis": 20, "clients": 32, "requests": 4000, "up_runs": 3}
SMOKE = {"predict": 20, "kinesis": 3, "clients": 4, "requests": 40, "up_runs": 1}

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


def _baseline_tree() -> Path:
    tree = ROOT / ".slipway" / "bench" / f"host-{BASELINE_COMMIT}"
    if not (tree / "slipway").is_dir():
        tree.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", BASELINE_COMMIT, "slipway"],
                                 check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    return tree


def _env(tree: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(tree), str(ROOT)])}


def _up_seconds(tree: Path, context: dict) -> float:
    out = subprocess.run([sys.executable, "-c", _UP, str(ROOT), json.dumps(context)], cwd=ROOT, check=True,
                         capture_output=True, text=True, env=_env(tree)).stdout
    return float(next(line for line in out.splitlines() if line.startswith("READY ")).split()[1])


def _host(tree: Path, model: Path, sizes: dict, *, cold: bool = True) -> dict:
    cold_s = _up_seconds(tree, {"bench_nonce": uuid.uuid4().hex}) if cold else None
    unchanged = statistics.median(_up_seconds(tree, {}) for _ in range(sizes["up_runs"]))
    out = subprocess.run([sys.executable, str(Path(__file__).with_name("worker.py")), str(ROOT), str(model),
                          json.dumps(sizes)], cwd=ROOT, check=True, capture_output=True, text=True, env=_env(tree))
    return {"up_cold_s": cold_s, "up_unchanged_s": unchanged, **json.loads(out.stdout.strip().splitlines()[-1])}


def _verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def render(hosts: dict[str, dict], sizes: dict) -> str:
    old, new = hosts["in-process"], hosts["sandboxes"]
    load_old, load_new = old["load"], new["load"]

    def failures(load: dict) -> int:
        return sum(load["errors"].values())

    def load_cell(load: dict) -> str:
        errors = ", ".join(f"{k} {v}" for k, v in load["errors"].items()) or "none"
        return (f"{load['throughput_rps']:.0f} req/s, p50 {load['p50']:.1f} / p99 {load['p99']:.0f} ms; "
                f"refused/reset: {errors}")

    init = new.get("init_ms")
    rows = [
        ("POST /predict through the gateway, p50 / p99", f"{old['predict']['p50']:.2f} / {old['predict']['p99']:.2f} ms",
         f"{new['predict']['p50']:.2f} / {new['predict']['p99']:.2f} ms", "p50 ≤ 3 ms",
         _verdict(new["predict"]["p50"] <= 3)),
        ("Kinesis put-to-result (window 0), p50 / p99",
         f"{old['put_to_result']['p50']:.0f} / {old['put_to_result']['p99']:.0f} ms",
         f"{new['put_to_result']['p50']:.0f} / {new['put_to_result']['p99']:.0f} ms", "p50 ≤ 150 ms",
         _verdict(new["put_to_result"]["p50"] <= 150)),
        (f"{sizes['clients']} clients × {sizes['requests']} POST /predict", load_cell(load_old), load_cell(load_new),
         "none refused or reset", _verdict(failures(load_new) == 0)),
        ("sandbox Init Duration (cold starts), p50 / max", "— (no sandbox)",
         f"{init['p50']:.0f} / {init['p99']:.0f} ms" if init else "—", "reported", "reported"),
        ("`slipway local up` to ready, cold (new synth)", f"{old['up_cold_s']:.1f} s", f"{new['up_cold_s']:.1f} s",
         "≤ 15 s", _verdict(new["up_cold_s"] <= 15)),
        ("`slipway local up` to ready, unchanged app", f"{old['up_unchanged_s']:.1f} s",
         f"{new['up_unchanged_s']:.1f} s", "≤ 3 s", _verdict(new["up_unchanged_s"] <= 3)),
    ]
    table = ["| measure | in-process host (baseline, same run) | sandbox processes | target | verdict |",
             "|---|---|---|---|---|"] + [f"| {' | '.join(row)} |" for row in rows]
    return (f"# bench/local — the local runtime\n\n`python -m bench.local` on {os.cpu_count()} shared cores, "
            f"{time.strftime('%Y-%m-%d')}. Baseline: the in-process host of commit {BASELINE_COMMIT}, run in the "
            "same session on the same machine with the same model. Bundles and runtime packages already cached. "
            "The baseline column is the host as it landed before issue 10 (listen backlog 5, in-process "
            "functions); the other is this tree (backlog 1024, sandbox processes). On a shared machine the figures "
            "move from run to run: compare the columns of one run. A p99 near 1,000 ms under load is a TCP SYN "
            "retransmission: the listen backlog overflowed.\n\n" + "\n".join(table) + "\n")


def main(argv: list[str]) -> int:
    """Smoke: the sandbox host alone at tiny sizes, no cold synth (the full run measures the baseline
    host and both bring-ups); it proves the benchmark runs, not what it measures."""
    smoke = "--smoke" in argv
    out = Path(argv[argv.index("--results") + 1]) if "--results" in argv else (RESULTS / "tmp" if smoke else RESULTS)
    sizes = SMOKE if smoke else FULL
    model = _train_model()
    out.mkdir(parents=True, exist_ok=True)
    if smoke:
        hosts = {"sandboxes": _host(ROOT, model, sizes, cold=False)}
        (out / "local.json").write_text(json.dumps({"sizes": sizes, **hosts}, indent=2))
        print(json.dumps(hosts, indent=2))
        return 0
    hosts = {"in-process": _host(_baseline_tree(), model, sizes), "sandboxes": _host(ROOT, model, sizes)}
    text = render(hosts, sizes)
    (out / "local.md").write_text(text)
    (out / "local.json").write_text(json.dumps({"sizes": sizes, **hosts}, indent=2))
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
