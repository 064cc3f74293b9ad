"""A stand-in trainer for the tuner's mechanics: it answers the preflight like the real one,
prints `round=<i> loss=<v>` lines and a final `loss=<v>` where v = (x - 0.3)^2 (+ 1/round while
training), can be told to fail or to print under another name, and records how many copies of
itself run at once."""
from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

FAKE_TRAIN = """
import os, pathlib, sys, time
values = {k.lstrip("-"): v for k, v in zip(sys.argv[1::2], sys.argv[2::2])}
x, steps = float(values.get("x", "0.5")), int(values.get("steps", "10"))
delay = float(values.get("delay", "0"))
if values.get("kind") == "broken" or x > float(os.environ.get("FAKE_FAIL_ABOVE", "inf")):
    failure = pathlib.Path(os.environ["SAGEMAKER_BASE_DIR"]) / "output" / "failure"
    failure.write_text(f"InvalidHyperparameter: x={x} is too large")
    sys.exit(1)
running = pathlib.Path(os.environ["FAKE_RUNNING"])
me = running / str(os.getpid())
me.touch()
with open(running.parent / "peaks", "a") as peaks:
    peaks.write(f"{len(list(running.iterdir()))}\\n")
name = "err" if values.get("quiet") == "yes" else "loss"  # quiet: the objective never shows
for step in range(1, steps + 1):
    time.sleep(delay)
    print(f"round={step} {name}={(x - 0.3) ** 2 + 1 / step:.6f}", flush=True)
me.unlink()
print(f"{name}={(x - 0.3) ** 2:.6f}", flush=True)
"""
FAKE_PREFLIGHT = """
import json, sys
json.load(sys.stdin)
json.dump({"ok": True, "task": "regression", "algorithm": "fake",
           "sample_lines": ["round=1 loss=0.5", "loss=0.25"]}, sys.stdout)
"""


@pytest.fixture
def fake_trainer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    code = tmp_path / "code"
    (code / "slipway_training").mkdir(parents=True)
    (code / "train.py").write_text(textwrap.dedent(FAKE_TRAIN))
    (code / "slipway_training" / "__init__.py").write_text("")
    (code / "slipway_training" / "preflight.py").write_text(textwrap.dedent(FAKE_PREFLIGHT))
    (tmp_path / "running").mkdir()
    monkeypatch.setenv("FAKE_RUNNING", str(tmp_path / "running"))
    return code


@pytest.fixture
def data_file(tmp_path: Path) -> Path:
    path = tmp_path / "data.csv"
    path.write_text("x,target\n1,0\n")
    return path


@pytest.fixture
def fake_spec(tmp_path: Path, fake_trainer: Path) -> Callable[..., Path]:
    def write(tuning: dict[str, Any], **static: Any) -> Path:
        document = {
            "name": "fake", "source": {"dir": str(fake_trainer)},
            "hyperparameters": {"steps": 10, **static},
            "metrics": [{"name": "loss", "regex": r"loss=([-+0-9.eE]+)"}],
            "resources": {"instance_type": "ml.m5.large"},
            "tuning": {"objective": {"metric": "loss", "type": "Minimize"},
                       "ranges": {"x": {"type": "continuous", "min": 0.0, "max": 1.0}},
                       **tuning}}
        path = tmp_path / "fake.yaml"
        path.write_text(yaml.safe_dump(document))
        return path
    return write


def peaks(tmp_path: Path) -> list[int]:
    return [int(line) for line in (tmp_path / "peaks").read_text().split()]
