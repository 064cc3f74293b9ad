"""The real training/train.py, run by the local runner exactly as SageMaker would run it."""
from __future__ import annotations

import json
import tarfile
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime
import pandas as pd
import pytest
import xgboost

from slipway.sagemaker import TrainingJobFailed, TrainingJobResult, run_training_job
from slipway_training import data
from tests.training.datasets import (IRIS_CLASSES, breast_cancer_frame, iris_frame,
                                     write_csv)
from tests.training.schema import manifest_errors, sha256_mismatches

METRICS = [{"Name": name, "Regex": rf"{name}=([-+0-9.eE]+)"} for name in (
    "train:accuracy", "validation:accuracy", "validation:f1", "validation:logloss",
    "validation:auc")]
HYPERPARAMETERS = {"num_round": 20, "max_depth": 4, "seed": 7}
ROOT_FILES = ["manifest.json", "metrics.json", "model.onnx", "model.ubj"]


def _unpack(result: TrainingJobResult, into: Path) -> tuple[dict[str, Any], Path]:
    with tarfile.open(result.model_artifact) as archive:
        assert sorted(archive.getnames()) == ROOT_FILES
        archive.extractall(into, filter="data")
    return json.loads((into / "manifest.json").read_text()), into


def _onnx_and_native(model_dir: Path, x: np.ndarray) -> tuple[np.ndarray, ...]:
    session = onnxruntime.InferenceSession(str(model_dir / "model.onnx"),
                                           providers=["CPUExecutionProvider"])
    onnx_label, onnx_proba = session.run(["label", "probabilities"], {"features": x})
    booster = xgboost.Booster(model_file=str(model_dir / "model.ubj"))
    native = booster.predict(xgboost.DMatrix(x))
    native_proba = native if native.ndim == 2 else np.column_stack([1 - native, native])
    return onnx_label, onnx_proba, native_proba


@pytest.fixture(scope="module")
def jobs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("jobs")


@pytest.fixture(scope="module")
def binary(jobs: Path) -> TrainingJobResult:
    csv = write_csv(breast_cancer_frame(), jobs / "data" / "breast_cancer.csv")
    return run_training_job(
        "breast-cancer", base_dir=jobs, channels={"train": csv}, num_cpus=1,
        hyperparameters={**HYPERPARAMETERS, "model_name": "breast-cancer"},
        metric_definitions=METRICS)


@pytest.fixture(scope="module")
def multiclass(jobs: Path) -> TrainingJobResult:
    frame = iris_frame()
    train = write_csv(pd.concat([frame.iloc[::3], frame.iloc[1::3]]),
                      jobs / "data" / "iris" / "train.csv")
    validation = write_csv(frame.iloc[2::3], jobs / "data" / "iris" / "validation.csv")
    return run_training_job(
        "iris", base_dir=jobs, channels={"train": train, "validation": validation},
        num_cpus=1, hyperparameters={**HYPERPARAMETERS, "model_name": "iris"},
        metric_definitions=METRICS)


def test_binary_job_reports_its_metrics_from_the_log(binary: TrainingJobResult) -> None:
    assert set(binary.metrics) == {"train:accuracy", "validation:accuracy", "validation:f1",
                                   "validation:logloss", "validation:auc"}
    assert binary.metrics["validation:accuracy"] > 0.9
    assert binary.unmatched_metrics == ()
    assert json.loads((binary.model_dir / "metrics.json").read_text()) == binary.metrics
    # Every boosting round printed its logloss; the final line (the result) came last
    assert len(binary.metric_series["validation:logloss"]) == 20 + 1


def test_binary_artifact_holds_a_valid_manifest_with_matching_digests(
        binary: TrainingJobResult, tmp_path: Path) -> None:
    manifest, unpacked = _unpack(binary, tmp_path)

    assert manifest_errors(manifest) == []
    assert sha256_mismatches(manifest, unpacked) == []
    assert manifest["model_name"] == "breast-cancer"
    assert manifest["classes"] == [0, 1]
    assert manifest["features"][0] == {"name": "mean radius", "type": "number",
                                       "allow_missing": False}
    assert manifest["hyperparameters"]["num_round"] == 20
    assert manifest["data"]["fingerprint"] == data.fingerprint(
        data.data_files(binary.job_dir / "input" / "data" / "train"))
    assert manifest["data"]["rows"] == 569


