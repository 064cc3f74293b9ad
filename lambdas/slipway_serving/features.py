"""Turn JSON rows into the model's float32 input matrix, collecting per-row errors.

A row is an object keyed by feature name or an array in manifest feature order. A number
feature takes a JSON number (not a string, boolean, NaN or infinity); a category feature takes
one of its manifest ``categories`` and is sent as that category's index. ``null`` is accepted,
and sent as NaN, only where the feature has ``allow_missing``.

The hot path is column-wise: well-shaped rows are transposed once and each column is checked
and converted with C-level builtins and numpy. Rows that fail any check are diagnosed one by
one, so the error names the first bad feature of the row in manifest order.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import chain
from operator import itemgetter
from typing import Any

import numpy as np

from .manifest import Manifest, category_key

_F32_MAX = float(np.finfo(np.float32).max)
_NUMBER_TYPES = frozenset({int, float})
_NUMBER_OR_NULL = frozenset({int, float, type(None)})
_SMALL = 512  # cells: below this, checking in Python beats numpy's per-call overhead


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
    errors: list[RowError]  # sorted by row


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "boolean", str: "string", list: "array", dict: "object"}.get(type(value), type(value).__name__)


@dataclass(frozen=True)
class _Column:
    name: str
    allow_missing: bool
    categories: dict[tuple[str, Any], float] | None  # category key -> index; None for numbers


class RowEncoder:
    """Precomputes the feature layout of one manifest; ``convert`` is the hot path."""

    def __init__(self, manifest: Manifest) -> None:
        self.names = manifest.feature_names
        self._index = {name: i for i, name in enumerate(self.names)}
        self._columns = [_Column(f.name, f.allow_missing,
                                 {category_key(c): float(k) for k, c in enumerate(f.categories)}
                                 if f.type == "category" else None) for f in manifest.features]
        self._has_categories = any(c.categories is not None for c in self._columns)
        self._missing_allowed = np.array([c.allow_missing for c in self._columns], dtype=bool)
        self._allowed = _NUMBER_OR_NULL if self._missing_allowed.any() else _NUMBER_TYPES
        getter = itemgetter(*self.names)
        self._getter: Callable[[dict[str, Any]], Any] = (
            getter if len(self.names) > 1 else lambda row: (row[self.names[0]],))

    def convert(self, rows: Sequence[Any]) -> Conversion:
        n = len(self.names)
        cells: list[Any] = []
        index: list[int] = []
        suspects: list[int] = []
        getter = self._getter
        for i, row in enumerate(rows):
            kind = type(row)
            if kind is dict and len(row) == n:
                try:
                    cells.append(getter(row))
                except KeyError:
                    suspects.append(i)
                    continue
                index.append(i)
            elif kind is list and len(row) == n:
                cells.append(row)
                index.append(i)
            else:
                suspects.append(i)
        matrix, bad = self._columns_to_matrix(cells)
        if bad.any():
            suspects.extend(i for i, flagged in zip(index, bad.tolist()) if flagged)
            keep = ~bad
            matrix = matrix[keep]
            index = [i for i, ok in zip(index, keep.tolist()) if ok]
        errors = sorted((self._diagnose(i, rows[i]) for i in suspects), key=lambda e: e.row)
        return Conversion(matrix=matrix, valid=index, errors=errors)

    def _columns_to_matrix(self, cells: list[Any]) -> tuple[np.ndarray, np.ndarray]:
        """float32 [len(cells), n] and a mask of the rows with a bad cell (to be diagnosed)."""
        n_rows = len(cells)
        if not n_rows:
            return np.empty((0, len(self._columns)), dtype=np.float32), np.zeros(0, dtype=bool)
        if not self._has_categories and n_rows * len(self._columns) <= _SMALL and self._in_range(cells):
            return np.array(cells, dtype=np.float32), np.zeros(n_rows, dtype=bool)  # a few rows: no numpy checks
        if not self._has_categories and set(map(type, chain.from_iterable(cells))) <= self._allowed:
            try:  # the common case: every cell a number (or null where allowed), one numpy call
                if self._allowed is _NUMBER_TYPES:
                    flat = np.fromiter(chain.from_iterable(cells), dtype=np.float64, count=n_rows * len(self._columns))
                    return _checked(flat.reshape(n_rows, len(self._columns)), self._missing_allowed)
                return _checked(np.array(cells, dtype=np.float64), self._missing_allowed)
            except OverflowError:  # an integer beyond float64: find it column by column
                pass
        matrix = np.empty((n_rows, len(self._columns)), dtype=np.float64)
        bad = np.zeros(n_rows, dtype=bool)
        for j, (column, values) in enumerate(zip(self._columns, zip(*cells))):
            if column.categories is None:
                floats, column_bad = _numbers(values, column.allow_missing)
            else:
                floats, column_bad = _categories(values, column)
            matrix[:, j] = floats
            if column_bad is not None:
                bad |= column_bad
        good, checked_bad = _checked(np.where(bad[:, None], 0.0, matrix), self._missing_allowed)
        return good, bad | checked_bad

    def _in_range(self, cells: list[Any]) -> bool:
        """Every cell a number within float32 range, or null where allowed (plain Python: fast for a few)."""
        allowed, low, high = self._allowed, -_F32_MAX, _F32_MAX
        if not self._missing_allowed.any():
            return all(type(v) in allowed and low <= v <= high for row in cells for v in row)
        flags = self._missing_allowed.tolist()
        return all(v is None and missing or type(v) in _NUMBER_TYPES and low <= v <= high
                   for row in cells for v, missing in zip(row, flags))

    def _diagnose(self, i: int, row: Any) -> RowError:
        n = len(self.names)

        def fail(field: str | None, message: str) -> RowError:
            where = f"feature {field!r} " if field is not None else ""
            return RowError(i, field, f"{where}{message}")

        if isinstance(row, dict):
            unknown = [key for key in row if key not in self._index]
            if unknown:
                return fail(str(unknown[0]), "is not a feature of this model")
            missing = [name for name in self.names if name not in row]
            if missing:
                return fail(missing[0], "is missing")
            cells = [row[name] for name in self.names]
        elif isinstance(row, list):
            if len(row) != n:
                return fail(None, f"must have {n} values in feature order, got {len(row)}")
            cells = row
        else:
            return fail(None, f"must be an object keyed by feature name or an array, got {type_name(row)}")
        for column, cell in zip(self._columns, cells):
            problem = cell_problem(column.categories, column.allow_missing, cell)
            if problem is not None:
                return fail(column.name, problem)
        return fail(None, "could not be converted")  # unreachable: the fast path flagged it


def _checked(matrix: np.ndarray, missing_allowed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The float32 matrix and a mask of rows with a value out of float32 range, or NaN where not allowed."""
    with np.errstate(invalid="ignore"):
        ok = np.abs(matrix) <= _F32_MAX  # NaN compares False
    if missing_allowed.any():
        ok |= np.isnan(matrix) & missing_allowed
    bad = ~ok.all(axis=1)
    if bad.any():
        matrix = np.where(ok, matrix, 0.0)  # bad rows are dropped; keep the cast quiet
    return matrix.astype(np.float32), bad


