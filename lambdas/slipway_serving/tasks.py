"""What each task's ONNX outputs mean and how they become prediction fields (docs/contracts.md §2).

One head per task. A head names the output roles it needs, checks the arrays the model returned,
and lays them out as JSON records (HTTP, Kinesis) or CSV columns (batch predictions).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import ArtifactError
from .manifest import Manifest


@dataclass(frozen=True)
class Outputs:
    """Predictions for ``n`` rows, column-wise: role -> checked numpy array."""

    n: int
    arrays: Mapping[str, np.ndarray]

    def rows(self, start: int, stop: int) -> "Outputs":
        """The predictions of rows [start, stop), as views of the same arrays."""
        stop = min(stop, self.n)
        return Outputs(max(0, stop - start), {role: array[start:stop] for role, array in self.arrays.items()})


class TaskHead:
    task = ""
    required: tuple[str, ...] = ()  # output roles the graph must have
    optional: tuple[str, ...] = ()

    def __init__(self, manifest: Manifest) -> None:
        self.manifest = manifest
        self.widths: dict[str, int] = {}  # static k of [N, k] outputs, for the header of an empty table

    def check(self, raw: Mapping[str, np.ndarray], n: int) -> Outputs:
        """Reshape and check the raw ONNX outputs; a mismatch is a defect of the artifact."""
        return Outputs(n, {role: self._check(role, np.asarray(array), n) for role, array in raw.items()})

    def _check(self, role: str, array: np.ndarray, n: int) -> np.ndarray:
        if role in ("value", "score"):
            if array.size != n or array.ndim not in (1, 2):
                raise ArtifactError(f"model returned {role} of shape {array.shape}, expected [N] or [N, 1]")
            return array.reshape(n)
        if role == "label":
            if array.shape != (n,) and array.shape != (n, 1):
                raise ArtifactError(f"model returned label of shape {array.shape}, expected [N]")
            return array.reshape(n)
        if array.ndim != 2 or array.shape[0] != n:
            raise ArtifactError(f"model returned {role} of shape {array.shape}, expected [N, k]")
        return array

    def records(self, outputs: Outputs) -> list[dict[str, Any]]:
        raise NotImplementedError

    def table(self, outputs: Outputs) -> tuple[list[str], list[list[Any]]]:
        """CSV header and rows (one per prediction) of the prediction fields."""
        raise NotImplementedError


def _column(outputs: Outputs, role: str) -> list[Any]:
    array = outputs.arrays.get(role)
    return [] if array is None else array.tolist()


def _wide(head: TaskHead, outputs: Outputs, prefix: str, role: str) -> list[str]:
    array = outputs.arrays.get(role)
    width = array.shape[1] if array is not None else head.widths.get(role, 0)
    return [f"{prefix}_{k}" for k in range(width)]


class Classification(TaskHead):
    task, required = "classification", ("label", "probabilities")

    def __init__(self, manifest: Manifest) -> None:
        super().__init__(manifest)
        assert manifest.classes is not None  # the manifest reader requires classes here
        self.classes = list(manifest.classes)
        self.keys = [str(c) for c in self.classes]

    def check(self, raw: Mapping[str, np.ndarray], n: int) -> Outputs:
        outputs = super().check(raw, n)
        labels, probabilities = outputs.arrays["label"], outputs.arrays["probabilities"]
        if probabilities.shape[1] != len(self.classes):
            raise ArtifactError(f"model returned probabilities of shape {probabilities.shape}, "
                                f"expected [N, {len(self.classes)}]")
        low, high = (min(labels.tolist()), max(labels.tolist())) if 0 < n <= 64 else (
            (labels.min(), labels.max()) if n else (0, 0))  # a few rows: Python beats numpy's call overhead
        if low < 0 or high >= len(self.classes):
            raise ArtifactError(f"model returned a label index outside the {len(self.classes)} classes")
        return outputs

    def records(self, outputs: Outputs) -> list[dict[str, Any]]:
        classes, keys = self.classes, self.keys
        return [{"label": classes[i], "probabilities": dict(zip(keys, row))} for i, row in
                zip(outputs.arrays["label"].tolist(), outputs.arrays["probabilities"].tolist())]

    def table(self, outputs: Outputs) -> tuple[list[str], list[list[Any]]]:
        classes = self.classes
        header = ["label"] + [f"probability_{k}" for k in self.keys]
        return header, [[classes[i], *row] for i, row in
                        zip(_column(outputs, "label"), _column(outputs, "probabilities"))]


class Regression(TaskHead):
    task, required = "regression", ("value",)

    def records(self, outputs: Outputs) -> list[dict[str, Any]]:
        return [{"value": v} for v in outputs.arrays["value"].tolist()]

    def table(self, outputs: Outputs) -> tuple[list[str], list[list[Any]]]:
        return ["value"], [[v] for v in _column(outputs, "value")]


class Clustering(TaskHead):
    task, required, optional = "clustering", ("label",), ("distances",)

    def records(self, outputs: Outputs) -> list[dict[str, Any]]:
        clusters = outputs.arrays["label"].tolist()
        if "distances" not in outputs.arrays:
            return [{"cluster": c} for c in clusters]
        return [{"cluster": c, "distances": d} for c, d in zip(clusters, outputs.arrays["distances"].tolist())]

    def table(self, outputs: Outputs) -> tuple[list[str], list[list[Any]]]:
        clusters = _column(outputs, "label")
        if "distances" not in self.manifest.serving.outputs:
            return ["cluster"], [[c] for c in clusters]
        return (["cluster", *_wide(self, outputs, "distance", "distances")],
                [[c, *d] for c, d in zip(clusters, _column(outputs, "distances"))])


class DimensionalityReduction(TaskHead):
    task, required = "dimensionality_reduction", ("components",)

    def records(self, outputs: Outputs) -> list[dict[str, Any]]:
        return [{"components": row} for row in outputs.arrays["components"].tolist()]

    def table(self, outputs: Outputs) -> tuple[list[str], list[list[Any]]]:
        return _wide(self, outputs, "component", "components"), _column(outputs, "components")


class AnomalyDetection(TaskHead):
    task, required = "anomaly_detection", ("label", "score")

    def check(self, raw: Mapping[str, np.ndarray], n: int) -> Outputs:
        outputs = super().check(raw, n)
        if not np.isin(outputs.arrays["label"], (1, -1)).all():
            raise ArtifactError("model returned an anomaly label other than 1 (inlier) or -1 (outlier)")
        return outputs

    def records(self, outputs: Outputs) -> list[dict[str, Any]]:
        return [{"anomaly": label == -1, "score": score} for label, score in
                zip(outputs.arrays["label"].tolist(), outputs.arrays["score"].tolist())]

    def table(self, outputs: Outputs) -> tuple[list[str], list[list[Any]]]:
        return ["anomaly", "score"], [["true" if label == -1 else "false", score] for label, score in
                                      zip(_column(outputs, "label"), _column(outputs, "score"))]


HEADS: dict[str, type[TaskHead]] = {head.task: head for head in (
    Classification, Regression, Clustering, DimensionalityReduction, AnomalyDetection)}


def head_for(manifest: Manifest) -> TaskHead:
    head = HEADS[manifest.task](manifest)
    outputs = manifest.serving.outputs
    missing = [role for role in head.required if role not in outputs]
    if missing:
        raise ArtifactError(f"manifest: 'serving.outputs' of a {manifest.task} model must name "
                            f"{', '.join(repr(r) for r in head.required)}; missing {', '.join(map(repr, missing))}")
    return head
