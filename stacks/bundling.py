"""Lambda bundles without docker: pip installs wheels for the Lambda platform into the asset.

The bundle is the function's source package plus its requirements, installed with pip's
cross-platform options (manylinux wheels for Amazon Linux 2023, the runtime's Python), trimmed,
and byte-compiled when an interpreter of the runtime's version is at hand (a cold start without
.pyc files roughly doubles, FINDINGS.md). Bundles are cached by content, so an unchanged synth
reinstalls nothing.

Trimming removes only what nothing imports when a function runs: test suites, type stubs, C
headers, console scripts, pip's file lists, ONNX Runtime's C-API library (its Python bindings
embed the runtime) and its offline tools with the packages only they use. A test imports every
handler from a trimmed bundle, with nothing else on ``sys.path``, and runs each once.
"""
from __future__ import annotations

import compileall
import hashlib
import io
import os
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

# Amazon Linux 2023 ships glibc 2.34; pip matches platform tags exactly, so list each one we accept.
_GLIBC_MINORS = (34, 28, 27, 24, 17)
_MACHINE = {"x86_64": "x86_64", "arm64": "aarch64"}
_TRIM_DIRS = {"__pycache__", "tests", "test"}  # anywhere (numpy.testing, a runtime module, stays)
_TRIM_SUFFIXES = (".pyi", ".pxd", ".pyx")  # type stubs and Cython declarations
# Relative to the bundle root (glob patterns), each never imported by a serving function.
_TRIM_PATHS = (
    "bin",  # console scripts
    "*.dist-info/RECORD",  # pip's file list; importlib.metadata reads METADATA and entry points
    "numpy/f2py", "numpy/_pyinstaller", "numpy/_core/include", "numpy/_core/lib", "numpy/random/lib",
    "numpy/random/_examples", "numpy/_core/_*_tests.cpython-*",  # build tools, headers, test modules
    "onnxruntime/capi/libonnxruntime.so*",  # the C API for other languages: the bindings embed ORT
    "onnxruntime/transformers", "onnxruntime/quantization", "onnxruntime/tools", "onnxruntime/datasets",
    "onnxruntime/backend",  # offline tools and the onnx-package backend
    "google", "protobuf-*.dist-info", "flatbuffers", "flatbuffers-*.dist-info",  # used only by those tools
)
# Unzipped limit for a function's code and layers, per the Lambda quotas page.
LAMBDA_UNZIPPED_LIMIT_BYTES = 250 * 1024 * 1024


class BundlingError(RuntimeError):
    pass


@dataclass(frozen=True)
class BundleSpec:
    source: Path  # the package directory to ship, e.g. lambdas/slipway_serving
    requirements: Path | None
    python_version: str  # "3.12"
    architecture: str  # "x86_64" | "arm64"

    def platforms(self) -> list[str]:
        machine = _MACHINE[self.architecture]
        tags = [f"manylinux_2_{minor}_{machine}" for minor in _GLIBC_MINORS]
        return tags + [f"manylinux2014_{machine}"]


@dataclass(frozen=True)
class Bundle:
    path: Path
    unzipped_bytes: int


def default_cache_dir() -> Path:
    return Path(os.environ.get("SLIPWAY_CACHE_DIR", Path.home() / ".cache" / "slipway")) / "bundles"


def _tree_digest(root: Path, digest: "hashlib._Hash") -> None:
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())


def bundle_key(spec: BundleSpec, *, with_dependencies: bool) -> str:
    digest = hashlib.sha256()
    digest.update(f"{spec.python_version}|{spec.architecture}|{with_dependencies}|v1".encode())
    digest.update(repr((sorted(_TRIM_DIRS), _TRIM_SUFFIXES, _TRIM_PATHS)).encode())  # new rules, new bundle
    if with_dependencies and spec.requirements is not None:
        digest.update(spec.requirements.read_bytes())
    _tree_digest(spec.source, digest)
    return digest.hexdigest()[:32]


def pip_install(spec: BundleSpec, target: Path) -> None:
    command = [
        sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
        "--no-compile", "--only-binary=:all:", "--implementation", "cp",
        "--python-version", spec.python_version, "--target", str(target),
        "-r", str(spec.requirements),
    ]
    for platform in spec.platforms():
        command += ["--platform", platform]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise BundlingError(
            f"pip could not install {spec.requirements} for {spec.architecture} Python "
            f"{spec.python_version} (manylinux wheels only, no docker):\n{result.stderr[-2000:]}"
        )


def trim(root: Path) -> None:
    """Remove from an installed bundle what no serving function imports (see the module doc)."""
    for pattern in _TRIM_PATHS:
        for path in root.glob(pattern):
            _remove(path)
    for path in sorted(root.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        if path.is_dir() and path.name in _TRIM_DIRS or path.is_file() and path.suffix in _TRIM_SUFFIXES:
            _remove(path)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def compile_for_runtime(root: Path, python_version: str) -> None:
    """.pyc files are only valid for the interpreter version that wrote them."""
    if f"{sys.version_info.major}.{sys.version_info.minor}" == python_version:
        compileall.compile_dir(str(root), quiet=1, optimize=0, workers=1)
        return
    interpreter = shutil.which(f"python{python_version}")
    if interpreter:
        subprocess.run([interpreter, "-m", "compileall", "-q", str(root)], check=True)


def _size(root: Path) -> int:
    return sum(path.stat().st_size for path in root.rglob("*") if path.is_file())


def zipped_size(root: Path, *, compresslevel: int = 6) -> int:
    """Bytes of ``root`` as a deflated zip, as Lambda receives a code asset."""
    sink = _CountingSink()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as archive:
        for path in sorted(root.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(root).as_posix())
    return sink.size


class _CountingSink(io.RawIOBase):
    """A write-only stream that keeps only the count of bytes written."""

    def __init__(self) -> None:
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self.size += len(data)
        return len(data)


def build_bundle(spec: BundleSpec, *, with_dependencies: bool = True, cache_dir: Path | None = None) -> Bundle:
    cache = cache_dir or default_cache_dir()
    final = cache / bundle_key(spec, with_dependencies=with_dependencies)
    if final.is_dir():
        return Bundle(final, _size(final))
    cache.mkdir(parents=True, exist_ok=True)
    staging = cache / f".{final.name}.{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        if with_dependencies and spec.requirements is not None:
            pip_install(spec, staging)
        shutil.copytree(spec.source, staging / spec.source.name,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        trim(staging)
        compile_for_runtime(staging, spec.python_version)
        size = _size(staging)
        if size > LAMBDA_UNZIPPED_LIMIT_BYTES:
            raise BundlingError(
                f"the bundle for {spec.source.name} is {size / 2**20:.0f} MiB unzipped; "
                f"Lambda allows {LAMBDA_UNZIPPED_LIMIT_BYTES / 2**20:.0f} MiB"
            )
        # Rename last so a half-built bundle is never picked up as a cache hit.
        try:
            staging.rename(final)
        except OSError:
            if not final.is_dir():
                raise
            shutil.rmtree(staging, ignore_errors=True)  # a concurrent synth finished first
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return Bundle(final, size)
