from __future__ import annotations

import numpy as np
import pytest

from slipway_serving.errors import ArtifactError
from slipway_serving.manifest import parse_manifest
from slipway_serving.predictor import Predictor

from .artifacts import BuiltModel


def _predictor(model: BuiltModel) -> Predictor:
    manifest = parse_manifest((model.directory / "manifest.json").read_bytes())
    return Predictor(manifest, model.directory / "model.onnx")


@pytest.mark.parametrize("fixture", ["binary_model", "multiclass_model"])
def test_probabilities_match_xgboost_and_labels_are_manifest_classes(fixture: str, request) -> None:
    model: BuiltModel = request.getfixturevalue(fixture)
    predictor = _predictor(model)

    conversion = predictor.convert(model.rows(len(model.X)))
    predictions = predictor.predict(conversion.matrix)

    keys = [str(c) for c in model.classes]
    got = np.array([[p["probabilities"][k] for k in keys] for p in predictions])
    np.testing.assert_allclose(got, model.expected, atol=1e-5)
    assert [p["label"] for p in predictions] == [model.classes[i] for i in model.expected.argmax(axis=1)]


def test_string_labels_come_back_as_strings(multiclass_model: BuiltModel) -> None:
    [prediction] = _predictor(multiclass_model).predict(multiclass_model.X[:1])

    assert prediction["label"] == "setosa"
    assert list(prediction["probabilities"]) == ["setosa", "versicolor", "virginica"]


def test_an_empty_matrix_predicts_nothing(binary_model: BuiltModel) -> None:
    assert _predictor(binary_model).predict(np.zeros((0, 30), dtype=np.float32)) == []


def test_a_manifest_that_does_not_match_the_graph_is_refused(binary_model: BuiltModel) -> None:
    manifest = parse_manifest((binary_model.directory / "manifest.json").read_bytes())
    wrong = parse_manifest(
        (binary_model.directory / "manifest.json").read_bytes().replace(b'"input": "features"', b'"input": "x"'))

    with pytest.raises(ArtifactError, match=r"model inputs \['features'\] do not match serving.input 'x'"):
        Predictor(wrong, binary_model.directory / "model.onnx")
    with pytest.raises(ArtifactError, match="model.ubj is not a loadable ONNX model"):
        Predictor(manifest, binary_model.directory / "model.ubj")
