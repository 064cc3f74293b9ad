"""The feature schema (docs/contracts.md §2 Features) inferred from the train channel, and the
encoding every table goes through: numbers as float32, a category as the float index of its value
in `categories`, a missing value as NaN. Serving sends the model exactly this."""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

from .errors import InvalidData, InvalidFeatures
from .reading import Table


@dataclass(frozen=True)
class Feature:
    name: str
    kind: str  # "number" | "category"
    categories: tuple[Any, ...] = ()  # JSON-typed, sorted; the model sees the index
    allow_missing: bool = False

    def manifest(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"name": self.name, "type": self.kind}
        if self.kind == "category":
            entry["categories"] = list(self.categories)
        entry["allow_missing"] = self.allow_missing
        return entry


@dataclass(frozen=True)
class Schema:
    features: tuple[Feature, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.features)

    def indices(self, kind: str) -> list[int]:
        return [i for i, f in enumerate(self.features) if f.kind == kind]


def _json_value(value: Any) -> Any:
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return int(value) if float(value).is_integer() else float(value)
    return str(value)


def _is_number(value: Any) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def _infer_one(name: str, column: pd.Series, table: Table, forced: bool,
               others: Sequence[pd.Series]) -> Feature:
    present = column.dropna()
    if present.empty:
        raise InvalidFeatures(f"feature column {name!r} in {table.files[0].parent} has no values")
    missing = bool(column.isna().any() or any(o.isna().any() for o in others))
    numeric = ptypes.is_numeric_dtype(column) and not ptypes.is_bool_dtype(column)
    if numeric and not forced:
        return Feature(name, "number", allow_missing=missing)
    if not numeric and not forced and not ptypes.is_bool_dtype(column):
        numbers = present.map(_is_number)
        if numbers.any() and not numbers.all():
            row = int(numbers.index[~numbers.to_numpy()][0])
            raise InvalidData(
                f"column {name!r} at {table.where(row)} holds {present[row]!r} where its other "
                f"values are numbers; fix the value, or list the column in the 'categorical' "
                f"hyperparameter to treat every value as a category")
    values = sorted({_json_value(v) for v in present}, key=lambda v: (str(type(v)), v))
    return Feature(name, "category", categories=tuple(values), allow_missing=missing)


def infer(train: Table, feature_columns: Sequence[str], categorical: Sequence[str],
          others: Sequence[Table] = ()) -> Schema:
    unknown = [name for name in categorical if name not in feature_columns]
    if unknown:
        raise InvalidFeatures(f"'categorical' names {unknown}, which are not feature columns of "
                              f"{train.files[0]}; feature columns: {list(feature_columns)}")
    if not feature_columns:
        raise InvalidFeatures(f"{train.files[0]} has no feature columns")
    return Schema(tuple(
        _infer_one(name, train.frame[name], train, name in categorical,
                   [t.frame[name] for t in others if name in t.frame.columns])
        for name in feature_columns))


def _encode_number(feature: Feature, column: pd.Series, table: Table) -> np.ndarray:
    values = pd.to_numeric(column, errors="coerce")
    bad = values.isna() & column.notna()
    if bad.any():
        row = int(bad.to_numpy().nonzero()[0][0])
        raise InvalidData(f"column {feature.name!r} at {table.where(row)} holds "
                          f"{column.iloc[row]!r}, which is not a number")
    return values.to_numpy(dtype=np.float64)


def _encode_category(feature: Feature, column: pd.Series, table: Table) -> np.ndarray:
    index = {value: i for i, value in enumerate(feature.categories)}
    codes = np.full(len(column), np.nan)
    for row, value in enumerate(column.to_numpy(dtype=object)):
        if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
            continue
        code = index.get(_json_value(value))
        if code is None:
            raise InvalidData(f"column {feature.name!r} at {table.where(row)} holds {value!r}, "
                              f"a category the train channel does not have; known: "
                              f"{list(feature.categories)}")
        codes[row] = code
    return codes


def encode(table: Table, schema: Schema) -> np.ndarray:
    """float32 [rows, features] in schema order; features are matched by name, not position."""
    missing = [name for name in schema.names if name not in table.frame.columns]
    if missing:
        raise InvalidFeatures(f"{table.files[0]} lacks feature column(s) {missing}")
    columns = []
    for feature in schema.features:
        column = table.frame[feature.name]
        encoder = _encode_number if feature.kind == "number" else _encode_category
        values = encoder(feature, column, table)
        if not feature.allow_missing and np.isnan(values).any():
            row = int(np.isnan(values).nonzero()[0][0])
            raise InvalidData(f"column {feature.name!r} at {table.where(row)} is empty, but the "
                              "train channel has no missing values in it")
        columns.append(values)
    return np.column_stack(columns).astype(np.float32)
