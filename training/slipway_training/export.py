"""ONNX export of the whole fitted pipeline (preprocessing included), its outputs named as the
contract names them per task, checked against the native model before it may ship."""
from __future__ import annotations

import logging
import warnings
from typing import Any

import numpy as np

from .errors import ExportMismatch
from .fitted import FittedModel
from .tasks import OUTPUTS

log = logging.getLogger(__name__)

INPUT_NAME = "features"
# onnxmltools' XGBoost converter refuses a default-domain opset above 15 (see FINDINGS.md)
TARGET_OPSET = 15
ML_OPSET = 3
PROBABILITY_TOLERANCE = 1e-5  # absolute
RELATIVE_TOLERANCE = 1e-5  # of the output's largest magnitude
_registered = False


def _register_xgboost() -> None:
    """Teach skl2onnx the XGBoost estimators (onnxmltools' converters), once per process."""
    global _registered
    if _registered:
        return
    import xgboost
    from onnxmltools.convert.xgboost.operator_converters.XGBoost import convert_xgboost
    from skl2onnx import update_registered_converter
    from skl2onnx.common.shape_calculator import (calculate_linear_classifier_output_shapes,
                                                  calculate_linear_regressor_output_shapes)

    update_registered_converter(
        xgboost.XGBClassifier, "XGBoostXGBClassifier", calculate_linear_classifier_output_shapes,
        convert_xgboost, options={"nocl": [True, False], "zipmap": [True, False, "columns"]})
    update_registered_converter(xgboost.XGBRegressor, "XGBoostXGBRegressor",
                                calculate_linear_regressor_output_shapes, convert_xgboost)
    _registered = True


def _rename_outputs(graph: Any, names: tuple[str, ...]) -> None:
    produced = [output.name for output in graph.graph.output]
    if len(produced) != len(names):
        raise ExportMismatch(f"the converter produced outputs {produced}; the contract expects "
                             f"{list(names)}")
    mapping = {old: new for old, new in zip(produced, names) if old != new}
    for node in graph.graph.node:
        node.output[:] = [mapping.get(name, name) for name in node.output]
        node.input[:] = [mapping.get(name, name) for name in node.input]
    for output in graph.graph.output:
        output.name = mapping.get(output.name, output.name)


def to_onnx(model: FittedModel, n_features: int) -> bytes:
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import FloatTensorType

    if model.algorithm == "xgboost":
        _register_xgboost()
    options = {id(model.model): {"zipmap": False}} if model.task == "classification" else None
    with warnings.catch_warnings():
        # skl2onnx reads SVC's probA_/probB_, deprecated in scikit-learn 1.9 (empty for us)
        warnings.filterwarnings("ignore", message="Attribute `prob[AB]_`", category=FutureWarning)
        graph = convert_sklearn(
            model.pipeline, initial_types=[(INPUT_NAME, FloatTensorType([None, n_features]))],
            options=options, target_opset={"": TARGET_OPSET, "ai.onnx.ml": ML_OPSET})
    # Serving looks outputs up by these names (manifest `serving.outputs`)
    _rename_outputs(graph, OUTPUTS[model.task])
    return graph.SerializeToString()


def run_onnx(onnx_bytes: bytes, x: np.ndarray) -> dict[str, np.ndarray]:
    import onnxruntime

    session = onnxruntime.InferenceSession(onnx_bytes, providers=["CPUExecutionProvider"])
    names = [output.name for output in session.get_outputs()]
    values = session.run(names, {INPUT_NAME: x.astype(np.float32)})
    return {name: np.asarray(value) for name, value in zip(names, values)}


def gap(name: str, onnx_value: np.ndarray, native: np.ndarray) -> float:
    """Labels: rows that differ. Probabilities: largest absolute difference. Anything else
    (values, scores, distances, components): largest difference relative to the largest native
    magnitude, since per-element relative error means nothing for values near zero."""
    if onnx_value.size != native.size:
        raise ExportMismatch(f"ONNX output {name!r} has shape {onnx_value.shape}, the native "
                             f"model's {native.shape}")
    onnx_flat, native_flat = onnx_value.reshape(native.shape), native
    if name == "label":
        return float(np.sum(onnx_flat.astype(np.int64) != native_flat.astype(np.int64)))
    difference = np.abs(onnx_flat.astype(np.float64) - native_flat.astype(np.float64))
    largest = float(np.max(difference)) if difference.size else 0.0
    if name == "probabilities":
        return largest
    scale = float(np.max(np.abs(native_flat))) if native_flat.size else 0.0
    return largest / scale if scale > 0 else largest


def verify(onnx_bytes: bytes, model: FittedModel, x: np.ndarray) -> dict[str, float]:
    """Raises unless labels match exactly, probabilities within 1e-5 absolute and every other
    output within 1e-5 relative. Returns each output's gap so it can be logged and tested."""
    served, native = run_onnx(onnx_bytes, x), model.outputs(x)
    if list(served) != list(native):
        raise ExportMismatch(f"ONNX outputs are {list(served)}, expected {list(native)}")
    gaps = {name: gap(name, served[name], native[name]) for name in native}
    for name, value in gaps.items():
        if name == "label" and value:
            raise ExportMismatch(f"ONNX and native labels differ on {int(value)} of {len(x)} rows")
        limit = PROBABILITY_TOLERANCE if name == "probabilities" else RELATIVE_TOLERANCE
        if name != "label" and not value <= limit:
            raise ExportMismatch(f"ONNX and native {name} differ by {value:.3g} (> {limit:g}) "
                                 "on the validation rows")
    log.info("ONNX matches the native model on %d rows: %s", len(x), gaps)
    return gaps