def _numbers(values: tuple[Any, ...], allow_missing: bool) -> tuple[np.ndarray, np.ndarray | None]:
    """One column as float64 (None as NaN) and a mask of cells of the wrong type; ranges are checked later."""
    allowed = _NUMBER_OR_NULL if allow_missing else _NUMBER_TYPES
    flags = [type(v) not in allowed or type(v) is int and abs(v) > _F32_MAX for v in values]
    if not any(flags):
        return np.array(values, dtype=np.float64), None
    return (np.array([0.0 if flag else v for v, flag in zip(values, flags)], dtype=np.float64),
            np.array(flags, dtype=bool))


def _categories(values: tuple[Any, ...], column: _Column) -> tuple[np.ndarray, np.ndarray | None]:
    lookup = column.categories
    assert lookup is not None
    nan = math.nan
    codes = [lookup.get(category_key(v)) if type(v) in (str, int, float, bool)
             else (nan if v is None and column.allow_missing else None) for v in values]
    if None not in codes:
        return np.array(codes, dtype=np.float64), None
    bad = np.array([c is None for c in codes], dtype=bool)
    return np.array([0.0 if c is None else c for c in codes], dtype=np.float64), bad


def cell_problem(categories: dict[tuple[str, Any], float] | None, allow_missing: bool, cell: Any) -> str | None:
    """Why one JSON cell is not acceptable, or None."""
    if cell is None:
        return None if allow_missing else "must not be null (this feature does not allow missing values)"
    if categories is not None:
        if type(cell) in (str, int, float, bool) and category_key(cell) in categories:
            return None
        return f"must be one of the model's categories, got {cell!r}"
    if type(cell) not in _NUMBER_TYPES:
        return f"must be a number, got {type_name(cell)}"
    try:
        number = float(cell)
    except OverflowError:
        number = math.inf
    if math.isnan(number) and allow_missing:
        return None
    if not math.isfinite(number) or abs(number) > _F32_MAX:
        return f"must be a finite number within float32 range, got {cell!r}"
    return None
