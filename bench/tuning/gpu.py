"""XGBoost on the GPU against the same machine's CPU, 10M x 28 rows (HIGGS-shaped, synthetic),
when this machine has a GPU and an XGBoost build that can use it; otherwise it says so. It never
reports a number it did not measure.

The project's environment pins `xgboost-cpu` (the CUDA wheel is ~700 MB with NCCL), so CUDA is
never visible there: on a machine with an NVIDIA GPU run `bench/tuning/gpu.sh`, which makes its own
venv with the CUDA `xgboost` wheel and runs `python -m bench.tuning.gpu` in it. That writes
<results>/gpu.md and gpu.json (target, DESIGN §7: GPU ≥ 10x the same machine's CPU), and exits 1
when nothing could be measured.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROWS, COLUMNS, ROUNDS, DEPTH = 10_000_000, 28, 200, 6
TARGET = 10.0  # DESIGN §7
RESULTS = Path(__file__).resolve().parents[1] / "results"


@dataclass(frozen=True)
class GpuResult:
    measured: bool
    note: str
    cpu_seconds: float | None = None
    gpu_seconds: float | None = None

    @property
    def speedup(self) -> float | None:
        if self.cpu_seconds and self.gpu_seconds:
            return self.cpu_seconds / self.gpu_seconds
        return None


def _gpu_name() -> str | None:
    if shutil.which("nvidia-smi") is None:
        return None
    done = subprocess.run(["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"],
                          capture_output=True, text=True, check=False)
    names = done.stdout.strip().splitlines()
    return names[0] if done.returncode == 0 and names else None


def _train_seconds(device: str, x: object, y: object, threads: int) -> float:
    import xgboost

    matrix = xgboost.QuantileDMatrix(x, label=y)
    params = {"objective": "binary:logistic", "tree_method": "hist", "device": device,
              "max_depth": DEPTH, "nthread": threads, "seed": 0}
    started = time.perf_counter()
    xgboost.train(params, matrix, ROUNDS)
    return time.perf_counter() - started


def measure(threads: int, rows: int = ROWS) -> GpuResult:
    import numpy as np
    import xgboost

    gpu = _gpu_name()
    cuda = bool(xgboost.build_info().get("USE_CUDA"))
    if gpu is None or not cuda:
        why = "no NVIDIA GPU on this machine" if gpu is None else \
            f"this xgboost build ({xgboost.__version__}) has no CUDA support"
        return GpuResult(False, f"GPU speed-up not measured here: {why}. Run `bench/tuning/gpu.sh` "
                                "on a machine with an NVIDIA GPU to measure it.")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((rows, COLUMNS), dtype=np.float32)
    y = (x[:, :8].sum(axis=1) + rng.standard_normal(rows, dtype=np.float32) > 0).astype(np.float32)
    cpu = _train_seconds("cpu", x, y, threads)
    gpu_seconds = _train_seconds("cuda", x, y, threads)
    return GpuResult(True, f"{gpu}; CPU: {threads} threads", cpu, gpu_seconds)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.tuning.gpu")
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--rows", type=int, default=ROWS)
    args = parser.parse_args(argv)
    import xgboost

    from bench.meta import header

    threads = os.cpu_count() or 1
    result = measure(threads, args.rows)
    args.results.mkdir(parents=True, exist_ok=True)
    (args.results / "gpu.json").write_text(json.dumps({**asdict(result), "speedup": result.speedup, "rows": args.rows,
                                                        "xgboost": xgboost.__version__, "target": TARGET}, indent=1))
    lines = ["# XGBoost on the GPU against the same machine's CPU", "",
             header("bench/tuning/gpu.sh" + (f" --rows {args.rows}" if args.rows != ROWS else "")), "",
             f"`hist`, {args.rows:,} x {COLUMNS} rows (synthetic), {ROUNDS} rounds, depth {DEPTH}, "
             f"xgboost {xgboost.__version__}; CPU with {threads} threads, then `device=\"cuda\"`.", ""]
    if result.measured:
        met = "met" if result.speedup >= TARGET else "missed"
        lines.append(f"CPU {result.cpu_seconds:.1f} s, GPU {result.gpu_seconds:.1f} s: **{result.speedup:.1f}x** "
                     f"({result.note}); target ≥ {TARGET:g}x: {met}.")
    else:
        lines.append(result.note)
    (args.results / "gpu.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0 if result.measured else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
