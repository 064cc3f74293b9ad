"""The trainer's code as the pipeline ships it: sourcedir.tar.gz with a wheelhouse inside.

The pipeline's jobs run with network isolation, so the training container cannot reach PyPI when
the toolkit pip-installs requirements.txt. The archive therefore carries the wheels of
training/requirements.lock (exact versions and hashes, resolved once for the image's Python and
OS by `python -m slipway.jobs.lock`: the same bytes on every synth), its requirements.txt is that
lock's pins, and the jobs set PIP_NO_INDEX / PIP_FIND_LINKS / PIP_NO_DEPS so that pip installs
exactly those wheels: the lock is the whole closure apart from what the image provides (its
numpy, SciPy, pandas, scikit-learn) and holds setuptools and wheel, which pip would otherwise try
to fetch to install anything from source.

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

from slipway.jobs.errors import JobError
from slipway.jobs.images import image_platforms, image_python
from slipway.jobs.lock import Pin, read_lock
from slipway.jobs.source import pack_source, source_files

from stacks.bundling import default_cache_dir

WHEELHOUSE = "wheelhouse"
CODE_DIR = "/opt/ml/code"  # where the toolkit unpacks the archive
LOCK = "requirements.lock"
PIP_ENVIRONMENT = {"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": f"{CODE_DIR}/{WHEELHOUSE}",
                   "PIP_NO_DEPS": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}


class TrainingSourceError(RuntimeError):
    pass


@dataclass(frozen=True)
class TrainingSource:
    archive: Path
    sha256: str
    wheels: tuple[str, ...]


def _key(source_dir: Path, python: str, platforms: tuple[str, ...], with_wheels: bool) -> str:
    digest = hashlib.sha256(f"{python}|{platforms}|{with_wheels}|v2".encode())
    for path in source_files(source_dir):
        digest.update(path.relative_to(source_dir).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:32]


def _download_wheels(pins: list[Pin], target: Path, python: str, platforms: tuple[str, ...]) -> None:
    target.mkdir(parents=True, exist_ok=True)
    hashed = target.parent / ".hashed-requirements.txt"
    hashed.write_text("".join(f"{pin.line()}\n" for pin in pins))
    command = [sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
               "--no-deps", "--require-hashes", "--only-binary=:all:", "--implementation", "cp",
               "--python-version", python, "--dest", str(target), "-r", str(hashed)]
    for platform in platforms:
        command += ["--platform", platform]
    result = subprocess.run(command, capture_output=True, text=True)
    hashed.unlink()
    if result.returncode != 0:
        raise TrainingSourceError(f"pip could not download the locked wheels for the training image "
                                  f"(Python {python}, no docker):\n{result.stderr[-2000:]}")


def build_training_source(source_dir: Path, *, image_uri: str, with_wheels: bool = True,
                          cache_dir: Path | None = None) -> TrainingSource:
    """sourcedir.tar.gz for `source_dir` (training/), with the wheelhouse when `with_wheels`, for the
    image `image_uri` (any region's: the tag decides the Python and the OS)."""
    try:
        python, platforms = image_python(image_uri), image_platforms(image_uri)
        pins = read_lock(source_dir / LOCK, source_dir / "requirements.txt") if with_wheels else []
    except JobError as error:
        raise TrainingSourceError(error.message) from None
    cache = (cache_dir or default_cache_dir().parent / "training-sources")
    final = cache / f"{_key(source_dir, python, platforms, with_wheels)}.tar.gz"
    if not final.is_file():
        cache.mkdir(parents=True, exist_ok=True)
        staging = cache / f".{final.name}.{os.getpid()}"
        shutil.rmtree(staging, ignore_errors=True)
        try:
            for path in source_files(source_dir):
                destination = staging / path.relative_to(source_dir)
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, destination)
            if with_wheels:
                # What the toolkit installs is exactly the lock (no hashes: the image's own
                # numpy & co. are not in it, and pip's hash mode would ask for them)
                (staging / "requirements.txt").write_text(
                    "".join(f"{pin.name}=={pin.version}\n" for pin in pins))
                _download_wheels(pins, staging / WHEELHOUSE, python, platforms)
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
