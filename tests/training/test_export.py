from __future__ import annotations


import numpy as np
import onnx
import pytest

from slipway_training import export
from slipway_training.data import Dataset
from slipway_training.errors import ExportMismatch
from slipway_training.hyperparameters import Hyperparameters
from slipway_training.model import TrainedModel, train


def test_the_graph_has_the_contract_input_and_outputs(
        iris_model: TrainedModel, iris_dataset: Dataset) -> None:
    graph = onnx.load_from_string(export.to_onnx(iris_model, 4))

    [graph_input] = graph.graph.input
    assert graph_input.name == "features"
    assert graph_input.type.tensor_type.elem_type == onnx.TensorProto.FLOAT
    dims = graph_input.type.tensor_type.shape.dim
    assert (dims[0].dim_value, dims[1].dim_value) == (0, 4)  # 0: the free batch dimension
    assert [o.name for o in graph.graph.output] == ["label", "probabilities"]
    default_domain = {o.domain: o.version for o in graph.opset_import}.get("", 0)
    assert default_domain <= export.TARGET_OPSET


@pytest.mark.parametrize("name", ["iris", "breast_cancer"])
def test_onnx_matches_the_native_model_on_the_holdout(
        name: str, request: pytest.FixtureRequest) -> None:
    model: TrainedModel = request.getfixturevalue(f"{name}_model")
    dataset: Dataset = request.getfixturevalue(f"{name}_dataset")
    onnx_bytes = export.to_onnx(model, len(dataset.feature_names))

    gap = export.verify(onnx_bytes, model, dataset.x_valid)
    label, proba = export.run_onnx(onnx_bytes, dataset.x_valid)

    assert gap <= 1e-5
    assert np.array_equal(label, model.predict(dataset.x_valid))
    assert np.allclose(proba, model.predict_proba(dataset.x_valid), rtol=0, atol=1e-5)


def test_a_graph_that_disagrees_with_the_native_model_fails_loudly(
        iris_model: TrainedModel, iris_dataset: Dataset) -> None:
    other = train(iris_dataset, Hyperparameters(num_round=2, max_depth=1), device="cpu",
                  nthread=1)
    foreign_graph = export.to_onnx(other, 4)

    with pytest.raises(ExportMismatch) as caught:
        export.verify(foreign_graph, iris_model, iris_dataset.x_valid)

    assert caught.value.code == "ExportMismatch"
    assert "ONNX and native" in caught.value.message


def test_a_probability_gap_above_the_tolerance_fails(
        iris_model: TrainedModel, iris_dataset: Dataset, monkeypatch: pytest.MonkeyPatch) -> None:
    graph = export.to_onnx(iris_model, 4)
    label, proba = export.run_onnx(graph, iris_dataset.x_valid)
    monkeypatch.setattr(export, "run_onnx", lambda _graph, _x: (label, proba + 2e-5))

    with pytest.raises(ExportMismatch) as caught:
        export.verify(graph, iris_model, iris_dataset.x_valid)

    assert "probabilities differ by" in caught.value.message
    assert "(> 1e-05)" in caught.value.message
