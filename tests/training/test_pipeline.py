from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from slipway_training import pipeline
from slipway_training.env import TrainingEnv
from slipway_training.errors import UnsupportedConfiguration
from slipway_training.hyperparameters import Hyperparameters

from .schema import manifest_errors, sha256_mismatches

CREATED_AT = datetime(2026, 11, 21, 9, 45, tzinfo=timezone.utc)


def test_a_run_writes_the_contract_model_directory(
        training_env: TrainingEnv, iris_channel: Path, capsys: pytest.CaptureFixture[str]) -> None:
    hp = Hyperparameters(num_round=10, model_name="iris")

    path = pipeline.run(training_env, hp, created_at=CREATED_AT)

    manifest = json.loads(path.read_text())
    assert sorted(p.name for p in training_env.model_dir.iterdir()) == [
        "manifest.json", "metrics.json", "model.onnx", "model.ubj"]
    assert manifest_errors(manifest) == []
    assert sha256_mismatches(manifest, training_env.model_dir) == []
    assert manifest["created_at"] == "2026-11-21T09:45:00Z"
    assert manifest["classes"] == ["setosa", "versicolor", "virginica"]
    assert manifest["files"]["model.ubj"]["format"] == "xgboost-ubj"
    assert manifest["hyperparameters"]["num_round"] == 10
    assert manifest["data"] == {"fingerprint": manifest["data"]["fingerprint"], "rows": 150,
                                "train_rows": 120, "validation_rows": 30}
    assert set(manifest["versions"]) >= {"python", "xgboost", "onnx", "onnxmltools"}
    metrics_json = json.loads((training_env.model_dir / "metrics.json").read_text())
    assert manifest["metrics"] == metrics_json
    printed = capsys.readouterr().out.splitlines()
    assert printed == [f"{name}={value:.6g}" for name, value in metrics_json.items()]


def test_integer_classes_stay_integers_in_the_manifest(
        training_env: TrainingEnv, breast_cancer_channel: Path) -> None:
    path = pipeline.run(training_env, Hyperparameters(num_round=5), created_at=CREATED_AT)

    manifest = json.loads(path.read_text())
    assert manifest["classes"] == [0, 1]
    assert "validation:auc" in manifest["metrics"]
    assert manifest_errors(manifest) == []


def test_more_than_one_host_is_refused(base_dir: Path, iris_channel: Path) -> None:
    env = TrainingEnv.from_environ({"SAGEMAKER_BASE_DIR": str(base_dir),
                                    "SM_HOSTS": '["algo-1", "algo-2"]'})

    with pytest.raises(UnsupportedConfiguration) as caught:
        pipeline.run(env, Hyperparameters(num_round=5))

    assert caught.value.message == (
        "distributed training is not supported: got 2 hosts; use 1 instance")
    assert not env.model_dir.exists()
