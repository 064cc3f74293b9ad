from __future__ import annotations

import io
import json
from pathlib import Path

from slipway_training import metrics
from slipway_training.data import Dataset
from slipway_training.model import TrainedModel


class _RecordingStream(io.StringIO):
    def __init__(self) -> None:
        super().__init__()
        self.flushed: list[str] = []

    def flush(self) -> None:
        self.flushed.append(self.getvalue())


def test_binary_evaluation_reports_accuracy_logloss_and_auc(
        breast_cancer_model: TrainedModel, breast_cancer_dataset: Dataset) -> None:
    values = metrics.evaluate(breast_cancer_model, breast_cancer_dataset)

    assert list(values) == ["train:accuracy", "validation:accuracy", "validation:auc",
                            "validation:logloss"]
    assert 0.9 < values["validation:accuracy"] <= 1.0
    assert 0.9 < values["validation:auc"] <= 1.0
    assert 0.0 < values["validation:logloss"] < 0.5


def test_multiclass_evaluation_has_no_auc(iris_model: TrainedModel, iris_dataset: Dataset) -> None:
    values = metrics.evaluate(iris_model, iris_dataset)

    assert list(values) == ["train:accuracy", "validation:accuracy", "validation:logloss"]


def test_metric_lines_are_split_colon_metric_equals_value() -> None:
    values = {"validation:accuracy": metrics.rounded(0.97368421), "validation:logloss": 1.5e-7}

    assert metrics.lines(values) == ["validation:accuracy=0.973684",
                                     "validation:logloss=1.5e-07"]


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
