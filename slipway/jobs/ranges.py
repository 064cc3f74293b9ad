"""Hyperparameter ranges as SageMaker defines them: integer and continuous ranges with Linear,
Logarithmic or ReverseLogarithmic scaling (Auto lets SageMaker choose), and categorical values.
The same objects feed the CreateHyperParameterTuningJob request and the local tuner."""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from .fields import Section

KINDS = ("integer", "continuous", "categorical")
SCALINGS = ("Auto", "Linear", "Logarithmic", "ReverseLogarithmic")
MAX_CATEGORICAL_VALUES = 30
Scalar = str | int | float


@dataclass(frozen=True)
class ParameterRange:
    name: str
    kind: str
    min_value: float | None = None
    max_value: float | None = None
    scaling: str = "Auto"
    values: tuple[Scalar, ...] = ()

    def as_request(self) -> dict[str, Any]:
        if self.kind == "categorical":
            # Framework containers JSON-decode every hyperparameter: values travel JSON-encoded
            return {"Name": self.name, "Values": [encode(v) for v in self.values]}
        return {"Name": self.name, "MinValue": _number_text(self.min_value, self.kind),
                "MaxValue": _number_text(self.max_value, self.kind), "ScalingType": self.scaling}

    def endpoints(self) -> list[Scalar]:
        """The values at the edges of the range: what a preflight check tries."""
        if self.kind == "categorical":
            return list(self.values)
        assert self.min_value is not None and self.max_value is not None
        if self.kind == "integer":
            return [int(self.min_value), int(self.max_value)]
        return [self.min_value, self.max_value]


def encode(value: Scalar) -> str:
    """How SageMaker hands a value to a framework container: JSON text."""
    return json.dumps(value)


def _number_text(value: float | None, kind: str) -> str:
    assert value is not None
    return str(int(value)) if kind == "integer" else repr(float(value))


def parse(section: Section, name: str) -> ParameterRange:
    entry = section.section(name, required=True)
    kind = entry.choice("type", KINDS)
    if kind == "categorical":
        entry.only("type", "values")
        values = entry.raw("values")
        if not isinstance(values, list) or not 1 <= len(values) <= MAX_CATEGORICAL_VALUES:
            raise entry.fail("values", f"must be a list of 1-{MAX_CATEGORICAL_VALUES} values")
        if any(isinstance(v, bool) or not isinstance(v, (str, int, float)) for v in values):
            raise entry.fail("values", "must hold strings or numbers")
        if len(set(map(encode, values))) != len(values):
            raise entry.fail("values", f"repeats a value: {values}")
        return ParameterRange(name, kind, values=tuple(values))
    entry.only("type", "min", "max", "scaling")
    read = entry.integer if kind == "integer" else entry.number
    low, high = read("min"), read("max")
    if not low < high:
        raise entry.fail("max", f"must be greater than min ({low}), got {high}")
    scaling = entry.choice("scaling", SCALINGS, "Auto")
    if scaling == "Logarithmic" and low <= 0:
        raise entry.fail("scaling", f"Logarithmic needs min > 0, got {low}")
    if scaling == "ReverseLogarithmic" and (kind == "integer" or not 0 <= low < high < 1):
        raise entry.fail("scaling", "ReverseLogarithmic needs a continuous range within "
                                    f"0 <= min < max < 1, got [{low}, {high}]")
    if not all(math.isfinite(v) for v in (low, high)):
        raise entry.fail("min", "min and max must be finite")
    return ParameterRange(name, kind, float(low), float(high), scaling)
