"""The GPU benchmark's own entry point, in the project's CPU-only environment."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_without_a_cuda_build_it_measures_nothing_says_why_and_fails(tmp_path: Path) -> None:
    """Given this environment's xgboost-cpu (no CUDA), when the GPU benchmark runs, then it exits 1
    and its result file says it was not measured instead of reporting a number."""
    done = subprocess.run([sys.executable, "-m", "bench.tuning.gpu", "--rows", "1000", "--results", str(tmp_path)],
                          cwd=REPO, capture_output=True, text=True, timeout=120)

    assert done.returncode == 1, done.stderr[-2000:]
    result = json.loads((tmp_path / "gpu.json").read_text())
    assert result["measured"] is False and result["gpu_seconds"] is None
    assert "not measured here" in (tmp_path / "gpu.md").read_text()


def test_the_prepared_script_is_valid_bash() -> None:
    """Given bench/tuning/gpu.sh, when bash parses it, then it has no syntax error."""
    assert subprocess.run(["bash", "-n", str(REPO / "bench" / "tuning" / "gpu.sh")]).returncode == 0
