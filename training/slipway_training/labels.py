"""The target column: class labels (JSON-typed, encoded as indices into `classes`) or regression
values. Every refusal names the file and row."""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

from .errors import InvalidLabels
from .reading import Table


def _first(mask: pd.Series | np.ndarray) -> int:
    return int(np.asarray(mask).nonzero()[0][0])


def _no_missing(column: pd.Series, target: str, table: Table) -> None:
    missing = column.isna()
    if missing.any():
        raise InvalidLabels(f"target column {target!r} has {int(missing.sum())} empty value(s), "
                            f"the first at {table.where(_first(missing))}")


def class_labels(table: Table, target: str) -> list[Any]:
    column = table.frame[target]
    _no_missing(column, target, table)
    if ptypes.is_bool_dtype(column):
        return [bool(v) for v in column]
    if ptypes.is_integer_dtype(column):
        return [int(v) for v in column]
    if ptypes.is_float_dtype(column):
        values = column.to_numpy()
        fractional = np.mod(values, 1) != 0
        if fractional.any():
            raise InvalidLabels(
                f"target column {target!r} holds non-integer numbers (first: {float(values[fractional][0])!r} "
                f"at {table.where(_first(fractional))}); classification needs class labels, "
                "set task=regression to predict numbers")
        return [int(v) for v in values]
    return [str(v) for v in column]


def classes_of(labels: list[Any], target: str, table: Table) -> tuple[Any, ...]:
    classes = tuple(sorted(set(labels), key=lambda v: (str(type(v)), v)))
    if len(classes) < 2:
        raise InvalidLabels(f"target column {target!r} in {table.files[0].parent} has a single "
                            f"class {list(classes)}; classification needs at least two")
    return classes


def encode_classes(labels: list[Any], classes: tuple[Any, ...], target: str,
                   table: Table) -> np.ndarray:
    index = {label: i for i, label in enumerate(classes)}
    for row, label in enumerate(labels):
        if label not in index:
            unknown = sorted({repr(v) for v in labels if v not in index})
            raise InvalidLabels(f"target column {target!r} holds label(s) {', '.join(unknown)} "
                                f"that do not occur in the train channel (first at "
                                f"{table.where(row)})")
    return np.array([index[label] for label in labels], dtype=np.int64)


def regression_values(table: Table, target: str) -> np.ndarray:
    column = table.frame[target]
    _no_missing(column, target, table)
    values = pd.to_numeric(column, errors="coerce")
    bad = values.isna()
    if bad.any():
        row = _first(bad)
        raise InvalidLabels(f"target column {target!r} holds {column.iloc[row]!r} at "
                            f"{table.where(row)}; regression needs numbers")
    return values.to_numpy(dtype=np.float64)
