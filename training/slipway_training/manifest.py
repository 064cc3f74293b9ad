"""manifest.json, exactly as docs/contracts.md §2 and contracts/manifest.schema.json define it."""
from __future__ import annotations

import hashlib
import importlib
import json
import platform
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from . import __version__
from .data import Dataset
from .export import INPUT_NAME
from .hyperparameters import Hyperparameters
from .tasks import OUTPUTS

SCHEMA_VERSION = 1
MANIFEST = "manifest.json"
ONNX_FILE = "model.onnx"
NATIVE_FILE = "model.ubj"
METRICS_FILE = "metrics.json"
_FORMATS = {".onnx": "onnx", ".ubj": "xgboost-ubj", ".json": "json"}
# Read from the modules: the distribution names differ by image (xgboost vs xgboost-cpu)
_MODULES = {"xgboost": "xgboost", "onnx": "onnx", "onnxmltools": "onnxmltools",
            "skl2onnx": "skl2onnx", "onnxruntime": "onnxruntime", "numpy": "numpy",
            "pandas": "pandas", "scikit-learn": "sklearn"}


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def describe_files(model_dir: Path) -> dict[str, dict[str, Any]]:
    """Every file in the model directory but the manifest: the loader refuses unlisted files."""
    files = sorted(p for p in model_dir.rglob("*") if p.is_file() and p.name != MANIFEST)
    return {
        path.relative_to(model_dir).as_posix(): {
            "sha256": sha256_file(path),
            "bytes": path.stat().st_size,
            "format": _FORMATS.get(path.suffix, "binary"),
        }
        for path in files
    }


def library_versions() -> dict[str, str]:
    versions = {"python": platform.python_version(), "slipway_training": __version__}
    for name, module in _MODULES.items():
        version = getattr(importlib.import_module(module), "__version__", None)
        if isinstance(version, str):
            versions[name] = version
    return versions


def build(*, hp: Hyperparameters, data: Dataset, metrics: dict[str, float],
          files: dict[str, dict[str, Any]], created_at: datetime,
          training: dict[str, Any] | None = None) -> dict[str, Any]:
    document: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "model_name": hp.model_name,
        "created_at": created_at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "task": data.task,
        "algorithm": hp.algorithm,
        "target": hp.target if hp.supervised else None,
        "features": [feature.manifest() for feature in data.schema.features],
    }
    if data.classes is not None:
        document["classes"] = list(data.classes)
    document |= {
        "serving": {
            "format": "onnx",
            "file": ONNX_FILE,
            "input": INPUT_NAME,
            "outputs": {name: name for name in OUTPUTS[data.task]},
        },
        "files": files,
        "metrics": metrics,
        "hyperparameters": hp.as_dict(),
        "versions": library_versions(),
        "data": {
            "fingerprint": data.fingerprint,
            "formats": list(data.formats),
            "rows": data.rows,
            "train_rows": int(len(data.x_train)),
            "validation_rows": int(len(data.x_valid)),
        },
    }
    if training:
        document["training"] = training
    return document


def write(model_dir: Path, manifest: dict[str, Any]) -> Path:
    path = model_dir / MANIFEST
    path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return path


def now() -> datetime:
    return datetime.now(timezone.utc)
