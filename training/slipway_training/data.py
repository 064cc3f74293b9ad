"""Reading a channel's CSV files into features and encoded labels, and the train/validation split."""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

from .errors import (InconsistentColumns, InvalidFeatures, InvalidLabels, InvalidSplit,
                     MissingTargetColumn, NoTrainingData)

log = logging.getLogger(__name__)
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Table:
    """One channel as read: features still as a frame, labels as JSON-typed Python values."""
    features: pd.DataFrame
    labels: list[Any]
    files: tuple[Path, ...]


@dataclass(frozen=True)
class Dataset:
    feature_names: tuple[str, ...]
    classes: tuple[Any, ...]  # JSON-typed (str | int | bool); encoded label i is classes[i]
    x_train: np.ndarray  # float32, columns in feature_names order
    y_train: np.ndarray  # int, indices into classes
    x_valid: np.ndarray
    y_valid: np.ndarray
    fingerprint: str

    @property
    def rows(self) -> int:
        return len(self.y_train) + len(self.y_valid)


def csv_files(channel: Path) -> tuple[Path, ...]:
    # S3 prefixes arrive as nested folders; a stable order keeps the fingerprint stable
    files = sorted(p for p in channel.rglob("*.csv") if p.is_file()) if channel.is_dir() else []
    if not files:
        raise NoTrainingData(f"no .csv files in channel directory {channel}")
    return tuple(files)


def fingerprint(files: tuple[Path, ...]) -> str:
    digest = hashlib.sha256()
    for path in files:
        with path.open("rb") as handle:
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
    return "sha256:" + digest.hexdigest()


def read_channel(channel: Path, target: str) -> Table:
    files = csv_files(channel)
    frames = [_read_csv(path, target) for path in files]
    columns = list(frames[0].columns)
    for path, frame in zip(files[1:], frames[1:]):
        if set(frame.columns) != set(columns):
            raise InconsistentColumns(
                f"{path} has columns {list(frame.columns)}, but {files[0]} has {columns}")
    frame = pd.concat([f[columns] for f in frames], ignore_index=True)
    if frame.empty:
        raise NoTrainingData(f"the .csv files in {channel} hold no rows")
    labels = _labels(frame[target], target, channel)
    return Table(features=frame.drop(columns=[target]), labels=labels, files=files)


def _read_csv(path: Path, target: str) -> pd.DataFrame:
    frame = pd.read_csv(path)
    if target not in frame.columns:
        raise MissingTargetColumn(target, path, frame.columns)
    return frame


def _labels(column: pd.Series, target: str, channel: Path) -> list[Any]:
    missing = int(column.isna().sum())
    if missing:
        raise InvalidLabels(f"target column {target!r} in {channel} has {missing} empty value(s)")
    if ptypes.is_bool_dtype(column):
        return [bool(v) for v in column]
    if ptypes.is_integer_dtype(column):
        return [int(v) for v in column]
    if ptypes.is_float_dtype(column):
        values = column.to_numpy()
        if not np.all(np.mod(values, 1) == 0):
            raise InvalidLabels(
                f"target column {target!r} in {channel} holds non-integer numbers; "
                "classification needs class labels (regression is not supported yet)")
        return [int(v) for v in values]
    return [str(v) for v in column]


def feature_matrix(features: pd.DataFrame, names: tuple[str, ...], source: Path) -> np.ndarray:
    missing = [name for name in names if name not in features.columns]
    if missing:
        raise InconsistentColumns(f"{source} lacks feature column(s) {missing}")
    frame = features[list(names)]
    # Categorical features need an encoder in the served graph; until then, refuse them by name
    bad = [name for name in names
           if not (ptypes.is_numeric_dtype(frame[name]) or ptypes.is_bool_dtype(frame[name]))]
    if bad:
        raise InvalidFeatures(f"feature column(s) {bad} in {source} are not numeric")
    return frame.to_numpy(dtype=np.float32)


def encode(labels: list[Any], classes: tuple[Any, ...], source: Path) -> np.ndarray:
    index = {label: i for i, label in enumerate(classes)}
    unknown = sorted({label for label in labels if label not in index}, key=repr)
    if unknown:
        raise InvalidLabels(f"labels {unknown} in {source} do not occur in the train channel")
    return np.array([index[label] for label in labels], dtype=np.int64)


def split(x: np.ndarray, y: np.ndarray, fraction: float, seed: int
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Seeded and stratified, so every class lands on both sides and a rerun is identical."""
    from sklearn.model_selection import train_test_split

    try:
        x_train, x_valid, y_train, y_valid = train_test_split(
            x, y, test_size=fraction, random_state=seed, stratify=y)
    except ValueError as error:
        raise InvalidSplit(f"cannot hold out validation_fraction={fraction} of {len(y)} rows "
                           f"stratified by class: {error}") from None
    if len(np.unique(y_train)) != len(np.unique(y)):
        raise InvalidSplit(f"validation_fraction={fraction} leaves a class without train rows")
    return x_train, y_train, x_valid, y_valid


def load(train_dir: Path, validation_dir: Path | None, target: str, fraction: float,
         seed: int) -> Dataset:
    train = read_channel(train_dir, target)
    names = tuple(str(c) for c in train.features.columns)
    if not names:
        raise InvalidFeatures(f"{train_dir} has only the target column {target!r}")
    classes = tuple(sorted(set(train.labels)))
    if len(classes) < 2:
        raise InvalidLabels(f"target column {target!r} in {train_dir} has a single class "
                            f"{list(classes)}; classification needs at least two")
    x = feature_matrix(train.features, names, train_dir)
    y = encode(train.labels, classes, train_dir)
    if validation_dir is None:
        x_train, y_train, x_valid, y_valid = split(x, y, fraction, seed)
    else:
        valid = read_channel(validation_dir, target)
        x_train, y_train = x, y
        x_valid = feature_matrix(valid.features, names, validation_dir)
        y_valid = encode(valid.labels, classes, validation_dir)
    log.info("read %d train and %d validation rows, %d features, %d classes",
             len(y_train), len(y_valid), len(names), len(classes))
    return Dataset(feature_names=names, classes=classes, x_train=x_train, y_train=y_train,
                   x_valid=x_valid, y_valid=y_valid, fingerprint=fingerprint(train.files))
