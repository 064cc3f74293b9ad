"""ONNX export of the fitted booster, checked against the native model before it may ship."""
from __future__ import annotations

import logging

import numpy as np

from .errors import ExportMismatch
from .model import TrainedModel

log = logging.getLogger(__name__)

INPUT_NAME = "features"
LABEL_OUTPUT = "label"
PROBABILITIES_OUTPUT = "probabilities"
# onnxmltools' XGBoost converter refuses a default-domain opset above 15 (see FINDINGS.md)
TARGET_OPSET = 15
TOLERANCE = 1e-5


def to_onnx(model: TrainedModel, n_features: int) -> bytes:
    import onnxmltools
    from onnxmltools.convert.common.data_types import FloatTensorType

    graph = onnxmltools.convert_xgboost(
        model.estimator,
        initial_types=[(INPUT_NAME, FloatTensorType([None, n_features]))],
        target_opset=TARGET_OPSET,
    )
    outputs = [output.name for output in graph.graph.output]
    # Serving looks outputs up by these names (manifest `serving.outputs`); a renamed output
    # from a newer converter must fail here, not in production
    if outputs != [LABEL_OUTPUT, PROBABILITIES_OUTPUT]:
        raise ExportMismatch(f"ONNX outputs are {outputs}, expected "
                             f"{[LABEL_OUTPUT, PROBABILITIES_OUTPUT]}")
    return graph.SerializeToString()


def run_onnx(onnx_bytes: bytes, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    import onnxruntime

    session = onnxruntime.InferenceSession(onnx_bytes, providers=["CPUExecutionProvider"])
    label, probabilities = session.run(
        [LABEL_OUTPUT, PROBABILITIES_OUTPUT], {INPUT_NAME: x.astype(np.float32)})
    return np.asarray(label), np.asarray(probabilities)


def verify(onnx_bytes: bytes, model: TrainedModel, x: np.ndarray) -> float:
    """Largest |ONNX - native| probability on `x`; raises unless every label matches and every
    probability is within TOLERANCE. Returns the gap so it can be logged."""
    onnx_label, onnx_proba = run_onnx(onnx_bytes, x)
    native_label, native_proba = model.predict(x), model.predict_proba(x)
    if onnx_proba.shape != native_proba.shape:
        raise ExportMismatch(f"ONNX probabilities have shape {onnx_proba.shape}, "
                             f"the native model's {native_proba.shape}")
    differing = int(np.sum(onnx_label.astype(np.int64) != native_label))
    if differing:
        raise ExportMismatch(f"ONNX and native labels differ on {differing} of {len(x)} rows")
    gap = float(np.max(np.abs(onnx_proba - native_proba))) if len(x) else 0.0
    if not gap <= TOLERANCE:
        raise ExportMismatch(f"ONNX and native probabilities differ by {gap:.3g} "
                             f"(> {TOLERANCE:g}) on the validation rows")
    log.info("ONNX matches the native model on %d rows (max gap %.3g)", len(x), gap)
    return gap
