from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from slipway_training import pipeline
from slipway_training.env import TrainingEnv
from slipway_training.errors import UnsupportedConfiguration
from slipway_training.hyperparameters import Hyperparameters

from .datasets import write_parquet, iris_frame
from .schema import manifest_errors, sha256_mismatches

CREATED_AT = datetime(2026, 11, 21, 9, 45, tzinfo=timezone.utc)


def test_a_run_writes_the_contract_model_directory(
        training_env: TrainingEnv, iris_channel: Path, capsys: pytest.CaptureFixture[str]) -> None:
    hp = Hyperparameters(num_round=10, model_name="iris")

    result = pipeline.run(training_env, hp, created_at=CREATED_AT)

    manifest = json.loads(result.manifest_path.read_text())
    assert sorted(p.name for p in training_env.model_dir.iterdir()) == [
        "manifest.json", "metrics.json", "model.onnx", "model.ubj"]
    assert manifest_errors(manifest) == []
    assert sha256_mismatches(manifest, training_env.model_dir) == []
    assert manifest["created_at"] == "2026-11-21T09:45:00Z"
    assert manifest["classes"] == ["setosa", "versicolor", "virginica"]
    assert manifest["files"]["model.ubj"]["format"] == "xgboost-ubj"
    assert manifest["hyperparameters"]["num_round"] == 10
    assert manifest["data"] == {"fingerprint": manifest["data"]["fingerprint"], "rows": 150,
                                "formats": ["csv"], "train_rows": 120, "validation_rows": 30}
    assert manifest["training"] == {"rounds": 10, "device": "cpu", "warm_start_rounds": 0,
                                    "resumed_from_round": None, "best_round": 10}
    assert set(manifest["versions"]) >= {"python", "xgboost", "onnx", "onnxmltools", "skl2onnx"}
    metrics_json = json.loads((training_env.model_dir / "metrics.json").read_text())
    assert manifest["metrics"] == metrics_json
    printed = [line for line in capsys.readouterr().out.splitlines()
               if not line.startswith("round=")]
    assert printed == [f"{name}={value:.6g}" for name, value in metrics_json.items()]


def test_a_scikit_learn_family_ships_only_the_graph(
        training_env: TrainingEnv, train_channel: Path) -> None:
    write_parquet(iris_frame(), train_channel / "iris.parquet")

    result = pipeline.run(training_env, Hyperparameters(algorithm="naive_bayes"),
                          created_at=CREATED_AT)

    manifest = json.loads(result.manifest_path.read_text())
    assert sorted(manifest["files"]) == ["metrics.json", "model.onnx"]
    assert manifest["data"]["formats"] == ["parquet"]
    assert manifest["hyperparameters"] == {
        "algorithm": "naive_bayes", "categorical": "", "model_name": "model", "seed": 42,
        "target": "target", "task": "classification", "validation_fraction": 0.2,
        "var_smoothing": 1e-9}
    assert manifest_errors(manifest) == []


def test_a_model_channel_for_a_family_without_warm_start_is_refused(
        training_env: TrainingEnv, iris_channel: Path, base_dir: Path) -> None:
    (base_dir / "input" / "data" / "model").mkdir(parents=True)
    env = TrainingEnv.from_environ({"SAGEMAKER_BASE_DIR": str(base_dir)})

    with pytest.raises(UnsupportedConfiguration) as caught:
        pipeline.run(env, Hyperparameters(algorithm="ridge", task="regression"))

    assert caught.value.message == ("warm start through the 'model' channel is for xgboost; "
                                    "ridge trains from scratch (drop the channel)")


def test_a_configuration_the_data_cannot_fit_is_named(
        training_env: TrainingEnv, iris_channel: Path) -> None:
    with pytest.raises(UnsupportedConfiguration) as caught:
        pipeline.run(training_env, Hyperparameters(algorithm="pca", n_components=9))

    assert caught.value.message.startswith("pca cannot be fitted with these hyperparameters: ")
    assert "n_components=9" in caught.value.message


def test_more_than_one_host_is_refused(base_dir: Path, iris_channel: Path) -> None:
    env = TrainingEnv.from_environ({"SAGEMAKER_BASE_DIR": str(base_dir),
                                    "SM_HOSTS": '["algo-1", "algo-2"]'})

    with pytest.raises(UnsupportedConfiguration) as caught:
        pipeline.run(env, Hyperparameters(num_round=5))

    assert caught.value.message == (
        "distributed training is not supported: got 2 hosts; use 1 instance")
    assert not env.model_dir.exists()
