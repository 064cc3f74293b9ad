"""Builds small, real model artifacts per docs/contracts.md for the serving tests.

Stands in for training/ (written separately); a contract test connects the two later.
"""
from __future__ import annotations

import hashlib
import io
import json
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

MODELS_BUCKET = "slipway-models"
RESULTS_BUCKET = "slipway-results"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class BuiltModel:
    name: str
    directory: Path  # model.onnx, model.ubj, metrics.json, manifest.json
    archive: bytes  # model.tar.gz
    manifest: dict[str, Any]
    feature_names: list[str]
    classes: list[Any]
    X: np.ndarray  # float32 sample rows
    expected: np.ndarray  # xgboost predict_proba on X

    def files(self) -> dict[str, bytes]:
        return {p.name: p.read_bytes() for p in sorted(self.directory.iterdir())}

    def pointer(self, version: str = "20261121T094500Z-1a2b3c4d", archive: bytes | None = None,
                bucket: str = MODELS_BUCKET) -> dict[str, Any]:
        return {"schema_version": 1, "model_name": self.name, "version": version,
                "uri": f"s3://{bucket}/{self.key(version)}",
                "sha256": sha256(self.archive if archive is None else archive),
                "promoted_at": "2026-11-21T09:45:00Z"}

    def key(self, version: str) -> str:
        return f"models/{self.name}/{version}/model.tar.gz"

    def rows(self, n: int) -> list[dict[str, float]]:
        return [dict(zip(self.feature_names, map(float, row))) for row in self.X[:n].tolist()]


def pack(members: dict[str, bytes], *, prefix: str = "") -> bytes:
    """A tar.gz with regular files at the archive root, like SageMaker's model.tar.gz."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(prefix + name)
            info.size, info.mode = len(data), 0o644
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def pack_raw(entries: list[tuple[tarfile.TarInfo, bytes | None]]) -> bytes:
    """A tar.gz with arbitrary members (links, devices, odd names) for the negative tests."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for info, data in entries:
            archive.addfile(info, io.BytesIO(data) if data is not None else None)
    return buffer.getvalue()


def build(directory: Path, *, name: str, X: np.ndarray, y_labels: list[Any], feature_names: list[str],
          classes: list[Any]) -> BuiltModel:
    import onnxmltools
    import xgboost
    from onnxmltools.convert.common.data_types import FloatTensorType

    index = {label: i for i, label in enumerate(classes)}
    y = np.array([index[label] for label in y_labels])
    model = xgboost.XGBClassifier(n_estimators=10, max_depth=3, n_jobs=1, random_state=0).fit(X, y)
    onx = onnxmltools.convert_xgboost(model, initial_types=[("features", FloatTensorType([None, X.shape[1]]))],
                                      target_opset=15)
    directory.mkdir(parents=True)
    files = {"model.onnx": onx.SerializeToString(),
             "model.ubj": bytes(model.get_booster().save_raw(raw_format="ubj")),
             "metrics.json": json.dumps({"train:accuracy": float((model.predict(X) == y).mean())}).encode()}
    formats = {"model.onnx": "onnx", "model.ubj": "xgboost-ubj", "metrics.json": "json"}
    manifest = {
        "schema_version": 1, "model_name": name, "created_at": "2026-11-21T09:45:00Z",
        "task": "classification", "algorithm": "xgboost", "target": "target",
        "features": [{"name": f, "type": "number"} for f in feature_names],
        "classes": classes,
        "serving": {"format": "onnx", "file": "model.onnx", "input": "features",
                    "outputs": {"label": "label", "probabilities": "probabilities"}},
        "files": {f: {"sha256": sha256(data), "bytes": len(data), "format": formats[f]} for f, data in files.items()},
        "metrics": json.loads(files["metrics.json"]),
        "hyperparameters": {"n_estimators": 10, "max_depth": 3},
        "versions": {"xgboost": xgboost.__version__, "onnxmltools": onnxmltools.__version__},
        "data": {"fingerprint": "sha256:" + sha256(X.tobytes()), "rows": len(X)},
    }
    files["manifest.json"] = json.dumps(manifest, indent=2).encode()
    for file, data in files.items():
        (directory / file).write_bytes(data)
    sample = X[:64].astype(np.float32)
    return BuiltModel(name=name, directory=directory, archive=pack(files), manifest=manifest,
                      feature_names=feature_names, classes=classes, X=sample,
                      expected=model.predict_proba(sample))


def build_breast_cancer(directory: Path) -> BuiltModel:
    from sklearn.datasets import load_breast_cancer

    data = load_breast_cancer()
    return build(directory, name="breast-cancer", X=data.data, y_labels=data.target.tolist(),
                 feature_names=[str(f) for f in data.feature_names], classes=[0, 1])


def build_iris(directory: Path) -> BuiltModel:
    from sklearn.datasets import load_iris

    data = load_iris()
    labels = [str(data.target_names[t]) for t in data.target]
    return build(directory, name="iris", X=data.data, y_labels=labels,
                 feature_names=[str(f) for f in data.feature_names], classes=[str(c) for c in data.target_names])
