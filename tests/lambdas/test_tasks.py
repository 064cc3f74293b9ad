"""Every task's ONNX outputs, as the original scikit-learn model computes them, and the checks on them."""
from __future__ import annotations

import numpy as np
import pytest

from slipway_serving.errors import ArtifactError
from slipway_serving.manifest import parse_manifest
from slipway_serving.predictor import Predictor
from slipway_serving.tasks import Outputs

from .artifacts import BuiltModel

TASKS = ["classification", "regression", "clustering", "dimensionality_reduction", "anomaly_detection"]


def _predictor(model: BuiltModel) -> Predictor:
    return Predictor(parse_manifest((model.directory / "manifest.json").read_bytes()), model.directory / "model.onnx")


@pytest.mark.parametrize("task", TASKS)
def test_client_rows_predict_what_the_original_model_predicts(task: str, task_models: dict[str, BuiltModel]) -> None:
    model = task_models[task]
    predictor = _predictor(model)

    conversion = predictor.convert(model.rows(64))
    outputs = predictor.run(conversion.matrix)

    assert conversion.errors == [] and outputs.n == 64
    for role, expected in model.expected_outputs.items():
        got = outputs.arrays[role].reshape(expected.shape)
        if role == "label":  # classification: an index into classes, as the model was fitted
            np.testing.assert_array_equal(got, expected)
        else:
            np.testing.assert_allclose(got, expected, atol=1e-4)


def test_each_task_answers_with_its_contract_fields(task_models: dict[str, BuiltModel]) -> None:
    fields = {}
    for task in TASKS:
        model = task_models[task]
        [prediction] = _predictor(model).predict(_predictor(model).convert(model.rows(1)).matrix)
        fields[task] = sorted(prediction)

    assert fields == {"classification": ["label", "probabilities"], "regression": ["value"],
                      "clustering": ["cluster", "distances"], "dimensionality_reduction": ["components"],
                      "anomaly_detection": ["anomaly", "score"]}


def test_prediction_values_have_json_types(task_models: dict[str, BuiltModel]) -> None:
    def one(task: str) -> dict:
        predictor = _predictor(task_models[task])
        return predictor.predict(predictor.convert(task_models[task].rows(1)).matrix)[0]

    classified, value, cluster, reduced, anomaly = (one(t) for t in TASKS)
    assert classified["label"] in ("small", "large") and set(classified["probabilities"]) == {"small", "large"}
    assert isinstance(value["value"], float)
    assert isinstance(cluster["cluster"], int) and len(cluster["distances"]) == 3
    assert len(reduced["components"]) == 2 and all(isinstance(c, float) for c in reduced["components"])
    assert isinstance(anomaly["anomaly"], bool) and isinstance(anomaly["score"], float)


@pytest.mark.parametrize(("task", "table"), [
    ("classification", ["label", "probability_small", "probability_large"]),
    ("regression", ["value"]),
    ("clustering", ["cluster", "distance_0", "distance_1", "distance_2"]),
    ("dimensionality_reduction", ["component_0", "component_1"]),
    ("anomaly_detection", ["anomaly", "score"]),
])
def test_the_csv_layout_of_each_task_is_known_even_without_rows(task: str, table: list[str],
                                                                  task_models: dict[str, BuiltModel]) -> None:
    predictor = _predictor(task_models[task])

    header, rows = predictor.head.table(Outputs(0, {}))
    full_header, full_rows = predictor.head.table(predictor.run(predictor.convert(task_models[task].rows(3)).matrix))

    assert header == full_header == table
    assert rows == [] and len(full_rows) == 3 and all(len(r) == len(table) for r in full_rows)


@pytest.mark.parametrize(("task", "raw", "says"), [
    ("classification", {"label": np.array([0, 5]), "probabilities": np.ones((2, 2))}, "label index outside the 2 classes"),
    ("classification", {"label": np.array([0, 1]), "probabilities": np.ones((2, 3))}, r"probabilities of shape \(2, 3\)"),
    ("regression", {"value": np.ones((2, 2))}, r"value of shape \(2, 2\), expected \[N\] or \[N, 1\]"),
    ("clustering", {"label": np.ones((2, 2), dtype=int)}, r"label of shape \(2, 2\), expected \[N\]"),
    ("dimensionality_reduction", {"components": np.ones(2)}, r"components of shape \(2,\), expected \[N, k\]"),
    ("anomaly_detection", {"label": np.array([1, 0]), "score": np.ones(2)}, "other than 1 \\(inlier\\) or -1"),
])
def test_outputs_that_break_the_contract_are_refused(task: str, raw: dict, says: str,
                                                     task_models: dict[str, BuiltModel]) -> None:
    head = _predictor(task_models[task]).head

    with pytest.raises(ArtifactError, match=says):
        head.check(raw, 2)


def test_a_manifest_without_the_task_roles_is_refused(task_models: dict[str, BuiltModel]) -> None:
    model = task_models["anomaly_detection"]
    raw = (model.directory / "manifest.json").read_bytes().replace(b'"score": "scores"', b'"scores": "scores"')

    with pytest.raises(ArtifactError, match="must name 'label', 'score'; missing 'score'"):
        Predictor(parse_manifest(raw), model.directory / "model.onnx")


def test_an_output_name_the_graph_lacks_is_refused(task_models: dict[str, BuiltModel]) -> None:
    model = task_models["regression"]
    raw = (model.directory / "manifest.json").read_bytes().replace(b'"value": "variable"', b'"value": "prediction"')

    with pytest.raises(ArtifactError, match="model has no tensor output 'prediction' for value"):
        Predictor(parse_manifest(raw), model.directory / "model.onnx")
