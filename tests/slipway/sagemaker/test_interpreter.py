"""The trainer's Python: the image's libraries and the code's requirements, XGBoost's CPU build."""
from __future__ import annotations

from pathlib import Path

import pytest

from slipway.sagemaker import interpreter

DLC = ("763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:"
       "2.8.0-gpu-py312-cu129-ubuntu22.04-sagemaker")


def test_every_xgboost_build_installs_as_the_cpu_build_with_the_same_bound() -> None:
    lines = ["# comment", "xgboost-cu12>=3.4", "xgboost==3.2.0  # pinned", "xgboost-cu13",
             "xgboostx==1", "onnx==1.23.2 --hash=sha256:7abf", "--find-links wheelhouse", ""]

    assert interpreter.local_requirements(lines) == [
        "xgboost-cpu>=3.4", "xgboost-cpu==3.2.0", "xgboost-cpu", "xgboostx==1", "onnx==1.23.2"]


def test_the_pytorch_dlc_brings_the_data_libraries_and_its_python() -> None:
    assert interpreter.image_libraries(DLC) == ["numpy", "pandas", "scikit-learn", "scipy"]
    assert interpreter.image_python_version(DLC) == "3.12"


def test_a_python_this_machine_lacks_falls_back_to_the_nearest_and_says_so(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for version in ("3.11.7", "3.13.0"):
        binary = tmp_path / "versions" / version / "bin" / f"python{version[:4]}"
        binary.parent.mkdir(parents=True)
        binary.write_text("")
        binary.chmod(0o755)
    monkeypatch.setattr(interpreter, "PYENV_ROOT", tmp_path)

    python, note = interpreter.find_python("3.13")
    nearest, why = interpreter.find_python("3.14")

    assert (python.name, note) == ("python3.13", "")
    assert nearest.name == "python3.13"
    assert why == "the image runs Python 3.14, not on this machine: using 3.13"
