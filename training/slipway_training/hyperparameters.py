"""Hyperparameters: SageMaker hands them over as `--key value` strings; they become one typed,
validated object here, and nothing downstream re-parses a string.

Pure Python on purpose (no numpy): `slipway tune` and `slipway cloud ...` run this module's checks
before any training starts (see preflight.py).
"""
from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

from .arguments import parse_args
from .errors import InvalidHyperparameter, TrainingError, UnknownHyperparameter
from .tasks import ALGORITHMS, TASKS

# The manifest schema's pattern, checked here so a bad name fails before minutes of training
MODEL_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9-]{0,62}$")
KERNELS = ("rbf", "linear", "poly", "sigmoid")
COMMON = frozenset({"target", "model_name", "algorithm", "task", "seed", "validation_fraction",
                    "categorical"})
# What each algorithm reads besides COMMON; any other key given explicitly is refused
SPECIFIC: dict[str, frozenset[str]] = {name: frozenset(keys) for name, keys in {
    "xgboost": ("num_round", "max_depth", "eta", "subsample", "colsample_bytree",
                "min_child_weight", "gamma", "alpha", "lambda", "early_stopping_rounds",
                "checkpoint_interval"),
    "logistic_regression": ("C", "max_iter"),
    "svm": ("C", "kernel"),
    "naive_bayes": ("var_smoothing",),
    "decision_tree": ("max_depth", "min_samples_leaf"),
    "random_forest": ("n_estimators", "max_depth", "min_samples_leaf"),
    "linear": (),
    "ridge": ("alpha",),
    "lasso": ("alpha", "max_iter"),
    "svr": ("C", "kernel", "epsilon"),
    "kmeans": ("n_clusters", "max_iter"),
    "pca_kmeans": ("n_components", "n_clusters", "max_iter"),
    "pca": ("n_components",),
    "isolation_forest": ("n_estimators", "contamination"),
}.items()}
ALIASES = {"lambda": "reg_lambda"}  # a Python keyword cannot be a field name
# Where a field's default is None, each algorithm's own default (None left: unlimited / "auto")
_FAMILY_DEFAULTS: dict[tuple[str, str], Any] = {
    ("xgboost", "max_depth"): 6, ("xgboost", "alpha"): 0.0, ("ridge", "alpha"): 1.0,
    ("lasso", "alpha"): 1.0, ("logistic_regression", "max_iter"): 1000,
    ("lasso", "max_iter"): 1000, ("kmeans", "max_iter"): 300, ("pca_kmeans", "max_iter"): 300,
}


class InapplicableHyperparameter(TrainingError):
    code = "InapplicableHyperparameter"

    def __init__(self, key: str, algorithm: str) -> None:
        takes = ", ".join(sorted(SPECIFIC[algorithm] | COMMON))
        super().__init__(f"hyperparameter {key!r} does not apply to algorithm {algorithm!r}; "
                         f"it takes: {takes}")
        self.key = key


