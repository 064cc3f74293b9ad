"""The trained model's own predictions, from the native booster in the model directory.

Serving answers from the ONNX graph; this is what it must agree with (labels exactly,
probabilities within 1e-5), computed independently of the serving code.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xgboost


@dataclass(frozen=True)
class Reference:
    labels: list
    probabilities: np.ndarray  # rows x classes, in manifest class order
    classes: list


def native_predictions(model_dir: Path, rows: list[dict[str, float]]) -> Reference:
    manifest = json.loads((model_dir / "manifest.json").read_text())
    names = [f["name"] for f in manifest["features"]]
    matrix = np.array([[row[name] for name in names] for row in rows], dtype=np.float32)
    booster = xgboost.Booster()
    booster.load_model(str(model_dir / "model.ubj"))
    raw = booster.predict(xgboost.DMatrix(matrix, feature_names=booster.feature_names))
    probabilities = np.column_stack([1 - raw, raw]) if raw.ndim == 1 else raw
    classes = manifest["classes"]
    return Reference([classes[i] for i in probabilities.argmax(axis=1)], probabilities, classes)
