"""Sending a rendered request: the code goes to S3 first (sagemaker_submit_directory), then the
create call. Clients come from the caller (created lazily there), never at import time."""
from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from .errors import RenderError
from .source import pack_source

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


def upload_source(clients: Clients, source_dir: Path, uri: str) -> str:
    bucket, key = _split(uri)
    with tempfile.TemporaryDirectory() as scratch:
        archive = Path(scratch) / "sourcedir.tar.gz"
        digest = pack_source(source_dir, archive)
        clients("s3").upload_file(str(archive), bucket, key)
    return digest


def send_training_job(clients: Clients, request: Mapping[str, Any], source_dir: Path) -> str:
    upload_source(clients, source_dir, submit_directory(request))
    return str(clients("sagemaker").create_training_job(**request)["TrainingJobArn"])


def send_tuning_job(clients: Clients, request: Mapping[str, Any], source_dir: Path) -> str:
    upload_source(clients, source_dir, submit_directory(request))
    answer = clients("sagemaker").create_hyper_parameter_tuning_job(**request)
    return str(answer["HyperParameterTuningJobArn"])
