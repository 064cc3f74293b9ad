"""Demo data: a table that scikit-learn ships, written to CSV so it takes the path a user's CSV takes."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from sklearn import datasets
from sklearn.model_selection import train_test_split

_LOADERS = {"breast_cancer": datasets.load_breast_cancer, "iris": datasets.load_iris, "wine": datasets.load_wine}


@dataclass(frozen=True)
class DemoData:
    train_csv: Path
    holdout_csv: Path
    target: str
    features: list[str]


def write_dataset(name: str, directory: Path, *, holdout_fraction: float = 0.2, seed: int = 7,
                  target: str = "target") -> DemoData:
    """Split once, here: the holdout never reaches training, so serving is scored on unseen rows."""
    if name not in _LOADERS:
        raise ValueError(f"unknown dataset {name!r}; choose one of {', '.join(sorted(_LOADERS))}")
    frame: pd.DataFrame = _LOADERS[name](as_frame=True).frame.rename(columns={"target": target})
    train, holdout = train_test_split(frame, test_size=holdout_fraction, random_state=seed, stratify=frame[target])
    directory.mkdir(parents=True, exist_ok=True)
    data = DemoData(directory / "train.csv", directory / "holdout.csv", target,
                    [c for c in frame.columns if c != target])
    train.to_csv(data.train_csv, index=False)
    holdout.to_csv(data.holdout_csv, index=False)
    return data
