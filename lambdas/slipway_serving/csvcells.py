"""CSV text cells -> the model's float32 input matrix, with the HTTP API's rules.

A number cell is anything Python's ``float`` reads (surrounding spaces allowed); a category cell
is the text of one of the manifest ``categories`` (``str(value)``; ``true``/``false`` for
booleans). An empty cell, or ``nan``, ``null``, ``na``, ``n/a`` or ``none`` in any case, is a
missing value: accepted, and sent as NaN, only where the feature has ``allow_missing``.
Conversion is column-wise; only a column that fails as a whole is looked at cell by cell.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .manifest import Feature, Manifest

MISSING = frozenset({"", "nan", "null", "na", "n/a", "none"})
_F32_MAX = float(np.finfo(np.float32).max)


@dataclass(frozen=True)
class CellError:
    row: int  # index into the rows given to ``convert``
    field: str
    reason: str


def _texts(value: Any) -> list[str]:
    if isinstance(value, bool):
        return ["true", "True"] if value else ["false", "False"]
    if isinstance(value, float) and value.is_integer():
        return [repr(value), str(int(value))]
    return [str(value)]


class TextEncoder:
    def __init__(self, manifest: Manifest) -> None:
        self.features = manifest.features
        self._codes: list[dict[str, float] | None] = []
        for feature in self.features:
            if feature.type != "category":
                self._codes.append(None)
                continue
            codes: dict[str, float] = {}
            for k, value in enumerate(feature.categories):
                for text in _texts(value):
                    codes.setdefault(text, float(k))
            self._codes.append(codes)

    def convert(self, columns: list[list[str]]) -> tuple[np.ndarray, np.ndarray, list[CellError]]:
        """(float32 matrix of the good rows, their indices, errors) for one list of cells per feature."""
        n_rows = len(columns[0]) if columns else 0
        matrix = np.empty((n_rows, len(self.features)), dtype=np.float32)
        errors: list[CellError] = []
        for j, (feature, cells) in enumerate(zip(self.features, columns)):
            codes = self._codes[j]
            values = _numbers(cells, feature, errors) if codes is None else _categories(cells, feature, codes, errors)
            with np.errstate(over="ignore", invalid="ignore"):
                matrix[:, j] = values
        bad = np.zeros(n_rows, dtype=bool)
        bad[[e.row for e in errors]] = True
        good = np.flatnonzero(~bad)
        errors.sort(key=lambda e: e.row)
        return matrix[good], good, errors


def _numbers(cells: list[str], feature: Feature, errors: list[CellError]) -> np.ndarray:
    try:
        values = np.array(cells, dtype=np.float64)
    except ValueError:
        values = np.array([_parse(cell) for cell in cells], dtype=np.float64)
        for i in np.flatnonzero(np.isnan(values)).tolist():
            if cells[i].strip().lower() not in MISSING:  # MISSING holds "nan" too
                errors.append(CellError(i, feature.name, f"feature {feature.name!r} must be a number, "
                                                         f"got {cells[i]!r}"))
                values[i] = 0.0
    with np.errstate(invalid="ignore"):
        out_of_range = ~(np.abs(values) <= _F32_MAX)
    for i in np.flatnonzero(out_of_range).tolist():
        if math.isnan(values[i]):
            if not feature.allow_missing:
                errors.append(CellError(i, feature.name, f"feature {feature.name!r} is missing, and this "
                                                         "feature does not allow missing values"))
        else:
            errors.append(CellError(i, feature.name, f"feature {feature.name!r} must be a finite number "
                                                     f"within float32 range, got {cells[i]!r}"))
    return values


def _parse(cell: str) -> float:
    """The number in a cell; NaN for a missing value and for text that is not a number."""
    try:
        return float(cell)
    except ValueError:
        return math.nan


def _categories(cells: list[str], feature: Feature, codes: dict[str, float],
                errors: list[CellError]) -> np.ndarray:
    values = np.empty(len(cells), dtype=np.float64)
    for i, cell in enumerate(cells):
        code = codes.get(cell)
        if code is None:
            code = codes.get(cell.strip())
        if code is not None:
            values[i] = code
        elif cell.strip().lower() in MISSING:
            values[i] = math.nan
            if not feature.allow_missing:
                errors.append(CellError(i, feature.name, f"feature {feature.name!r} is missing, and this "
                                                         "feature does not allow missing values"))
        else:
            values[i] = 0.0
            errors.append(CellError(i, feature.name, f"feature {feature.name!r} must be one of the "
                                                     f"model's categories, got {cell!r}"))
    return values
