"""The dataset of one run: the train channel (and an optional validation channel) read, the
feature schema inferred, features encoded, labels encoded, and a seeded holdout split when there
is no validation channel."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from . import labels, reading, schema
from .errors import InvalidFeatures, InvalidSplit
from .hyperparameters import Hyperparameters
from .reading import Table, data_files, fingerprint  # noqa: F401 - part of this module's API

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Dataset:
    task: str
    schema: schema.Schema
    classes: tuple[Any, ...] | None  # classification only; encoded label i is classes[i]
    x_train: np.ndarray  # float32, columns in schema order
    y_train: np.ndarray | None  # class indices, values, or None (unsupervised)
    x_valid: np.ndarray
    y_valid: np.ndarray | None
    fingerprint: str
    formats: tuple[str, ...]

    @property
    def feature_names(self) -> tuple[str, ...]:
        return self.schema.names

    @property
    def rows(self) -> int:
        return len(self.x_train) + len(self.x_valid)


def split(x: np.ndarray, y: np.ndarray | None, fraction: float, seed: int, *,
          stratify: bool) -> tuple[np.ndarray, np.ndarray | None, np.ndarray, np.ndarray | None]:
    """Seeded (and stratified for classes), so a rerun holds out exactly the same rows."""
    from sklearn.model_selection import train_test_split

    arrays = [x] if y is None else [x, y]
    try:
        parts = train_test_split(*arrays, test_size=fraction, random_state=seed,
                                 stratify=y if stratify else None)
    except ValueError as error:
        raise InvalidSplit(f"cannot hold out validation_fraction={fraction} of {len(x)} rows"
                           f"{' stratified by class' if stratify else ''}: {error}") from None
    if y is None:
        return parts[0], None, parts[1], None
    x_train, x_valid, y_train, y_valid = parts
    if stratify and len(np.unique(y_train)) != len(np.unique(y)):
        raise InvalidSplit(f"validation_fraction={fraction} leaves a class without train rows")
    return x_train, y_train, x_valid, y_valid


def _targets(hp: Hyperparameters, table: Table, classes: tuple[Any, ...] | None
             ) -> tuple[np.ndarray | None, tuple[Any, ...] | None]:
    if hp.task == "classification":
        found = labels.class_labels(table, hp.target)
        classes = classes or labels.classes_of(found, hp.target, table)
        return labels.encode_classes(found, classes, hp.target, table), classes
    if hp.task == "regression":
        return labels.regression_values(table, hp.target), None
    return None, None


def load(train_dir: Path, validation_dir: Path | None, hp: Hyperparameters) -> Dataset:
    train = reading.read_channel(train_dir, target=hp.target, require_target=hp.supervised)
    valid = None if validation_dir is None else reading.read_channel(
        validation_dir, target=hp.target, require_target=hp.supervised)
    if hp.categorical and hp.target in hp.categorical:
        raise InvalidFeatures(f"'categorical' lists the target column {hp.target!r}")
    columns = [str(c) for c in train.frame.columns if c != hp.target]
    if hp.target in train.frame.columns and not hp.supervised:
        log.info("the %s task ignores the column %r", hp.task, hp.target)
    features = schema.infer(train, columns, hp.categorical, [valid] if valid else [])
    x = schema.encode(train, features)
    y, classes = _targets(hp, train, None)
    if valid is None:
        x_train, y_train, x_valid, y_valid = split(
            x, y, hp.validation_fraction, hp.seed, stratify=hp.task == "classification")
    else:
        x_train, y_train = x, y
        x_valid = schema.encode(valid, features)
        y_valid, _ = _targets(hp, valid, classes)
    log.info("read %d train and %d validation rows, %d features%s", len(x_train), len(x_valid),
             len(columns), f", {len(classes)} classes" if classes else "")
    return Dataset(task=hp.task, schema=features, classes=classes, x_train=x_train,
                   y_train=y_train, x_valid=x_valid, y_valid=y_valid,
                   fingerprint=reading.fingerprint(train.files), formats=train.formats)
