"""The trainer's code as the pipeline ships it: sourcedir.tar.gz with a wheelhouse inside.

The pipeline's jobs run with network isolation, so the training container cannot reach PyPI when
the toolkit pip-installs requirements.txt. The archive therefore carries the wheels of those
requirements for the container's Python and platform (`wheelhouse/`), and the jobs set
PIP_NO_INDEX / PIP_FIND_LINKS so that pip installs from there. Wheels the image already provides
(its numpy, pandas, SciPy, scikit-learn, pyarrow) are left out; pip sees them installed.

Built deterministically and cached by content (like the Lambda bundles), so an unchanged synth
downloads nothing and the asset hash is stable.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path

from slipway.jobs.source import pack_source, source_files

from stacks.bundling import default_cache_dir

WHEELHOUSE = "wheelhouse"
CODE_DIR = "/opt/ml/code"  # where the toolkit unpacks the archive
# The Python and glibc of each training image the pipeline knows (sagemaker-xgboost-container:
# docker/3.0-5 is Ubuntu 20.04, glibc 2.31, conda Python 3.10, x86_64).
IMAGE_PLATFORMS = {("xgboost", "3.0-5"): ("3.10", ("manylinux_2_31_x86_64", "manylinux_2_28_x86_64",
                                                   "manylinux_2_27_x86_64", "manylinux_2_24_x86_64",
                                                   "manylinux_2_17_x86_64", "manylinux2014_x86_64"))}
PROVIDED_BY_IMAGE = ("numpy", "pandas", "scipy", "scikit_learn", "pyarrow")
PIP_ENVIRONMENT = {"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": f"{CODE_DIR}/{WHEELHOUSE}",
                   "PIP_DISABLE_PIP_VERSION_CHECK": "1"}


class TrainingSourceError(RuntimeError):
    pass


@dataclass(frozen=True)
class TrainingSource:
    archive: Path
    sha256: str
    wheels: tuple[str, ...]


def _key(source_dir: Path, python: str, with_wheels: bool) -> str:
    digest = hashlib.sha256(f"{python}|{with_wheels}|{PROVIDED_BY_IMAGE}|v1".encode())
    for path in source_files(source_dir):
        digest.update(path.relative_to(source_dir).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:32]


def _download_wheels(requirements: Path, target: Path, python: str, platforms: tuple[str, ...]) -> None:
    command = [sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
               "--only-binary=:all:", "--implementation", "cp", "--python-version", python,
               "--dest", str(target), "-r", str(requirements)]
    for platform in platforms:
        command += ["--platform", platform]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise TrainingSourceError(f"pip could not download the wheels of {requirements} for the training "
                                  f"image (Python {python}, no docker):\n{result.stderr[-2000:]}")
    for wheel in target.glob("*.whl"):
        if wheel.name.split("-", 1)[0].lower() in PROVIDED_BY_IMAGE:
            wheel.unlink()


def build_training_source(source_dir: Path, *, image: tuple[str, str], with_wheels: bool = True,
                          cache_dir: Path | None = None) -> TrainingSource:
    """sourcedir.tar.gz for `source_dir` (training/), with the wheelhouse when `with_wheels`."""
    if image not in IMAGE_PLATFORMS:
        raise TrainingSourceError(f"no Python/platform known for the {image[0]} {image[1]} training image; "
                                  "add it to stacks.training_source.IMAGE_PLATFORMS")
    python, platforms = IMAGE_PLATFORMS[image]
    cache = (cache_dir or default_cache_dir().parent / "training-sources")
    final = cache / f"{_key(source_dir, python, with_wheels)}.tar.gz"
    if not final.is_file():
        cache.mkdir(parents=True, exist_ok=True)
        staging = cache / f".{final.name}.{os.getpid()}"
        shutil.rmtree(staging, ignore_errors=True)
        try:
            for path in source_files(source_dir):
                destination = staging / path.relative_to(source_dir)
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, destination)
            requirements = staging / "requirements.txt"
            if with_wheels and requirements.is_file():
                _download_wheels(requirements, staging / WHEELHOUSE, python, platforms)
            partial = final.with_suffix(f".{os.getpid()}.partial")
            pack_source(staging, partial)
            partial.replace(final)  # last, so a half-written archive is never a cache hit
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    wheels = tuple(sorted(_wheel_names(final)))
    return TrainingSource(archive=final, sha256=hashlib.sha256(final.read_bytes()).hexdigest(), wheels=wheels)


def _wheel_names(archive: Path) -> list[str]:
    with tarfile.open(archive, "r:gz") as tar:
        return [Path(name).name for name in tar.getnames() if name.startswith(f"{WHEELHOUSE}/")]
