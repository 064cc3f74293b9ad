"""Every model family: trained by the real pipeline on data with a categorical column and missing
values, exported, reloaded from model.onnx, and checked against the native model: labels exact,
probabilities within 1e-5 absolute, everything else within 1e-5 of the output's scale."""
from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import onnx
import onnxruntime
import pandas as pd
import pytest

from slipway_training import pipeline
from slipway_training.env import TrainingEnv
from slipway_training.hyperparameters import from_strings

from .datasets import (IRIS_CLASSES, breast_cancer_frame, diabetes_frame, iris_frame,
                       with_color_and_gaps, write_csv)
from .schema import manifest_errors, sha256_mismatches

FRAMES: dict[str, Callable[[], pd.DataFrame]] = {
    "iris": iris_frame, "breast_cancer": breast_cancer_frame, "diabetes": diabetes_frame}
CASES = [  # algorithm, task, data, hyperparameters
    ("xgboost", "classification", "breast_cancer", {"num_round": "20"}),
    ("xgboost", "classification", "iris", {"num_round": "20"}),
    ("logistic_regression", "classification", "iris", {}),
    ("svm", "classification", "iris", {}),
    ("naive_bayes", "classification", "iris", {}),
    ("decision_tree", "classification", "iris", {"max_depth": "4"}),
    ("random_forest", "classification", "iris", {"n_estimators": "10"}),
    ("xgboost", "regression", "diabetes", {"num_round": "20"}),
    ("linear", "regression", "diabetes", {}),
    ("ridge", "regression", "diabetes", {"alpha": "0.5"}),
    ("lasso", "regression", "diabetes", {"alpha": "0.1"}),
    ("svr", "regression", "diabetes", {"C": "50"}),
    ("random_forest", "regression", "diabetes", {"n_estimators": "10"}),
    ("kmeans", "clustering", "iris", {"n_clusters": "3"}),
    ("pca", "dimensionality_reduction", "iris", {"n_components": "2"}),
    ("pca_kmeans", "clustering", "iris", {"n_components": "2", "n_clusters": "3"}),
    ("isolation_forest", "anomaly_detection", "breast_cancer", {"n_estimators": "10"}),
]
OUTPUTS = {"classification": ["label", "probabilities"], "regression": ["value"],
           "clustering": ["label", "distances"], "dimensionality_reduction": ["components"],
           "anomaly_detection": ["label", "score"]}


def _ids(case: tuple[str, str, str, dict[str, str]]) -> str:
    return f"{case[0]}-{case[1]}-{case[2]}"


@pytest.fixture(scope="module", params=CASES, ids=_ids)
def trained(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
            ) -> tuple[tuple[str, str, str, dict[str, str]], pipeline.RunResult, Path]:
    algorithm, task, name, extra = request.param
    base = tmp_path_factory.mktemp(_ids(request.param))
    write_csv(with_color_and_gaps(FRAMES[name]()), base / "input" / "data" / "train" / "d.csv")
    env = TrainingEnv.from_environ({"SAGEMAKER_BASE_DIR": str(base), "SM_NUM_CPUS": "1"})
    hp = from_strings({"algorithm": algorithm, "task": task, "model_name": "family", **extra})
    return request.param, pipeline.run(env, hp), env.model_dir


def test_the_reloaded_graph_reproduces_the_native_model(trained) -> None:
    (_, task, _, _), result, model_dir = trained
    x = result.dataset.x_valid
    assert np.isnan(x).any(), "the holdout must exercise missing values"
    session = onnxruntime.InferenceSession(str(model_dir / "model.onnx"),
                                           providers=["CPUExecutionProvider"])

    served = dict(zip(OUTPUTS[task], session.run(OUTPUTS[task], {"features": x})))
    native = result.model.outputs(x)

    assert list(native) == OUTPUTS[task]
    for name, expected in native.items():
        got = served[name].reshape(expected.shape)
        if name == "label":
            assert np.array_equal(got.astype(np.int64), expected.astype(np.int64))
        elif name == "probabilities":
            assert np.max(np.abs(got - expected)) <= 1e-5
        else:
            assert np.max(np.abs(got - expected)) <= 1e-5 * np.max(np.abs(expected))
    assert all(np.isfinite(served[name]).all() for name in served)


def test_the_manifest_describes_the_task_features_and_outputs(trained) -> None:
    (algorithm, task, name, _), result, model_dir = trained
    manifest = json.loads((model_dir / "manifest.json").read_text())

    assert manifest_errors(manifest) == []
    assert sha256_mismatches(manifest, model_dir) == []
    assert (manifest["task"], manifest["algorithm"]) == (task, algorithm)
    assert manifest["serving"]["outputs"] == {output: output for output in OUTPUTS[task]}
    assert manifest["features"][1] == {"name": "color", "type": "category",
                                       "categories": ["blue", "green", "red"],
                                       "allow_missing": True}
    assert manifest["features"][0]["allow_missing"] is True
    assert manifest["metrics"] == result.metrics
    assert ("model.ubj" in manifest["files"]) == (algorithm == "xgboost")
    if task == "classification":
        assert manifest["classes"] == (IRIS_CLASSES if name == "iris" else [0, 1])
    else:
        assert "classes" not in manifest
    assert manifest["target"] == ("target" if task in ("classification", "regression") else None)


def test_preprocessing_travels_inside_the_graph(trained) -> None:
    (algorithm, _, _, _), _, model_dir = trained
    graph = onnx.load(str(model_dir / "model.onnx"))
    ops = {node.op_type for node in graph.graph.node}

    assert {"OneHotEncoder", "Imputer"} <= ops  # a missing category is imputed, then one-hot
    if algorithm in ("logistic_regression", "svm", "linear", "ridge", "lasso", "svr", "kmeans",
                     "pca", "pca_kmeans", "naive_bayes"):
        assert "Scaler" in ops
    [graph_input] = graph.graph.input
    assert graph_input.name == "features"
    assert graph_input.type.tensor_type.shape.dim[1].dim_value == len(
        json.loads((model_dir / "manifest.json").read_text())["features"])


@pytest.mark.parametrize("trained", [c for c in CASES if c[1:3] == ("classification", "iris")],
                         ids=_ids, indirect=True)
def test_string_classes_round_trip_through_the_label_index(trained) -> None:
    _, result, model_dir = trained
    manifest = json.loads((model_dir / "manifest.json").read_text())
    session = onnxruntime.InferenceSession(str(model_dir / "model.onnx"),
                                           providers=["CPUExecutionProvider"])

    [labels] = session.run(["label"], {"features": result.dataset.x_valid})
    predicted = [manifest["classes"][i] for i in labels]
    truth = [manifest["classes"][i] for i in result.dataset.y_valid]

    assert set(predicted) <= set(IRIS_CLASSES)
    assert np.mean(np.array(predicted) == np.array(truth)) > 0.8
