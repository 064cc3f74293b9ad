"""Hyperparameters: SageMaker hands them over as `--key value` strings; they become one typed,
validated object here, and nothing downstream re-parses a string."""
from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from typing import Any

from .errors import InvalidHyperparameter, MalformedArguments, UnknownHyperparameter

ALGORITHMS = ("xgboost",)
# The manifest schema's pattern, checked here so a bad name fails before minutes of training
MODEL_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9-]{0,62}$")


@dataclass(frozen=True)
class Hyperparameters:
    target: str = "target"
    model_name: str = "model"
    algorithm: str = "xgboost"
    num_round: int = 100
    max_depth: int = 6
    eta: float = 0.3
    subsample: float = 1.0
    colsample_bytree: float = 1.0
    min_child_weight: float = 1.0
    seed: int = 42
    validation_fraction: float = 0.2

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class _Rule:
    parse: Callable[[str], Any]
    check: Callable[[Any], bool]
    expected: str


def _integer(raw: str) -> int:
    return int(raw.strip())


def _number(raw: str) -> float:
    value = float(raw.strip())
    if not math.isfinite(value):
        raise ValueError(raw)
    return value


def _text(raw: str) -> str:
    return raw


def _fraction(lower_open: bool, upper_open: bool) -> Callable[[float], bool]:
    def check(value: float) -> bool:
        above = value > 0 if lower_open else value >= 0
        below = value < 1 if upper_open else value <= 1
        return above and below

    return check


_RULES: dict[str, _Rule] = {
    "target": _Rule(_text, lambda v: bool(v.strip()), "a non-empty column name"),
    "model_name": _Rule(_text, lambda v: bool(MODEL_NAME.match(v)),
                        "1-63 letters, digits or hyphens, starting with a letter or digit"),
    "algorithm": _Rule(_text, lambda v: v in ALGORITHMS, f"one of {list(ALGORITHMS)}"),
    "num_round": _Rule(_integer, lambda v: v >= 1, "an integer >= 1"),
    "max_depth": _Rule(_integer, lambda v: v >= 1, "an integer >= 1"),
    "eta": _Rule(_number, _fraction(lower_open=True, upper_open=False), "a number in (0, 1]"),
    "subsample": _Rule(_number, _fraction(lower_open=True, upper_open=False), "a number in (0, 1]"),
    "colsample_bytree": _Rule(_number, _fraction(lower_open=True, upper_open=False),
                              "a number in (0, 1]"),
    "min_child_weight": _Rule(_number, lambda v: v >= 0, "a number >= 0"),
    "seed": _Rule(_integer, lambda v: 0 <= v < 2**31, "an integer in [0, 2**31)"),
    "validation_fraction": _Rule(_number, _fraction(lower_open=True, upper_open=True),
                                 "a number in (0, 1)"),
}
assert set(_RULES) == {f.name for f in fields(Hyperparameters)}


def from_strings(values: Mapping[str, str]) -> Hyperparameters:
    parsed: dict[str, Any] = {}
    for key, raw in values.items():
        rule = _RULES.get(key)
        if rule is None:
            raise UnknownHyperparameter(key, _RULES)
        try:
            value = rule.parse(raw)
        except ValueError:
            raise InvalidHyperparameter(key, raw, rule.expected) from None
        if not rule.check(value):
            raise InvalidHyperparameter(key, raw, rule.expected)
        parsed[key] = value
    return Hyperparameters(**parsed)


def parse_args(argv: Sequence[str]) -> dict[str, str]:
    """`--key value` pairs (as the SageMaker toolkit builds them) and `--key=value`, into strings.

    Not argparse: it would turn a bad value into a usage message on stderr and exit 2, bypassing
    the failure file."""
    values: dict[str, str] = {}
    tokens = list(argv)
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if not token.startswith("--") or token == "--":
            raise MalformedArguments(f"expected '--key value', got {token!r}")
        key, equals, value = token[2:].partition("=")
        if not equals:
            if index + 1 >= len(tokens):
                raise MalformedArguments(f"hyperparameter {key!r} has no value")
            index += 1
            value = tokens[index]
        if key in values:
            raise MalformedArguments(f"hyperparameter {key!r} is given twice")
        values[key] = value
        index += 1
    return values


def from_argv(argv: Sequence[str]) -> Hyperparameters:
    return from_strings(parse_args(argv))
