from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest

from slipway_training import boosting, data, export, fitted
from slipway_training.data import Dataset
from slipway_training.errors import ExportMismatch
from slipway_training.hyperparameters import Hyperparameters

from .datasets import iris_frame, write_csv


@pytest.fixture(scope="module")
def iris(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    channel = tmp_path_factory.mktemp("iris")
    write_csv(iris_frame(), channel / "iris.csv")
    return data.load(channel, None, Hyperparameters())


def _xgboost(dataset: Dataset, tmp_path: Path, **hp: object) -> fitted.FittedModel:
    return boosting.train(dataset, Hyperparameters(**hp), device="cpu", nthread=1,
                          checkpoint_dir=tmp_path, model_channel=None)


def test_the_graph_has_the_contract_input_and_outputs(iris: Dataset, tmp_path: Path) -> None:
    graph = onnx.load_from_string(export.to_onnx(_xgboost(iris, tmp_path, num_round=5), 4))

    [graph_input] = graph.graph.input
    assert graph_input.name == "features"
    assert graph_input.type.tensor_type.elem_type == onnx.TensorProto.FLOAT
    dims = graph_input.type.tensor_type.shape.dim
    assert (dims[0].dim_value, dims[1].dim_value) == (0, 4)  # 0: the free batch dimension
    assert [o.name for o in graph.graph.output] == ["label", "probabilities"]
    default_domain = {o.domain: o.version for o in graph.opset_import}.get("", 0)
    assert default_domain <= export.TARGET_OPSET


def test_regression_outputs_are_renamed_to_value(tmp_path: Path) -> None:
    frame = iris_frame().drop(columns=["target"]).rename(columns={"petal width (cm)": "target"})
    write_csv(frame, tmp_path / "data" / "d.csv")
    dataset = data.load(tmp_path / "data", None, Hyperparameters(algorithm="ridge"))
    model = fitted.fit(dataset, Hyperparameters(algorithm="ridge"), num_cpus=1)

    served = export.run_onnx(export.to_onnx(model, 3), dataset.x_valid)

    assert list(served) == ["value"]
    assert served["value"].shape == (len(dataset.x_valid), 1)


def test_a_graph_that_disagrees_with_the_native_model_fails_loudly(
        iris: Dataset, tmp_path: Path) -> None:
    model = _xgboost(iris, tmp_path / "a", num_round=10)
    other = _xgboost(iris, tmp_path / "b", num_round=2, max_depth=1)

    with pytest.raises(ExportMismatch) as caught:
        export.verify(export.to_onnx(other, 4), model, iris.x_valid)

    assert caught.value.code == "ExportMismatch"
    assert "ONNX and native" in caught.value.message


def test_a_probability_gap_above_the_tolerance_fails(
        iris: Dataset, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    model = _xgboost(iris, tmp_path, num_round=5)
    graph = export.to_onnx(model, 4)
    served = export.run_onnx(graph, iris.x_valid)
    shifted = {**served, "probabilities": served["probabilities"] + 2e-5}
    monkeypatch.setattr(export, "run_onnx", lambda _graph, _x: shifted)

    with pytest.raises(ExportMismatch) as caught:
        export.verify(graph, model, iris.x_valid)

    assert caught.value.message == ("ONNX and native probabilities differ by 2e-05 (> 1e-05) on "
                                    "the validation rows")


@pytest.mark.parametrize(("name", "served", "native", "expected"), [
    ("label", [1, 0, 2], [1, 1, 2], 1.0),
    ("probabilities", [[0.5, 0.5]], [[0.4, 0.6]], 0.1),
    ("value", [[100.0], [0.0]], [101.0, 1.0], 1 / 101),  # relative to the largest magnitude
    ("score", [[0.0]], [0.0], 0.0),
])
def test_gaps_are_measured_per_kind_of_output(name: str, served: list, native: list,
                                              expected: float) -> None:
    assert export.gap(name, np.array(served), np.array(native)) == pytest.approx(expected)


def test_an_output_of_the_wrong_size_is_refused() -> None:
    with pytest.raises(ExportMismatch) as caught:
        export.gap("components", np.zeros((3, 2)), np.zeros((3, 3)))

    assert caught.value.message == ("ONNX output 'components' has shape (3, 2), the native "
                                    "model's (3, 3)")
