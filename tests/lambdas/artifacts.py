"""Builds small, real model artifacts per docs/contracts.md for the serving tests.

Stands in for training/ (written separately): XGBoost classifiers through onnxmltools, and one
scikit-learn model per task through skl2onnx, with the output names the contract gives.
"""
from __future__ import annotations

import hashlib
import io
import json
import tarfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

MODELS_BUCKET = "slipway-models"
RESULTS_BUCKET = "slipway-results"
DATA_BUCKET = "slipway-data"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class BuiltModel:
    name: str
    directory: Path  # model.onnx, model.ubj (xgboost), metrics.json, manifest.json
    archive: bytes  # model.tar.gz
    manifest: dict[str, Any]
    feature_names: list[str]
    classes: list[Any]
    X: np.ndarray  # float32 sample rows, as the model sees them (categories as indices)
    expected: np.ndarray  # the original model on X: predict_proba, or the task's main output
    raw_rows: list[dict[str, Any]] = field(default_factory=list)  # X as a client sends it
    expected_outputs: dict[str, np.ndarray] = field(default_factory=dict)  # role -> original model

    @property
    def task(self) -> str:
        return self.manifest["task"]

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

    def rows(self, n: int) -> list[dict[str, Any]]:
        if self.raw_rows:
            return [dict(row) for row in self.raw_rows[:n]]
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