@dataclass(frozen=True)
class Hyperparameters:
    target: str = "target"
    model_name: str = "model"
    algorithm: str = "xgboost"
    task: str = ""  # "" picks the algorithm's default task
    seed: int = 42
    validation_fraction: float = 0.2
    categorical: tuple[str, ...] = ()
    num_round: int = 100
    max_depth: int | None = None  # xgboost: 6; trees: unlimited
    eta: float = 0.3
    subsample: float = 1.0
    colsample_bytree: float = 1.0
    min_child_weight: float = 1.0
    gamma: float = 0.0
    alpha: float | None = None  # xgboost: 0 (L1); ridge, lasso: 1.0
    reg_lambda: float = 1.0
    early_stopping_rounds: int = 0  # 0: off
    checkpoint_interval: int = 10
    C: float = 1.0
    kernel: str = "rbf"
    epsilon: float = 0.1
    var_smoothing: float = 1e-9
    max_iter: int | None = None  # logistic_regression, lasso: 1000; k-means: 300
    min_samples_leaf: int = 1
    n_estimators: int = 100
    n_clusters: int = 8
    n_components: int = 2
    contamination: float | None = None  # None: "auto"
    given: frozenset[str] = field(default=frozenset(), compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.algorithm not in ALGORITHMS:
            raise InvalidHyperparameter("algorithm", self.algorithm, f"one of {sorted(ALGORITHMS)}")
        task = self.task or ALGORITHMS[self.algorithm][0]
        if task not in ALGORITHMS[self.algorithm]:
            raise InvalidHyperparameter(
                "task", task, f"one of {list(ALGORITHMS[self.algorithm])} for algorithm "
                f"{self.algorithm!r}")
        object.__setattr__(self, "task", task)

    @property
    def supervised(self) -> bool:
        return self.task in ("classification", "regression")

    def value(self, key: str) -> Any:
        """The value the algorithm uses: the given one, else the algorithm's own default."""
        value = getattr(self, ALIASES.get(key, key))
        return _FAMILY_DEFAULTS.get((self.algorithm, key)) if value is None else value

    def as_dict(self) -> dict[str, Any]:
        """What this algorithm reads, by SageMaker key: the manifest records exactly that."""
        values = {key: self.value(key) for key in sorted(COMMON | SPECIFIC[self.algorithm])}
        values["categorical"] = ",".join(self.categorical)
        return values


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


def _names(raw: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in raw.split(",") if name.strip())


def _contamination(raw: str) -> float | None:
    return None if raw.strip() == "auto" else _number(raw)


def _between(low: float, high: float, *, open_low: bool, open_high: bool) -> Callable[[Any], bool]:
    def check(value: float) -> bool:
        above = value > low if open_low else value >= low
        below = value < high if open_high else value <= high
        return above and below

    return check


_FRACTION = _Rule(_number, _between(0, 1, open_low=True, open_high=False), "a number in (0, 1]")
_POSITIVE_INT = _Rule(_integer, lambda v: v >= 1, "an integer >= 1")
_NON_NEGATIVE = _Rule(_number, lambda v: v >= 0, "a number >= 0")
_POSITIVE = _Rule(_number, lambda v: v > 0, "a number > 0")

_RULES: dict[str, _Rule] = {
    "target": _Rule(_text, lambda v: bool(v.strip()), "a non-empty column name"),
    "model_name": _Rule(_text, lambda v: bool(MODEL_NAME.match(v)),
                        "1-63 letters, digits or hyphens, starting with a letter or digit"),
    "algorithm": _Rule(_text, lambda v: v in ALGORITHMS, f"one of {sorted(ALGORITHMS)}"),
    "task": _Rule(_text, lambda v: v in TASKS, f"one of {list(TASKS)}"),
    "seed": _Rule(_integer, lambda v: 0 <= v < 2**31, "an integer in [0, 2**31)"),
    "validation_fraction": _Rule(_number, _between(0, 1, open_low=True, open_high=True),
                                 "a number in (0, 1)"),
    "categorical": _Rule(_names, lambda v: True, "comma-separated column names"),
    "num_round": _POSITIVE_INT,
    "max_depth": _POSITIVE_INT,
    "eta": _FRACTION,
    "subsample": _FRACTION,
    "colsample_bytree": _FRACTION,
    "min_child_weight": _NON_NEGATIVE,
    "gamma": _NON_NEGATIVE,
    "alpha": _NON_NEGATIVE,
    "lambda": _NON_NEGATIVE,
    "early_stopping_rounds": _Rule(_integer, lambda v: v >= 0, "an integer >= 0 (0: off)"),
    "checkpoint_interval": _POSITIVE_INT,
    "C": _POSITIVE,
    "kernel": _Rule(_text, lambda v: v in KERNELS, f"one of {list(KERNELS)}"),
    "epsilon": _NON_NEGATIVE,
    "var_smoothing": _POSITIVE,
    "max_iter": _POSITIVE_INT,
    "min_samples_leaf": _POSITIVE_INT,
    "n_estimators": _POSITIVE_INT,
    "n_clusters": _Rule(_integer, lambda v: v >= 2, "an integer >= 2"),
    "n_components": _POSITIVE_INT,
    "contamination": _Rule(_contamination,
                           lambda v: v is None or 0 < v <= 0.5, "'auto' or a number in (0, 0.5]"),
}
_KEY_OF_FIELD = {name: key for key, name in ALIASES.items()}
assert set(_RULES) == {_KEY_OF_FIELD.get(f.name, f.name) for f in fields(Hyperparameters)} - {"given"}
assert all(keys <= set(_RULES) for keys in SPECIFIC.values())


def from_strings(values: Mapping[str, str]) -> Hyperparameters:
    parsed: dict[str, Any] = {}
    for key, raw in values.items():
        rule = _RULES.get(key) if key not in ALIASES.values() else None
        if rule is None:
            raise UnknownHyperparameter(key, _RULES)
        try:
            value = rule.parse(raw)
        except ValueError:
            raise InvalidHyperparameter(key, raw, rule.expected) from None
        if not rule.check(value):
            raise InvalidHyperparameter(key, raw, rule.expected)
        parsed[ALIASES.get(key, key)] = value
    hp = Hyperparameters(**parsed, given=frozenset(values))
    for key in sorted(values):
        if key not in COMMON and key not in SPECIFIC[hp.algorithm]:
            raise InapplicableHyperparameter(key, hp.algorithm)
    return hp


def from_argv(argv: Sequence[str]) -> Hyperparameters:
    return from_strings(parse_args(argv))


__all__ = ["COMMON", "SPECIFIC", "Hyperparameters", "InapplicableHyperparameter", "from_argv",
           "from_strings", "parse_args"]
