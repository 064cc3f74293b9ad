"""Fixtures for the serving tests: real small artifacts, moto S3, and the serving environment."""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from slipway_serving.handlers import csv as csv_handler
from slipway_serving.handlers import http as http_handler
from slipway_serving.handlers import kinesis as kinesis_handler
from slipway_serving.s3 import new_client

from .artifacts import (DATA_BUCKET, MODELS_BUCKET, RESULTS_BUCKET, SKLEARN_BUILDERS, BuiltModel,
                        build_breast_cancer, build_iris)

POINTER_KEY = "pointers/breast-cancer.json"


@pytest.fixture(scope="session")
def binary_model(tmp_path_factory: pytest.TempPathFactory) -> BuiltModel:
    return build_breast_cancer(tmp_path_factory.mktemp("models") / "breast-cancer")


@pytest.fixture(scope="session")
def task_models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, BuiltModel]:
    """One small scikit-learn model per task, exported with skl2onnx as training/ does."""
    root = tmp_path_factory.mktemp("task-models")
    return {task: build(root / task) for task, build in SKLEARN_BUILDERS.items()}


@pytest.fixture(scope="session")
def mixed_model(task_models: dict[str, BuiltModel]) -> BuiltModel:
    """Classification with a missing-value feature and a category feature."""
    return task_models["classification"]


@pytest.fixture(scope="session")
def multiclass_model(tmp_path_factory: pytest.TempPathFactory) -> BuiltModel:
    return build_iris(tmp_path_factory.mktemp("models") / "iris")


def _reset_process_state() -> None:
    """A fresh sandbox: no runtime (so no client), and the package logger back to plain logging."""
    for module in (http_handler, kinesis_handler, csv_handler):
        module.runtime.cache_clear()
    names = [n for n in logging.root.manager.loggerDict if n == "slipway_serving" or n.startswith("slipway-")]
    for name in names:  # Powertools loggers are per process and keep the stream they were made with
        logger = logging.getLogger(name)
        for handler in list(logger.handlers):
            logger.removeHandler(handler)
        logger.propagate, logger.level = True, logging.NOTSET
        for attribute in ("init", "powertools_handler"):
            logger.__dict__.pop(attribute, None)


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """moto's in-process S3 with the models and results buckets; no network, no credentials.

    The handlers' runtimes make their own clients, on the same moto S3; a test that intercepts
    their calls patches ``<handler>.runtime().s3.client()``."""
    from moto import mock_aws

    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    _reset_process_state()
    with mock_aws():
        client = new_client()
        client.create_bucket(Bucket=MODELS_BUCKET)
        client.create_bucket(Bucket=RESULTS_BUCKET)
        client.create_bucket(Bucket=DATA_BUCKET)
        yield client
    _reset_process_state()


Publish = Callable[..., dict[str, Any]]


@pytest.fixture
def publish(s3: Any) -> Publish:
    """Upload an archive (the model's own by default), then the pointer to it, as promotion does."""

    def _publish(model: BuiltModel, *, version: str = "20261121T094500Z-1a2b3c4d",
                 archive: bytes | None = None, pointer_sha256: str | None = None) -> dict[str, Any]:
        data = model.archive if archive is None else archive
        s3.put_object(Bucket=MODELS_BUCKET, Key=model.key(version), Body=data)
        pointer = model.pointer(version, archive=data)
        if pointer_sha256 is not None:
            pointer["sha256"] = pointer_sha256
        s3.put_object(Bucket=MODELS_BUCKET, Key=POINTER_KEY, Body=orjson.dumps(pointer))
        return pointer

    return _publish


@pytest.fixture
def serving_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, s3: Any) -> dict[str, str]:
    env = {"SLIPWAY_MODEL_BUCKET": MODELS_BUCKET, "SLIPWAY_MODEL_POINTER_KEY": POINTER_KEY,
           "SLIPWAY_RESULTS_BUCKET": RESULTS_BUCKET, "SLIPWAY_MODEL_CACHE_DIR": str(tmp_path / "cache")}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    for name in ("SLIPWAY_RESULTS_PREFIX", "SLIPWAY_REJECTS_PREFIX", "SLIPWAY_PREDICTIONS_PREFIX",
                 "SLIPWAY_BATCH_PREFIX", "SLIPWAY_POINTER_TTL_SECONDS", "POWERTOOLS_SERVICE_NAME",
                 "POWERTOOLS_METRICS_NAMESPACE", "POWERTOOLS_LOG_LEVEL", "AWS_LAMBDA_LOG_LEVEL"):
        monkeypatch.delenv(name, raising=False)
    return env
