"""Evaluation metrics per task, printed as `<split>:<metric>=<value>` lines (what MetricDefinitions
regexes read from the log) and written to metrics.json with the very same numbers."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TextIO

import numpy as np
from sklearn import metrics as skm

from .data import Dataset
from .fitted import FittedModel
from .metric_names import line, rounded

__all__ = ["emit", "evaluate", "lines", "rounded", "write_json"]


def _classification(model: FittedModel, data: Dataset) -> dict[str, float]:
    n_classes = len(data.classes or ())
    proba = model.pipeline.predict_proba(data.x_valid)
    predicted = model.pipeline.predict(data.x_valid)
    values = {
        "train:accuracy": skm.accuracy_score(data.y_train, model.pipeline.predict(data.x_train)),
        "validation:accuracy": skm.accuracy_score(data.y_valid, predicted),
        "validation:f1": skm.f1_score(data.y_valid, predicted, average="macro",
                                      labels=list(range(n_classes)), zero_division=0),
        "validation:logloss": skm.log_loss(data.y_valid, proba, labels=list(range(n_classes))),
    }
    # AUC is undefined when a hand-made validation channel holds a single class
    if n_classes == 2 and len(np.unique(data.y_valid)) == 2:
        values["validation:auc"] = skm.roc_auc_score(data.y_valid, proba[:, 1])
    return values


def _rmse(truth: np.ndarray, predicted: np.ndarray) -> float:
    # Not skm.root_mean_squared_error: it needs scikit-learn 1.4, older than some training images
    return float(np.sqrt(skm.mean_squared_error(truth, predicted)))


def _regression(model: FittedModel, data: Dataset) -> dict[str, float]:
    predicted = model.pipeline.predict(data.x_valid)
    return {
        "train:rmse": _rmse(data.y_train, model.pipeline.predict(data.x_train)),
        "validation:rmse": _rmse(data.y_valid, predicted),
        "validation:mae": skm.mean_absolute_error(data.y_valid, predicted),
        "validation:r2": skm.r2_score(data.y_valid, predicted),
    }


def _clustering(model: FittedModel, data: Dataset) -> dict[str, float]:
    distances = model.pipeline.transform(data.x_valid)
    labels = np.argmin(distances, axis=1)
    values = {"validation:inertia": float(np.mean(np.min(distances, axis=1) ** 2))}
    if 2 <= len(np.unique(labels)) < len(labels):
        inputs = model.pipeline[:-1].transform(data.x_valid)  # the space the clusters live in
        values["validation:silhouette"] = skm.silhouette_score(inputs, labels)
    return values


def _dimensionality_reduction(model: FittedModel, data: Dataset) -> dict[str, float]:
    pca = model.model
    inputs = model.pipeline[:-1].transform(data.x_valid)
    rebuilt = pca.inverse_transform(pca.transform(inputs))
    error = float(np.mean((inputs - rebuilt) ** 2))
    total = float(np.mean((inputs - pca.mean_) ** 2))
    return {"train:explained_variance": float(np.sum(pca.explained_variance_ratio_)),
            "validation:explained_variance": 1.0 - error / total if total > 0 else 1.0,
            "validation:reconstruction_error": error}


def _anomaly_detection(model: FittedModel, data: Dataset) -> dict[str, float]:
    return {"validation:outlier_fraction": float(np.mean(model.pipeline.predict(data.x_valid) == -1)),
            "validation:mean_score": float(np.mean(model.pipeline.decision_function(data.x_valid)))}


_BY_TASK = {"classification": _classification, "regression": _regression,
            "clustering": _clustering, "dimensionality_reduction": _dimensionality_reduction,
            "anomaly_detection": _anomaly_detection}


def evaluate(model: FittedModel, data: Dataset) -> dict[str, float]:
    values = _BY_TASK[model.task](model, data)
    return {name: rounded(value) for name, value in sorted(values.items())}


def lines(values: dict[str, float]) -> list[str]:
    return [line(name, value) for name, value in values.items()]


def emit(values: dict[str, float], stream: TextIO | None = None) -> None:
    out = stream or sys.stdout
    for text in lines(values):
        # One flush per line: the log is parsed live and a crash must not swallow a metric
        print(text, file=out, flush=True)


def write_json(path: Path, values: dict[str, float]) -> None:
    path.write_text(json.dumps(values, indent=2, sort_keys=True) + "\n", encoding="utf-8")