def test_binary_onnx_matches_native_xgboost_on_the_holdout(
        binary: TrainingJobResult, tmp_path: Path) -> None:
    frame = breast_cancer_frame()
    x = frame.drop(columns=["target"]).to_numpy(dtype=np.float32)
    # The script's own seeded split, recomputed: the holdout the model never saw
    _, _, x_valid, y_valid = data.split(x, frame["target"].to_numpy(), 0.2, 7, stratify=True)
    _, unpacked = _unpack(binary, tmp_path)

    onnx_label, onnx_proba, native_proba = _onnx_and_native(unpacked, x_valid)

    assert len(x_valid) == 114
    assert np.array_equal(onnx_label, np.argmax(native_proba, axis=1))
    assert np.max(np.abs(onnx_proba - native_proba)) <= 1e-5


def test_string_classes_survive_to_the_onnx_labels(
        multiclass: TrainingJobResult, tmp_path: Path) -> None:
    manifest, unpacked = _unpack(multiclass, tmp_path)
    holdout = iris_frame().iloc[2::3]
    x_valid = holdout.drop(columns=["target"]).to_numpy(dtype=np.float32)

    onnx_label, onnx_proba, native_proba = _onnx_and_native(unpacked, x_valid)

    assert manifest_errors(manifest) == []
    assert sha256_mismatches(manifest, unpacked) == []
    assert manifest["classes"] == IRIS_CLASSES
    assert manifest["data"] | {"fingerprint": ""} == {
        "fingerprint": "", "formats": ["csv"], "rows": 150, "train_rows": 100,
        "validation_rows": 50}
    assert np.array_equal(onnx_label, np.argmax(native_proba, axis=1))
    assert np.max(np.abs(onnx_proba - native_proba)) <= 1e-5
    predicted = [manifest["classes"][i] for i in onnx_label]
    assert np.mean(np.array(predicted) == holdout["target"].to_numpy()) > 0.85
    assert "validation:auc" in multiclass.unmatched_metrics


def test_a_csv_without_the_target_column_fails_the_job_naming_it(jobs: Path) -> None:
    csv = write_csv(iris_frame().rename(columns={"target": "species"}),
                    jobs / "data" / "no-target" / "iris.csv")

    with pytest.raises(TrainingJobFailed) as caught:
        run_training_job("no-target", base_dir=jobs, channels={"train": csv}, num_cpus=1,
                         hyperparameters={"num_round": 5})

    failure = jobs / "no-target" / "output" / "failure"
    copied = jobs / "no-target" / "input" / "data" / "train" / "iris.csv"
    assert caught.value.exit_code == 1
    # The script names its private copy; the user reads the file they gave (issue 12, item 8)
    assert caught.value.reason == failure.read_text().replace(str(copied), str(csv))
    assert caught.value.reason.startswith(
        f"MissingTargetColumn: target column 'target' is not in {csv}; available columns: ")
    assert "'species'" in caught.value.reason
    assert not (jobs / "no-target" / "output" / "model.tar.gz").exists()


def test_a_bad_hyperparameter_fails_the_job_naming_the_key(jobs: Path) -> None:
    csv = write_csv(iris_frame(), jobs / "data" / "bad-hp" / "iris.csv")

    with pytest.raises(TrainingJobFailed) as caught:
        run_training_job("bad-hp", base_dir=jobs, channels={"train": csv}, num_cpus=1,
                         hyperparameters={"num_round": 5, "algorithm": "lightgbm"})

    assert caught.value.reason.startswith(
        "InvalidHyperparameter: hyperparameter 'algorithm' must be one of ['decision_tree', ")
    assert caught.value.reason.endswith("'xgboost'], got 'lightgbm'")
