"""ONNX Runtime predictor for a verified artifact. Pure: no I/O beyond loading the model file."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypedDict

import numpy as np
import onnxruntime as ort

from .errors import ArtifactError
from .features import Conversion, RowEncoder
from .manifest import Label, Manifest


class Prediction(TypedDict):
    label: Label
    probabilities: dict[str, float]


def _session(path: Path) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.log_severity_level = 3
    try:
        return ort.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own untyped errors
        raise ArtifactError(f"{path.name} is not a loadable ONNX model: {exc}") from None


@dataclass
class Predictor:
    """Classification over ``label`` (an index into manifest ``classes``) and ``probabilities``."""

    manifest: Manifest
    model_path: Path
    _session: ort.InferenceSession = field(init=False, repr=False)
    _encoder: RowEncoder = field(init=False, repr=False)

    def __post_init__(self) -> None:
        manifest = self.manifest
        if manifest.task != "classification" or manifest.classes is None:
            raise ArtifactError(f"serving supports task 'classification' only, got {manifest.task!r}")
        outputs = manifest.serving.outputs
        if not {"label", "probabilities"} <= set(outputs):
            raise ArtifactError("manifest: 'serving.outputs' must name 'label' and 'probabilities'")
        self._session = _session(self.model_path)
        inputs = {i.name: i for i in self._session.get_inputs()}
        graph_outputs = {o.name: o for o in self._session.get_outputs()}
        n_features = len(manifest.features)
        if set(inputs) != {manifest.serving.input}:
            raise ArtifactError(f"model inputs {sorted(inputs)} do not match serving.input "
                                f"{manifest.serving.input!r}")
        width = inputs[manifest.serving.input].shape[-1]
        if isinstance(width, int) and width != n_features:
            raise ArtifactError(f"model expects {width} features, the manifest lists {n_features}")
        for role in ("label", "probabilities"):
            if outputs[role] not in graph_outputs or not graph_outputs[outputs[role]].type.startswith("tensor("):
                raise ArtifactError(f"model has no tensor output {outputs[role]!r} for {role}")
        self._encoder = RowEncoder(manifest)
        self._output_names = [outputs["label"], outputs["probabilities"]]
        self._classes = list(manifest.classes)
        self._keys = [str(c) for c in manifest.classes]

    def convert(self, rows: list[Any]) -> Conversion:
        return self._encoder.convert(rows)

    def predict(self, matrix: np.ndarray) -> list[Prediction]:
        """Predict a float32 [N, n_features] matrix in one call."""
        if len(matrix) == 0:
            return []
        labels, probabilities = self._session.run(self._output_names, {self.manifest.serving.input: matrix})
        classes, keys = self._classes, self._keys
        if probabilities.shape[1:] != (len(keys),):
            raise ArtifactError(f"model returned probabilities of shape {probabilities.shape}, "
                                f"expected [N, {len(keys)}]")
        if labels.min() < 0 or labels.max() >= len(classes):
            raise ArtifactError(f"model returned a label index outside the {len(classes)} classes")
        return [{"label": classes[index], "probabilities": dict(zip(keys, row))}
                for index, row in zip(labels.tolist(), probabilities.tolist())]
