"""Lambda's Python runtimes on this machine: the interpreter a runtime names, and the runtime's own
packages in a directory of their own, as Lambda keeps them apart from the function's code.

In Lambda the runtime's packages (boto3, botocore, awslambdaric, the runtime interface client the
Python base images run, and its simplejson) are on the search path after the task root
(https://docs.aws.amazon.com/lambda/latest/dg/python-package.html#python-package-searchpath).
Here they are installed once per runtime with pip --target into ~/.cache/slipway/lambda-runtimes,
keyed by the runtime and the pinned versions, and shared by every sandbox of that runtime.
"""
from __future__ import annotations

import fcntl
import glob
import hashlib
import os
import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from slipway.errors import SlipwayError

# The SDK the Lambda runtimes include is listed per runtime at
# https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html ("Runtime-included SDK
# versions") and moves with AWS's runtime updates; the pin is the one the kit itself is tested with.
# awslambdaric 4.2.2 is the client FINDINGS.md measured against the loopback Runtime API.
RUNTIME_PACKAGES = ("boto3==1.44.8", "botocore==1.44.8", "awslambdaric==4.2.2", "simplejson==4.3.0")
PYTHON_RUNTIMES = ("python3.9", "python3.10", "python3.11", "python3.12", "python3.13", "python3.14")


class RuntimeUnavailable(SlipwayError):
    """The function's runtime cannot run on this machine; the message says why and what to do."""


@dataclass(frozen=True)
class PythonRuntime:
    name: str  # "python3.12"
    interpreter: Path
    packages: Path  # the runtime directory (LAMBDA_RUNTIME_DIR)


def _version(runtime: str) -> str:
    if runtime not in PYTHON_RUNTIMES:
        raise RuntimeUnavailable(f"runtime {runtime!r} is not a Python runtime Slipway runs locally "
                                 f"(it runs {', '.join(PYTHON_RUNTIMES)})")
    return runtime.removeprefix("python")


@lru_cache(maxsize=None)
def find_interpreter(runtime: str) -> Path:
    """The machine's Python of the runtime's version: pyenv's first, then python3.X on PATH."""
    version = _version(runtime)
    pyenv_root = os.environ.get("PYENV_ROOT", str(Path.home() / ".pyenv"))
    candidates = sorted(glob.glob(f"{pyenv_root}/versions/{version}.*/bin/python{version}"), reverse=True)
    candidates += [p for p in (shutil.which(f"python{version}"),) if p]
    for candidate in candidates:
        probe = subprocess.run([candidate, "-S", "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                               capture_output=True, text=True)  # pyenv's shims exist but may refuse
        if probe.returncode == 0 and probe.stdout.strip() == version:
            return Path(candidate)
    raise RuntimeUnavailable(f"the function's runtime is {runtime}, and this machine has no Python {version} "
                             f"(install it, e.g. `pyenv install {version}`, or deploy the function on a runtime "
                             "the machine has)")


def cache_root() -> Path:
    return Path(os.environ.get("SLIPWAY_CACHE_DIR", Path.home() / ".cache" / "slipway")) / "lambda-runtimes"


def runtime_packages(runtime: str, interpreter: Path) -> Path:
    """The runtime directory, built once per content (runtime, pins); safe across processes."""
    key = hashlib.sha256(f"{runtime}|{'|'.join(RUNTIME_PACKAGES)}|v1".encode()).hexdigest()[:16]
    target = cache_root() / f"{runtime}-{key}"
    if (target / ".complete").is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / f".{target.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one builder; the others wait and reuse its result
        if (target / ".complete").is_file():
            return target
        staging = target.with_name(target.name + f".{os.getpid()}.partial")
        shutil.rmtree(staging, ignore_errors=True)
        result = subprocess.run([str(interpreter), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                                 "--no-warn-script-location", "--target", str(staging), *RUNTIME_PACKAGES],
                                capture_output=True, text=True)
        if result.returncode != 0:
            shutil.rmtree(staging, ignore_errors=True)
            raise RuntimeUnavailable(f"could not install {runtime}'s runtime packages ({', '.join(RUNTIME_PACKAGES)}) "
                                     f"with {interpreter}: {result.stderr.strip()[-800:]}")
        (staging / ".complete").write_text("\n".join(RUNTIME_PACKAGES) + "\n")
        shutil.rmtree(target, ignore_errors=True)
        staging.rename(target)
    return target


def python_runtime(runtime: str) -> PythonRuntime:
    interpreter = find_interpreter(runtime)
    return PythonRuntime(runtime, interpreter, runtime_packages(runtime, interpreter))


def main() -> None:
    """`python -m slipway.local.runtimes python3.12 ...`: build runtime directories ahead (make env)."""
    import sys

    for runtime in sys.argv[1:] or ["python3.12"]:
        try:
            print(f"{runtime}: {python_runtime(runtime).packages}")
        except RuntimeUnavailable as error:
            print(f"{runtime}: {error}", file=sys.stderr)


if __name__ == "__main__":
    main()
