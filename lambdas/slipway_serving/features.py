"""Turn JSON rows into the model's float32 input matrix, collecting per-row errors.

A row is an object keyed by feature name or an array in manifest feature order. Numbers must
be JSON numbers (not strings, booleans, null, NaN or infinities); a category feature takes one
of its manifest ``categories`` and is encoded as that category's index.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .manifest import Manifest

_F32_MAX = float(np.finfo(np.float32).max)
_NUMBER_TYPES = frozenset({int, float})


@dataclass(frozen=True)
class RowError:
    row: int
    field: str | None
    reason: str  # e.g. "feature 'mean radius' must be a number, got string"

    @property
    def message(self) -> str:
        return f"row {self.row}: {self.reason}"


@dataclass(frozen=True)
class Conversion:
    matrix: np.ndarray  # float32 [len(valid), n_features], valid rows only
    valid: list[int]  # index into the input rows of each matrix row
    errors: list[RowError]


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "boolean", str: "string", list: "array", dict: "object"}.get(type(value), type(value).__name__)


def _number(value: Any) -> float | str:
    """The value as a float, or the reason it is not acceptable."""
    if type(value) not in _NUMBER_TYPES:
        return f"must be a number, got {_type_name(value)}"
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number) or abs(number) > _F32_MAX:
        return f"must be a finite number within float32 range, got {value!r}"
    return number


class RowEncoder:
    """Precomputes the feature layout of one manifest; ``convert`` is the hot path."""

    def __init__(self, manifest: Manifest) -> None:
        self.names = manifest.feature_names
        self._index = {name: i for i, name in enumerate(self.names)}
        self._categories = {i: {_cat_key(c): float(k) for k, c in enumerate(f.categories)}
                            for i, f in enumerate(manifest.features) if f.type == "category"}

    def convert(self, rows: Sequence[Any]) -> Conversion:
        n = len(self.names)
        fast: list[list[Any]] = []
        fast_index: list[int] = []
        look_closer: list[int] = []
        for i, row in enumerate(rows):
            vals = self._fast(row, n)
            if vals is None:
                look_closer.append(i)
            else:
                fast.append(vals)
                fast_index.append(i)
        matrix, in_range = _checked(fast, n)
        look_closer.extend(i for i, ok in zip(fast_index, in_range) if not ok)
        index = [i for i, ok in zip(fast_index, in_range) if ok]
        matrix = matrix[in_range]
        slow: list[list[float]] = []
        errors: list[RowError] = []
        for i in sorted(look_closer):
            vals, error = self._slow(i, rows[i], n)
            if error is None:
                slow.append(vals)
                index.append(i)
            else:
                errors.append(error)
        if slow:  # merge back into input order
            matrix = np.concatenate([matrix, np.array(slow, dtype=np.float64).reshape(len(slow), n)])
            order = np.argsort(index, kind="stable")
            matrix, index = matrix[order], [index[k] for k in order]
        return Conversion(matrix=matrix.astype(np.float32), valid=index, errors=errors)

    def _fast(self, row: Any, n: int) -> list[Any] | None:
        """Rows of JSON numbers, checked with C-level builtins; None means 'look closer'."""
        if self._categories:
            return None
        if type(row) is dict:
            if len(row) != n:
                return None
            try:
                vals = [row[name] for name in self.names]
            except KeyError:
                return None
        elif type(row) is list and len(row) == n:
            vals = row
        else:
            return None
        return vals if set(map(type, vals)) <= _NUMBER_TYPES else None

    def _slow(self, i: int, row: Any, n: int) -> tuple[list[Any], RowError | None]:
        def fail(field: str | None, message: str) -> tuple[list[Any], RowError]:
            where = f"feature {field!r} " if field is not None else ""
            return [], RowError(i, field, f"{where}{message}")

        if isinstance(row, dict):
            unknown = [key for key in row if key not in self._index]
            if unknown:
                return fail(unknown[0], "is not a feature of this model")
            missing = [name for name in self.names if name not in row]
            if missing:
                return fail(missing[0], "is missing")
            cells = [row[name] for name in self.names]
        elif isinstance(row, list):
            if len(row) != n:
                return fail(None, f"must have {n} values in feature order, got {len(row)}")
            cells = row
        else:
            return fail(None, f"must be an object keyed by feature name or an array, got {_type_name(row)}")
        out: list[Any] = []
        for j, cell in enumerate(cells):
            value = self._cell(j, cell)
            if isinstance(value, str):
                return fail(self.names[j], value)
            out.append(value)
        return out, None

    def _cell(self, j: int, cell: Any) -> float | str:
        categories = self._categories.get(j)
        if categories is None:
            return _number(cell)
        code = categories.get(_cat_key(cell)) if type(cell) in (str, int, bool) else None
        return code if code is not None else f"must be one of the model's categories, got {cell!r}"


def _cat_key(value: Any) -> tuple[str, Any]:
    """Keys that keep 1, True and "1" apart."""
    return (type(value).__name__, value)


def _checked(values: list[list[Any]], n: int) -> tuple[np.ndarray, np.ndarray]:
    """float64 [len(values), n] and a mask of the rows that are finite and within float32 range."""
    try:
        matrix = np.array(values, dtype=np.float64).reshape(len(values), n)
    except OverflowError:  # an integer beyond float range somewhere: let the slow path find it
        return np.zeros((len(values), n)), np.zeros(len(values), dtype=bool)
    with np.errstate(invalid="ignore"):
        in_range = np.isfinite(matrix).all(axis=1) & (np.abs(matrix) <= _F32_MAX).all(axis=1)
    return matrix, in_range


def rows_to_matrix(rows: Sequence[Any], manifest: Manifest) -> Conversion:
    return RowEncoder(manifest).convert(rows)
