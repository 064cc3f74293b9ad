"""Small bundled scikit-learn datasets written as CSV or Parquet, the way a user would hand them
over, plus a variant with a categorical column and missing values."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris

IRIS_CLASSES = ["setosa", "versicolor", "virginica"]
COLORS = ["blue", "green", "red"]


def breast_cancer_frame() -> pd.DataFrame:
    return load_breast_cancer(as_frame=True).frame


def iris_frame() -> pd.DataFrame:
    """Iris with its species names as labels: string classes must survive the round trip."""
    bunch = load_iris(as_frame=True)
    frame = bunch.frame.copy()
    frame["target"] = [str(bunch.target_names[i]) for i in bunch.target]
    return frame


def diabetes_frame() -> pd.DataFrame:
    return load_diabetes(as_frame=True).frame


def with_color_and_gaps(frame: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """Adds a text column `color` and blanks ~10 % of `color` and of the first feature."""
    rng = np.random.default_rng(seed)
    frame = frame.copy()
    frame.insert(1, "color", rng.choice(COLORS, len(frame)))
    first = frame.columns[0]
    frame.loc[rng.random(len(frame)) < 0.1, first] = np.nan
    frame.loc[rng.random(len(frame)) < 0.1, "color"] = None
    return frame


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False)
    return path


def write_parquet(frame: pd.DataFrame, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(path, index=False)
    return path
