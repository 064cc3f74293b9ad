"""Evaluation metrics, printed as `<split>:<metric>=<value>` lines (what MetricDefinitions regexes
read from the log) and written to metrics.json with the very same numbers."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TextIO

import numpy as np
from sklearn.metrics import accuracy_score, log_loss, roc_auc_score

from .data import Dataset
from .model import TrainedModel

_SIGNIFICANT = ".6g"


def evaluate(model: TrainedModel, data: Dataset) -> dict[str, float]:
    labels = list(range(model.n_classes))
    proba = model.predict_proba(data.x_valid)
    values = {
        "train:accuracy": accuracy_score(data.y_train, model.predict(data.x_train)),
        "validation:accuracy": accuracy_score(data.y_valid, np.argmax(proba, axis=1)),
        "validation:logloss": log_loss(data.y_valid, proba, labels=labels),
    }
    # AUC is undefined when a hand-made validation channel holds a single class
    if model.n_classes == 2 and len(np.unique(data.y_valid)) == 2:
        values["validation:auc"] = roc_auc_score(data.y_valid, proba[:, 1])
    return {name: rounded(value) for name, value in sorted(values.items())}


def rounded(value: float) -> float:
    """The printed form, parsed back: metrics.json and the log must agree to the last digit."""
    return float(format(float(value), _SIGNIFICANT))


def lines(values: dict[str, float]) -> list[str]:
    return [f"{name}={format(value, _SIGNIFICANT)}" for name, value in values.items()]


def emit(values: dict[str, float], stream: TextIO | None = None) -> None:
    out = stream or sys.stdout
    for line in lines(values):
        # One flush per line: the log is parsed live and a crash must not swallow a metric
        print(line, file=out, flush=True)


def write_json(path: Path, values: dict[str, float]) -> None:
    path.write_text(json.dumps(values, indent=2, sort_keys=True) + "\n", encoding="utf-8")
