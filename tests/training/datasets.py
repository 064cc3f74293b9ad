"""Small bundled scikit-learn datasets written as CSV, the way a user would hand them over."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
from sklearn.datasets import load_breast_cancer, load_iris

IRIS_CLASSES = ["setosa", "versicolor", "virginica"]


def breast_cancer_frame() -> pd.DataFrame:
    return load_breast_cancer(as_frame=True).frame


def iris_frame() -> pd.DataFrame:
    """Iris with its species names as labels: string classes must survive the round trip."""
    bunch = load_iris(as_frame=True)
    frame = bunch.frame.copy()
    frame["target"] = [str(bunch.target_names[i]) for i in bunch.target]
    return frame


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False)
    return path
