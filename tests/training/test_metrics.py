from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from slipway_training import data, fitted, metrics
from slipway_training.hyperparameters import Hyperparameters
from slipway_training.metric_names import FINAL, PER_ROUND, round_line, sample_lines

from .datasets import breast_cancer_frame, diabetes_frame, iris_frame, write_csv


class _RecordingStream(io.StringIO):
    def __init__(self) -> None:
        super().__init__()
        self.flushed: list[str] = []

    def flush(self) -> None:
        self.flushed.append(self.getvalue())


@pytest.mark.parametrize(("algorithm", "frame", "names"), [
    ("logistic_regression", breast_cancer_frame, FINAL["classification"]),
    ("logistic_regression", iris_frame, tuple(n for n in FINAL["classification"]
                                              if n != "validation:auc")),
    ("ridge", diabetes_frame, FINAL["regression"]),
    ("kmeans", iris_frame, FINAL["clustering"]),
    ("pca", iris_frame, FINAL["dimensionality_reduction"]),
    ("isolation_forest", iris_frame, FINAL["anomaly_detection"]),
])
def test_each_task_reports_its_documented_metrics(tmp_path: Path, algorithm: str, frame,
                                                  names: tuple[str, ...]) -> None:
    write_csv(frame(), tmp_path / "d.csv")
    hp = Hyperparameters(algorithm=algorithm, n_estimators=10, n_clusters=3)
    dataset = data.load(tmp_path, None, hp)

    values = metrics.evaluate(fitted.fit(dataset, hp, num_cpus=1), dataset)

    assert list(values) == sorted(names)
    assert all(isinstance(v, float) for v in values.values())


def test_a_good_classifier_scores_well(tmp_path: Path) -> None:
    write_csv(breast_cancer_frame(), tmp_path / "d.csv")
    hp = Hyperparameters(algorithm="logistic_regression")
    dataset = data.load(tmp_path, None, hp)

    values = metrics.evaluate(fitted.fit(dataset, hp, num_cpus=1), dataset)

    assert 0.9 < values["validation:accuracy"] <= 1.0
    assert 0.9 < values["validation:auc"] <= 1.0
    assert 0.0 < values["validation:logloss"] < 0.5


def test_metric_lines_are_split_colon_metric_equals_value() -> None:
    values = {"validation:accuracy": metrics.rounded(0.97368421), "validation:logloss": 1.5e-7}

    assert metrics.lines(values) == ["validation:accuracy=0.973684",
                                     "validation:logloss=1.5e-07"]
    assert round_line(12, "validation:rmse", 3.14159265) == "round=12 validation:rmse=3.14159"


def test_sample_lines_show_the_per_round_line_only_for_xgboost() -> None:
    assert sample_lines("regression", "xgboost")[0] == f"round=1 {PER_ROUND['regression']}=0.654321"
    assert sample_lines("regression", "ridge") == [f"{n}=0.123456" for n in FINAL["regression"]]


def test_each_metric_line_is_flushed_as_it_is_printed() -> None:
    stream = _RecordingStream()

    metrics.emit({"train:accuracy": 1.0, "validation:accuracy": 0.5}, stream)

    assert stream.flushed == ["train:accuracy=1\n",
                              "train:accuracy=1\nvalidation:accuracy=0.5\n"]


def test_metrics_json_holds_the_printed_numbers(tmp_path: Path) -> None:
    values = {"validation:accuracy": metrics.rounded(2 / 3)}

    metrics.write_json(tmp_path / "metrics.json", values)

    written = json.loads((tmp_path / "metrics.json").read_text())
    assert written == {"validation:accuracy": 0.666667}
    assert metrics.lines(written) == ["validation:accuracy=0.666667"]
