from __future__ import annotations

import io
import json
import tarfile
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from slipway_pipeline.clients import s3_client
from slipway_pipeline.config import PipelineConfig

BUCKET = "slipway-models"
ENV = {
    "SLIPWAY_MODEL_BUCKET": BUCKET,
    "SLIPWAY_MODELS_PREFIX": "models/churn/",
    "SLIPWAY_MODEL_POINTER_KEY": "pointers/churn.json",
    "SLIPWAY_CANDIDATE_PREFIX": "training/churn/",
    "SLIPWAY_OBJECTIVE_METRIC": "validation:auc",
    "SLIPWAY_OBJECTIVE_TYPE": "Maximize",
    "SLIPWAY_PROMOTION_TOLERANCE": "0",
}


def model_archive(metrics: dict[str, Any] | None, *, model_name: str = "churn", extra: bytes = b"onnx") -> bytes:
    """A model.tar.gz as SageMaker packs it: files at the archive root."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        files = {"model.onnx": extra}
        if metrics is not None:
            files["manifest.json"] = json.dumps({"schema_version": 1, "model_name": model_name,
                                                 "metrics": metrics}).encode()
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        s3_client.cache_clear()
        yield client
    s3_client.cache_clear()


@pytest.fixture
def config() -> PipelineConfig:
    return PipelineConfig.from_env(ENV)


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    return ENV


def put_candidate(s3: Any, metrics: dict[str, Any] | None, job: str = "churn-1a2b3c4d-final") -> str:
    key = f"training/churn/{job}/output/model.tar.gz"
    s3.put_object(Bucket=BUCKET, Key=key, Body=model_archive(metrics))
    return f"s3://{BUCKET}/{key}"


def put_serving(s3: Any, metrics: dict[str, Any], version: str = "20260101T000000Z-00000000") -> None:
    key = f"models/churn/{version}/model.tar.gz"
    s3.put_object(Bucket=BUCKET, Key=key, Body=model_archive(metrics))
    s3.put_object(Bucket=BUCKET, Key="pointers/churn.json", Body=json.dumps({
        "schema_version": 1, "model_name": "churn", "version": version, "uri": f"s3://{BUCKET}/{key}",
        "sha256": "0" * 64, "promoted_at": "2026-01-01T00:00:00Z"}).encode())