def write_model(directory: Path, *, name: str, task: str, algorithm: str, onnx: bytes,
                features: list[dict[str, Any]], outputs: dict[str, str], X: np.ndarray,
                classes: list[Any] | None = None, extra_files: dict[str, tuple[bytes, str]] | None = None,
                metrics: dict[str, float] | None = None) -> tuple[dict[str, Any], bytes]:
    """Write the model directory and return (manifest, model.tar.gz) as training/ would."""
    directory.mkdir(parents=True)
    files = {"model.onnx": (onnx, "onnx"), **(extra_files or {}),
             "metrics.json": (json.dumps(metrics or {"train:rows": float(len(X))}).encode(), "json")}
    manifest: dict[str, Any] = {
        "schema_version": 1, "model_name": name, "created_at": "2026-11-21T09:45:00Z",
        "task": task, "algorithm": algorithm, "target": "target" if classes is not None else None,
        "features": features,
        "serving": {"format": "onnx", "file": "model.onnx", "input": "features", "outputs": outputs},
        "files": {f: {"sha256": sha256(data), "bytes": len(data), "format": fmt} for f, (data, fmt) in files.items()},
        "metrics": json.loads(files["metrics.json"][0]),
        "hyperparameters": {},
        "versions": {"python": "3.12"},
        "data": {"fingerprint": "sha256:" + sha256(X.tobytes()), "rows": len(X)},
    }
    if classes is not None:
        manifest["classes"] = classes
    contents = {f: data for f, (data, _) in files.items()}
    contents["manifest.json"] = json.dumps(manifest, indent=2).encode()
    for file, data in contents.items():
        (directory / file).write_bytes(data)
    return manifest, pack(contents)


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
    manifest, archive = write_model(
        directory, name=name, task="classification", algorithm="xgboost", onnx=onx.SerializeToString(),
        features=[{"name": f, "type": "number"} for f in feature_names],
        outputs={"label": "label", "probabilities": "probabilities"}, X=X, classes=classes,
        extra_files={"model.ubj": (bytes(model.get_booster().save_raw(raw_format="ubj")), "xgboost-ubj")},
        metrics={"train:accuracy": float((model.predict(X) == y).mean())})
    sample = X[:64].astype(np.float32)
    return BuiltModel(name=name, directory=directory, archive=archive, manifest=manifest,
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


# --- scikit-learn, one model per task -------------------------------------------------------

COLOURS = ["red", "green", "blue"]
MIXED_FEATURES = [{"name": "size", "type": "number"},
                  {"name": "weight", "type": "number", "allow_missing": True},
                  {"name": "colour", "type": "category", "categories": COLOURS, "allow_missing": True}]


def _mixed_data(n: int = 300) -> tuple[np.ndarray, list[dict[str, Any]], np.ndarray]:
    """Rows with a missing-value feature and a category (sent to the model as its index)."""
    rng = np.random.default_rng(7)
    size = rng.normal(10, 3, n)
    weight = rng.normal(50, 10, n)
    colour = rng.integers(0, 3, n).astype(float)
    weight[rng.random(n) < 0.15] = np.nan
    colour[rng.random(n) < 0.1] = np.nan
    X = np.column_stack([size, weight, colour]).astype(np.float32)
    y = ((size > 10) ^ (np.nan_to_num(colour, nan=0) == 2)).astype(int)
    rows = [{"size": float(s), "weight": None if np.isnan(w) else float(w),
             "colour": None if np.isnan(c) else COLOURS[int(c)]} for s, w, c in X.tolist()]
    return X, rows, y


def _mixed_pipeline(final: Any) -> Any:
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    numbers = Pipeline([("impute", SimpleImputer(strategy="mean")), ("scale", StandardScaler())])
    categories = Pipeline([("impute", SimpleImputer(strategy="most_frequent")),
                           ("onehot", OneHotEncoder(handle_unknown="ignore"))])
    prepare = ColumnTransformer([("num", numbers, [0, 1]), ("cat", categories, [2])])
    return Pipeline([("prepare", prepare), ("model", final)])


def _to_onnx(model: Any, n_features: int, options: dict[Any, Any] | None = None) -> bytes:
    from skl2onnx import to_onnx
    from skl2onnx.common.data_types import FloatTensorType

    onx = to_onnx(model, initial_types=[("features", FloatTensorType([None, n_features]))],
                  options=options, target_opset={"": 17, "ai.onnx.ml": 3})
    return onx.SerializeToString()


def _sklearn_model(directory: Path, *, name: str, task: str, model: Any, onnx: bytes, outputs: dict[str, str],
                   X: np.ndarray, rows: list[dict[str, Any]], features: list[dict[str, Any]],
                   expected: dict[str, np.ndarray], classes: list[Any] | None = None) -> BuiltModel:
    manifest, archive = write_model(directory, name=name, task=task, algorithm=type(model).__name__.lower(),
                                    onnx=onnx, features=features, outputs=outputs, X=X, classes=classes)
    main = next(iter(expected.values()))
    return BuiltModel(name=name, directory=directory, archive=archive, manifest=manifest,
                      feature_names=[f["name"] for f in features], classes=classes or [], X=X[:64],
                      expected=main[:64], raw_rows=rows[:64],
                      expected_outputs={k: v[:64] for k, v in expected.items()})


def build_mixed_classifier(directory: Path) -> BuiltModel:
    """Logistic regression behind imputation and one-hot encoding, all inside the ONNX graph."""
    from sklearn.linear_model import LogisticRegression

    X, rows, y = _mixed_data()
    model = _mixed_pipeline(LogisticRegression(max_iter=500)).fit(X, y)
    onnx = _to_onnx(model, 3, {id(model): {"zipmap": False}})
    return _sklearn_model(directory, name="shapes", task="classification", model=model, onnx=onnx,
                          outputs={"label": "label", "probabilities": "probabilities"}, X=X, rows=rows,
                          features=MIXED_FEATURES, classes=["small", "large"],
                          expected={"probabilities": model.predict_proba(X), "label": model.predict(X)})


def build_regressor(directory: Path) -> BuiltModel:
    from sklearn.linear_model import Ridge

    X, rows, _ = _mixed_data()
    target = 2.0 * np.nan_to_num(X[:, 0]) - 0.1 * np.nan_to_num(X[:, 1])
    model = _mixed_pipeline(Ridge()).fit(X, target)
    return _sklearn_model(directory, name="weights", task="regression", model=model, onnx=_to_onnx(model, 3),
                          outputs={"value": "variable"}, X=X, rows=rows, features=MIXED_FEATURES,
                          expected={"value": model.predict(X)})


def _numeric_data(n: int = 200, d: int = 4) -> tuple[np.ndarray, list[dict[str, Any]], list[dict[str, Any]]]:
    rng = np.random.default_rng(3)
    X = np.vstack([rng.normal(0, 1, (n // 2, d)), rng.normal(5, 1, (n - n // 2, d))]).astype(np.float32)
    names = [f"x{i}" for i in range(d)]
    return X, [dict(zip(names, map(float, row))) for row in X.tolist()], [{"name": n, "type": "number"} for n in names]


def build_clusterer(directory: Path) -> BuiltModel:
    """PCA -> K-Means: a clustering model (docs/contracts.md §2)."""
    from sklearn.cluster import KMeans
    from sklearn.decomposition import PCA
    from sklearn.pipeline import Pipeline

    X, rows, features = _numeric_data()
    model = Pipeline([("pca", PCA(n_components=2)), ("kmeans", KMeans(n_clusters=3, n_init=3, random_state=0))]).fit(X)
    return _sklearn_model(directory, name="segments", task="clustering", model=model, onnx=_to_onnx(model, 4),
                          outputs={"label": "label", "distances": "scores"}, X=X, rows=rows, features=features,
                          expected={"label": model.predict(X), "distances": model.transform(X)})


def build_reducer(directory: Path) -> BuiltModel:
    from sklearn.decomposition import PCA

    X, rows, features = _numeric_data()
    model = PCA(n_components=2).fit(X)
    return _sklearn_model(directory, name="projection", task="dimensionality_reduction", model=model,
                          onnx=_to_onnx(model, 4), outputs={"components": "variable"}, X=X, rows=rows,
                          features=features, expected={"components": model.transform(X)})


def build_anomaly_detector(directory: Path) -> BuiltModel:
    from sklearn.ensemble import IsolationForest

    X, rows, features = _numeric_data()
    model = IsolationForest(n_estimators=20, contamination=0.1, random_state=0).fit(X)
    return _sklearn_model(directory, name="outliers", task="anomaly_detection", model=model,
                          onnx=_to_onnx(model, 4), outputs={"label": "label", "score": "scores"}, X=X, rows=rows,
                          features=features, expected={"label": model.predict(X), "score": model.decision_function(X)})


SKLEARN_BUILDERS = {"classification": build_mixed_classifier, "regression": build_regressor,
                    "clustering": build_clusterer, "dimensionality_reduction": build_reducer,
                    "anomaly_detection": build_anomaly_detector}
