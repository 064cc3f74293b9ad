"""ONNX Runtime predictor for a verified artifact. Pure: no I/O beyond loading the model file."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort

from .errors import ArtifactError
from .features import Conversion, RowEncoder
from .manifest import Manifest
from .tasks import Outputs, TaskHead, head_for

# A prediction as the HTTP API and the stream scorer return it: the task's fields (§2).
Prediction = dict[str, Any]


def _session(path: Path) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1  # Lambda gives one vCPU up to 1,769 MB; threads only contend
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.enable_cpu_mem_arena = False  # keeps peak RSS down; no measurable cost for trees/linear
    options.log_severity_level = 3
    try:
        return ort.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own untyped errors
        raise ArtifactError(f"{path.name} is not a loadable ONNX model: {exc}") from None


class Predictor:
    """One model: validates rows (``convert``) and predicts a float32 matrix in one call."""

    def __init__(self, manifest: Manifest, model_path: Path) -> None:
        self.manifest = manifest
        self.head: TaskHead = head_for(manifest)
        self._session = _session(model_path)
        inputs = {i.name: i for i in self._session.get_inputs()}
        if set(inputs) != {manifest.serving.input}:
            raise ArtifactError(f"model inputs {sorted(inputs)} do not match serving.input "
                                f"{manifest.serving.input!r}")
        width, n_features = inputs[manifest.serving.input].shape[-1], len(manifest.features)
        if isinstance(width, int) and width != n_features:
            raise ArtifactError(f"model expects {width} features, the manifest lists {n_features}")
        graph = {o.name: o for o in self._session.get_outputs()}
        roles = manifest.serving.outputs
        self._roles: list[str] = []
        for role in (*self.head.required, *self.head.optional):
            name = roles.get(role)
            if name is None:
                continue
            if name not in graph or not graph[name].type.startswith("tensor("):
                raise ArtifactError(f"model has no tensor output {name!r} for {role}")
            self._roles.append(role)
            width = graph[name].shape[-1] if graph[name].shape else None
            if isinstance(width, int):
                self.head.widths[role] = width
        self._names = [roles[role] for role in self._roles]
        self._input = manifest.serving.input
        self._encoder = RowEncoder(manifest)

    def convert(self, rows: list[Any]) -> Conversion:
        return self._encoder.convert(rows)

    def run(self, matrix: np.ndarray) -> Outputs:
        """The task's checked outputs for a float32 [N, n_features] matrix, in one call."""
        n = len(matrix)
        if n == 0:
            return Outputs(0, {})
        raw = self._session.run(self._names, {self._input: matrix})
        return self.head.check(dict(zip(self._roles, raw)), n)

    def predict(self, matrix: np.ndarray) -> list[Prediction]:
        outputs = self.run(matrix)
        return self.head.records(outputs) if outputs.n else []
