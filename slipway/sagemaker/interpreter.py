"""The Python a training job runs on: the image's Python minor version with the image's own
libraries and the job's requirements.txt, never the kit's virtualenv. A module the training
requirements forget fails here as it fails in the container.

Built once per content (Python version + the packages it installs) under
~/.cache/slipway/training-envs/ (SLIPWAY_CACHE_DIR moves it), with pip from PyPI, at environment-build time only. XGBoost is
installed as `xgboost-cpu` (same module, no CUDA libraries); the cloud installs the CUDA build.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import TrainingRunnerError

log = logging.getLogger(__name__)
CACHE = Path(os.environ.get("SLIPWAY_CACHE_DIR", Path.home() / ".cache" / "slipway")) / "training-envs"
PYENV_ROOT = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
# What an image already holds before the toolkit installs requirements.txt: the PyTorch training
# DLC brings numpy, SciPy, pandas and scikit-learn (aws/deep-learning-containers,
# pytorch/training/docker/*/py3/Dockerfile.*); the XGBoost framework image also XGBoost.
_DATA_LIBRARIES = ("numpy", "pandas", "scikit-learn", "scipy")
_IMAGE_LIBRARIES = {"pytorch-training": _DATA_LIBRARIES, "sagemaker-xgboost": _DATA_LIBRARIES}
# xgboost, xgboost-cu12, xgboost-cu13: one module; here the CPU build of the same version
_HASH = re.compile(r"\s--hash[= ]\S+")
_XGBOOST = re.compile(r"^\s*xgboost(-cu\d+)?(?=\s*($|[<>=!~;\[]))", re.IGNORECASE)


class EnvironmentBuildFailed(TrainingRunnerError):
    code = "InternalServerError"


@dataclass(frozen=True)
class TrainingPython:
    python: Path
    version: str  # "3.12"
    note: str     # what was substituted, for the job log


def image_python_version(image_uri: str) -> str:
    """The Python minor the image's tag names; the kit's own minor for a tag that names none
    (the first-party algorithm images), said in the job log by the caller."""
    from slipway.jobs.errors import RenderError
    from slipway.jobs.images import image_python

    try:
        return image_python(image_uri)
    except RenderError:
        return f"{sys.version_info.major}.{sys.version_info.minor}"


def image_libraries(image_uri: str) -> list[str]:
    repository = image_uri.rsplit("/", 1)[-1].split(":", 1)[0].split("@", 1)[0]
    tag = image_uri.rsplit(":", 1)[-1] if ":" in image_uri.rsplit("/", 1)[-1] else ""
    libraries = list(_IMAGE_LIBRARIES.get(repository, ()))
    if repository == "sagemaker-xgboost":
        # tag "3.0-5": XGBoost 3.0.x, container revision 5
        version = tag.split("-", 1)[0]
        libraries.append(f"xgboost-cpu~={version}.0" if re.fullmatch(r"\d+\.\d+", version)
                         else "xgboost-cpu")
    return libraries


def local_requirements(lines: Sequence[str]) -> list[str]:
    """requirements.txt as pip reads it here: the requirements only (pip options such as a
    wheelhouse's --find-links, and --hash pins of the cloud's builds, stay with the cloud), and
    `xgboost` in any build becomes `xgboost-cpu` of the same version (same module)."""
    kept = []
    for line in lines:
        text = _HASH.sub("", line.split("#", 1)[0]).strip()
        if text and not text.startswith("-"):
            kept.append(_XGBOOST.sub("xgboost-cpu", text))
    return kept


def find_python(version: str) -> tuple[Path, str]:
    """pyenv's interpreter for `version`, else the nearest minor this machine has."""
    available = {}
    for candidate in sorted(PYENV_ROOT.glob("versions/3.*/bin/python3.*")):
        match = re.fullmatch(r"python(3\.\d+)", candidate.name)
        if match and os.access(candidate, os.X_OK):
            available.setdefault(match.group(1), candidate)
    own = f"{sys.version_info.major}.{sys.version_info.minor}"
    available.setdefault(own, Path(sys.executable))
    if version in available:
        return available[version], ""
    minor = int(version.split(".")[1])
    nearest = min(available, key=lambda v: (abs(int(v.split(".")[1]) - minor), v))
    return available[nearest], f"the image runs Python {version}, not on this machine: using {nearest}"


def training_python(image_uri: str, requirements: Sequence[str], *,
                    say: Callable[[str], None] = log.info) -> TrainingPython:
    version = image_python_version(image_uri)
    base, note = find_python(version)
    packages = image_libraries(image_uri) + local_requirements(requirements)
    used = re.search(r"python(3\.\d+)$", base.name)
    used_version = used.group(1) if used else version
    key = hashlib.sha256(json.dumps([used_version, packages]).encode()).hexdigest()[:16]
    target = CACHE / f"py{used_version}-{key}"
    python = target / "bin" / "python"
    if not python.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        with open(CACHE / f"{target.name}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # parallel trials wait for one build
            if not python.exists():
                say(f"building the training environment (Python {used_version}): "
                    f"{' '.join(packages)}")
                _build(base, target, packages)
    notes = [n for n in (note, "xgboost installed as xgboost-cpu (the cloud has the CUDA "
                               "build)" if any("xgboost-cpu" in p for p in packages) else "") if n]
    return TrainingPython(python=python, version=used_version, note="; ".join(notes))


def _build(base: Path, target: Path, packages: list[str]) -> None:
    staging = target.with_name(target.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        subprocess.run([str(base), "-m", "venv", str(staging)], check=True,
                       capture_output=True, text=True)
        if packages:
            subprocess.run([str(staging / "bin" / "python"), "-m", "pip", "install", "--quiet",
                            "--disable-pip-version-check", *packages],
                           check=True, capture_output=True, text=True)
    except subprocess.CalledProcessError as error:
        shutil.rmtree(staging, ignore_errors=True)
        tail = (error.stderr or error.stdout or "").strip().splitlines()[-3:]
        raise EnvironmentBuildFailed(
            f"could not build the training environment ({' '.join(packages)}): "
            + " | ".join(tail)) from None
    # Published whole or not at all; the venv's script shebangs keep the staging path, which is
    # why everything here runs `python -m ...`
    staging.rename(target)


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m slipway.sagemaker.interpreter SPEC [REQUIREMENTS ...]`: build ahead (make env) the
    environments the local SageMaker runs a job spec's trainer in, so no test or first job waits on
    PyPI. Defaults: the shipped spec with its requirements.txt and lock."""
    from slipway.jobs.images import training_image
    from slipway.jobs.spec import load_job_spec

    args = list(sys.argv[1:] if argv is None else argv)
    spec = load_job_spec(Path(args[0] if args else "training/jobs/xgboost-classifier.yaml"))
    image = training_image(spec.image_framework, spec.image_version, spec.region or "us-east-1",
                           spec.instance_type, spec.image_tags)
    for path in args[1:] or ["training/requirements.txt", "training/requirements.lock"]:
        built = training_python(image, Path(path).read_text().splitlines(), say=print)
        print(f"{path}: {built.python}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
