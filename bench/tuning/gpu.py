"""XGBoost on the GPU against the same machine's CPU, 10M x 28 rows (HIGGS-shaped, synthetic),
when this machine has a GPU and an XGBoost build that can use it; otherwise it says so. It never
reports a number it did not measure."""
from __future__ import annotations

import shutil
import subprocess
import time
from dataclasses import dataclass

ROWS, COLUMNS, ROUNDS, DEPTH = 10_000_000, 28, 200, 6


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


def measure(threads: int) -> GpuResult:
    import numpy as np
    import xgboost

    gpu = _gpu_name()
    cuda = bool(xgboost.build_info().get("USE_CUDA"))
    if gpu is None or not cuda:
        why = "no NVIDIA GPU on this machine" if gpu is None else \
            f"this xgboost build ({xgboost.__version__}) has no CUDA support"
        return GpuResult(False, f"GPU speed-up not measured here: {why}. Run `python -m "
                                "bench.tuning` on a GPU machine to measure it.")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((ROWS, COLUMNS), dtype=np.float32)
    y = (x[:, :8].sum(axis=1) + rng.standard_normal(ROWS, dtype=np.float32) > 0).astype(np.float32)
    cpu = _train_seconds("cpu", x, y, threads)
    gpu_seconds = _train_seconds("cuda", x, y, threads)
    return GpuResult(True, f"{gpu}; CPU: {threads} threads", cpu, gpu_seconds)
