"""The artifact contract checked from both sides: what the trainer writes (a category column and
missing values included), packed as SageMaker packs it, is unpacked, verified and served by the
Lambda code (lambdas/slipway_serving) from raw JSON rows, and agrees with the native model."""
from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from slipway.sagemaker.packaging import pack_directory
from slipway_serving.artifact import unpack
from slipway_serving.predictor import Predictor
from slipway_training import pipeline
from slipway_training.env import TrainingEnv
from slipway_training.hyperparameters import from_strings
from tests.training.datasets import (breast_cancer_frame, diabetes_frame, iris_frame,
                                     with_color_and_gaps, write_csv)

CASES = [
    ("xgboost", "classification", iris_frame, {"num_round": "15"}),
    ("logistic_regression", "classification", breast_cancer_frame, {}),
    ("random_forest", "regression", diabetes_frame, {"n_estimators": "10"}),
    ("pca_kmeans", "clustering", iris_frame, {"n_clusters": "3"}),
    ("pca", "dimensionality_reduction", iris_frame, {}),
    ("isolation_forest", "anomaly_detection", breast_cancer_frame, {"n_estimators": "10"}),
]


def _json_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """What a client posts: JSON values, null where the table is empty."""
    return [{k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
            for row in frame.to_dict(orient="records")]


@pytest.mark.parametrize(("algorithm", "task", "frame", "extra"), CASES,
                         ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_the_server_answers_what_the_trained_model_answers(
        tmp_path: Path, algorithm: str, task: str, frame, extra: dict[str, str]) -> None:
    table = with_color_and_gaps(frame(), seed=3)
    holdout = table.iloc[::5]
    base = tmp_path / "opt-ml"
    write_csv(table.drop(index=holdout.index), base / "input" / "data" / "train" / "t.csv")
    write_csv(holdout, base / "input" / "data" / "validation" / "v.csv")
    env = TrainingEnv.from_environ({"SAGEMAKER_BASE_DIR": str(base), "SM_NUM_CPUS": "1"})
    result = pipeline.run(env, from_strings({"algorithm": algorithm, "task": task,
                                             "model_name": "contract", **extra}))
    archive = pack_directory(env.model_dir, tmp_path / "model.tar.gz")
    (tmp_path / "served").mkdir()

    artifact = unpack(archive, tmp_path / "served")
    predictor = Predictor(artifact.manifest, artifact.serving_path)
    rows = _json_rows(holdout.drop(columns=["target"]))
    conversion = predictor.convert(rows)
    served = predictor.predict(conversion.matrix)
    native = result.model.outputs(result.dataset.x_valid)

    assert conversion.errors == [] and len(served) == len(rows)
    assert np.array_equal(conversion.matrix, result.dataset.x_valid, equal_nan=True)
    if task == "classification":
        classes = artifact.manifest.classes
        assert [p["label"] for p in served] == [classes[i] for i in native["label"]]
        probabilities = np.array([[p["probabilities"][str(c)] for c in classes] for p in served])
        assert np.max(np.abs(probabilities - native["probabilities"])) <= 1e-5
    elif task == "regression":
        values = np.array([p["value"] for p in served])
        assert np.max(np.abs(values - native["value"])) <= 1e-5 * np.max(np.abs(native["value"]))
    elif task == "clustering":
        assert [p["cluster"] for p in served] == native["label"].tolist()
    elif task == "dimensionality_reduction":
        components = np.array([p["components"] for p in served])
        assert np.max(np.abs(components - native["components"])) <= \
            1e-5 * np.max(np.abs(native["components"]))
    else:
        assert [p["anomaly"] for p in served] == (native["label"] == -1).tolist()
        scores = np.array([p["score"] for p in served])
        assert np.max(np.abs(scores - native["score"])) <= 1e-5 * np.max(np.abs(native["score"]))
