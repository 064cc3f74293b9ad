"""Sending a rendered request: the code goes to S3 first (sagemaker_submit_directory), then the
create call. Clients come from the caller (created lazily there), never at import time."""
from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from .errors import RenderError
from .lock import read_lock
from .source import pack_source, source_files

LOCK = "requirements.lock"

Clients = Callable[[str], Any]


def _split(uri: str) -> tuple[str, str]:
    parsed = urlparse(uri)
    if parsed.scheme != "s3" or not parsed.netloc or not parsed.path.strip("/"):
        raise RenderError(f"expected s3://bucket/key, got {uri!r}")
    return parsed.netloc, parsed.path.lstrip("/")


def submit_directory(request: Mapping[str, Any]) -> str:
    hyperparameters = request.get("HyperParameters") or \
        request["TrainingJobDefinition"]["StaticHyperParameters"]
    return str(json.loads(hyperparameters["sagemaker_submit_directory"]))


def _locked_copy(source_dir: Path, scratch: Path) -> Path:
    """The code with requirements.txt replaced by the lock's pins, so the container installs the
    versions the pipeline ships, not whatever PyPI has today."""
    lock = source_dir / LOCK
    if not lock.is_file():
        return source_dir
    pins = read_lock(lock, source_dir / "requirements.txt")
    staged = scratch / "code"
    for path in source_files(source_dir):
        target = staged / path.relative_to(source_dir)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    (staged / "requirements.txt").write_text("".join(f"{p.name}=={p.version}\n" for p in pins))
    return staged


def upload_source(clients: Clients, source_dir: Path, uri: str) -> str:
    bucket, key = _split(uri)
    with tempfile.TemporaryDirectory() as scratch:
        archive = Path(scratch) / "sourcedir.tar.gz"
        digest = pack_source(_locked_copy(source_dir, Path(scratch)), archive)
        clients("s3").upload_file(str(archive), bucket, key)
    return digest


def send_training_job(clients: Clients, request: Mapping[str, Any], source_dir: Path) -> str:
    upload_source(clients, source_dir, submit_directory(request))
    return str(clients("sagemaker").create_training_job(**request)["TrainingJobArn"])


def send_tuning_job(clients: Clients, request: Mapping[str, Any], source_dir: Path) -> str:
    upload_source(clients, source_dir, submit_directory(request))
    answer = clients("sagemaker").create_hyper_parameter_tuning_job(**request)
    return str(answer["HyperParameterTuningJobArn"])
