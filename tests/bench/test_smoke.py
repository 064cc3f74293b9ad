"""`python -m bench --smoke` is how CI keeps the benchmarks from rotting (issue 11)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench import __main__ as runner

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.e2e  # real subprocesses and the emulator's S3 over HTTP


def test_every_benchmark_runs_end_to_end_at_smoke_size(tmp_path: Path) -> None:
    """Given the benchmarks at HEAD, when `python -m bench --smoke` runs them all, then it exits 0
    and every area that has a smoke mode wrote its result file."""
    done = subprocess.run([sys.executable, "-m", "bench", "--smoke", "--results", str(tmp_path)], cwd=REPO,
                          capture_output=True, text=True, timeout=600)

    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    for area in set(runner.AREAS) - set(runner.SMOKE_PENDING):
        assert (tmp_path / f"{area}.json").is_file(), f"bench/{area} wrote no result"
    serving = json.loads((tmp_path / "serving.json").read_text())
    split = serving["results"]["xgboost"]["slipway"]["cold_split_ms"]
    assert split["client"] > 0 and split["artifact"] > 0, "the cold start must pay the S3 client and the GETs"
    assert "smoke" in (tmp_path / "serving.md").read_text().lower()


def _area(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, body: str) -> str:
    package = tmp_path / "fakebench" / name
    package.mkdir(parents=True)
    (tmp_path / "fakebench" / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    (package / "__main__.py").write_text(body)
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    return f"fakebench.{name}"


def test_a_child_that_fails_fails_the_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Given a benchmark whose child process raises (as bench/serving did when it patched a removed
    module attribute), when the runner runs it, then it reports the area as failed."""
    module = _area(tmp_path, monkeypatch, "broken", "from slipway_serving.handlers import http\nhttp.s3_client\n")

    why = runner.run_area("broken", smoke=True, results=tmp_path / "results", module=module)

    assert why == "broken exited with 1"


def test_a_child_that_writes_no_result_fails_the_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Given a benchmark that exits 0 without writing its result file, when the runner runs it,
    then the missing result fails the area."""
    module = _area(tmp_path, monkeypatch, "silent", "import sys\nsys.exit(0)\n")
    (tmp_path / "results").mkdir()

    why = runner.run_area("silent", smoke=True, results=tmp_path / "results", module=module)

    assert why is not None and why.startswith("silent wrote no ") and why.endswith("silent.json")
