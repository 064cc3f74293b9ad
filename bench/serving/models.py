"""The three benchmark models, trained once on the same data and saved both ways.

Slipway's artifact (model.onnx + manifest.json in model.tar.gz, and its pointer) and the naive
baseline's joblib file of the very same fitted estimator. Data: 20,000 rows x 30 features
(``make_classification``); XGBoost 200 rounds of depth 6; a StandardScaler -> LogisticRegression
pipeline; a 100-tree random forest with scikit-learn's defaults (unbounded depth).
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

N_ROWS, N_FEATURES = 20_000, 30
XGB_TREES, XGB_DEPTH, RF_TREES = 200, 6, 100
SMOKE = {"rows": 600, "xgb_trees": 5, "xgb_depth": 3, "rf_trees": 3}  # --smoke: seconds, not minutes
FEATURES = [f"f{i:02d}" for i in range(N_FEATURES)]
MODELS = ("xgboost", "logistic_regression", "random_forest")
LABELS = {"xgboost": "XGBoost 200x d6", "logistic_regression": "LR pipeline", "random_forest": "RF 100 trees"}
_VERSION = "1"


@dataclass(frozen=True)
class BenchModel:
    name: str
    directory: Path

    @property
    def archive(self) -> Path:
        return self.directory / "model.tar.gz"

    @property
    def pointer(self) -> Path:
        return self.directory / "pointer.json"

    @property
    def joblib_file(self) -> Path:
        return self.directory / "model.joblib"

    @property
    def ubj_file(self) -> Path | None:
        """XGBoost's own format (data, not code), for the stream floor's native predictor."""
        path = self.directory / "model.ubj"
        return path if path.is_file() else None

    @property
    def onnx_file(self) -> Path:
        return self.directory / "model.onnx"

    def manifest(self) -> dict[str, Any]:
        return json.loads((self.directory / "manifest.json").read_text())

    def info(self) -> dict[str, Any]:
        return json.loads((self.directory / "info.json").read_text())


def data(rows: int = N_ROWS) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import make_classification

    X, y = make_classification(n_samples=rows, n_features=N_FEATURES, n_informative=15, random_state=0)
    return X.astype(np.float32), y


def _fit(name: str, X: np.ndarray, y: np.ndarray, sizes: dict[str, int]) -> tuple[Any, bytes]:
    if name == "xgboost":
        import onnxmltools
        import xgboost
        from onnxmltools.convert.common.data_types import FloatTensorType

        model = xgboost.XGBClassifier(n_estimators=sizes["xgb_trees"], max_depth=sizes["xgb_depth"], n_jobs=1, random_state=0).fit(X, y)
        onnx = onnxmltools.convert_xgboost(model, initial_types=[("features", FloatTensorType([None, N_FEATURES]))],
                                           target_opset=15)
        return model, onnx.SerializeToString()
    from skl2onnx import to_onnx
    from skl2onnx.common.data_types import FloatTensorType
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if name == "logistic_regression":
        model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(X, y)
    else:
        model = RandomForestClassifier(n_estimators=sizes["rf_trees"], random_state=0).fit(X, y)
    onnx = to_onnx(model, initial_types=[("features", FloatTensorType([None, N_FEATURES]))],
                   options={id(model): {"zipmap": False}}, target_opset={"": 17, "ai.onnx.ml": 3})
    return model, onnx.SerializeToString()


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _artifact(name: str, onnx: bytes, X: np.ndarray) -> tuple[bytes, dict[str, Any]]:
    manifest = {
        "schema_version": 1, "model_name": f"bench-{name.replace('_', '-')}", "created_at": "2026-11-21T00:00:00Z",
        "task": "classification", "algorithm": name, "target": "target",
        "features": [{"name": f, "type": "number"} for f in FEATURES], "classes": [0, 1],
        "serving": {"format": "onnx", "file": "model.onnx", "input": "features",
                    "outputs": {"label": "label", "probabilities": "probabilities"}},
        "files": {"model.onnx": {"sha256": _sha256(onnx), "bytes": len(onnx), "format": "onnx"}},
        "metrics": {}, "versions": {}, "data": {"fingerprint": "sha256:" + _sha256(X.tobytes()), "rows": len(X)},
    }
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for member, payload in (("model.onnx", onnx), ("manifest.json", json.dumps(manifest).encode())):
            info = tarfile.TarInfo(member)
            info.size = len(payload)
            archive.addfile(info, io.BytesIO(payload))
    return buffer.getvalue(), manifest


def ensure(root: Path, *, smoke: bool = False) -> dict[str, BenchModel]:
    """Train and save the models under ``root`` unless this version of them is already there."""
    import joblib  # the naive baseline's format: allowed in bench/, never under lambdas/

    sizes = SMOKE if smoke else {"rows": N_ROWS, "xgb_trees": XGB_TREES, "xgb_depth": XGB_DEPTH, "rf_trees": RF_TREES}
    version = f"{_VERSION}-{sizes}"
    models = {name: BenchModel(name, root / name) for name in (MODELS[:1] if smoke else MODELS)}  # smoke: every path, one model
    if all((m.directory / "info.json").is_file() and m.info().get("version") == version for m in models.values()):
        return models
    X, y = data(sizes["rows"])
    for name, model in models.items():
        print(f"   training {LABELS[name]} on {sizes['rows']} x {N_FEATURES}", flush=True)
        fitted, onnx = _fit(name, X, y, sizes)
        model.directory.mkdir(parents=True, exist_ok=True)
        archive, manifest = _artifact(name, onnx, X)
        model.archive.write_bytes(archive)
        model.onnx_file.write_bytes(onnx)
        (model.directory / "manifest.json").write_text(json.dumps(manifest))
        if name == "xgboost":
            fitted.get_booster().save_model(model.directory / "model.ubj")
        model.pointer.write_text(json.dumps({
            "schema_version": 1, "model_name": manifest["model_name"], "version": "bench-1",
            "uri": f"s3://bench-models/models/{name}/model.tar.gz", "sha256": _sha256(archive),
            "promoted_at": "2026-11-21T00:00:00Z"}))
        joblib.dump(fitted, model.joblib_file)
        nodes = _nodes(fitted)
        (model.directory / "info.json").write_text(json.dumps({
            "version": version, "onnx_bytes": len(onnx), "joblib_bytes": model.joblib_file.stat().st_size,
            "tree_nodes": nodes}))
    return models


def _nodes(model: Any) -> int | None:
    if hasattr(model, "estimators_"):
        return int(sum(tree.tree_.node_count for tree in model.estimators_))
    if hasattr(model, "get_booster"):
        return int(sum(tree.count("\n") for tree in model.get_booster().get_dump()))  # one line per node
    return None


def sample_rows(n: int, seed: int = 1) -> list[dict[str, float]]:
    """Rows as clients send them: objects keyed by feature name, values with 6 significant digits
    (as measurements and CSV exports carry them; a Kinesis record is then ~450 bytes of JSON)."""
    X, _ = data()
    rows = X[np.random.default_rng(seed).integers(0, len(X), n)]
    return [{name: float(f"{value:.6g}") for name, value in zip(FEATURES, row)} for row in rows.tolist()]
