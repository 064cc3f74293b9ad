"""The `tuning:` section of a job spec: strategy, objective, ranges and limits, held to the rules
CreateHyperParameterTuningJob enforces (so `slipway tune` never accepts what the cloud refuses)."""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from . import ranges
from .fields import Section
from .metrics import MetricDefinition, default_regex

STRATEGIES = ("Bayesian", "Random", "Grid", "Hyperband")
OBJECTIVE_TYPES = ("Minimize", "Maximize")
EARLY_STOPPING = ("Off", "Auto")
MAX_RANGES = 30
MAX_TUNING_RUNTIME_S = 15_768_000  # botocore's HyperParameterTuningMaxRuntimeInSeconds
MAX_HYPERBAND_RESOURCE = 20_000


@dataclass(frozen=True)
class TuningSpec:
    strategy: str
    objective_metric: str
    objective_type: str
    ranges: tuple[ranges.ParameterRange, ...]
    max_jobs: int | None  # None for Grid: every combination runs
    max_parallel: int
    max_runtime_seconds: int | None
    early_stopping: str
    random_seed: int | None
    hyperband_min_resource: int | None
    hyperband_max_resource: int | None

    @property
    def minimize(self) -> bool:
        return self.objective_type == "Minimize"

    def grid_size(self) -> int:
        return math.prod(len(r.values) for r in self.ranges)

    def total_jobs(self) -> int:
        return self.grid_size() if self.strategy == "Grid" else int(self.max_jobs or 0)


def _objective(section: Section, metrics: tuple[MetricDefinition, ...]
               ) -> tuple[str, str, MetricDefinition | None]:
    objective = section.section("objective", required=True)
    objective.only("metric", "type", "regex")
    metric = objective.text("metric")
    kind = objective.choice("type", OBJECTIVE_TYPES)
    regex = objective.text("regex", None)
    known = {m.name: m for m in metrics}
    if metric in known and regex is not None and regex != known[metric].regex:
        raise objective.fail("regex", f"differs from metrics' regex for {metric!r}")
    extra = None if metric in known else MetricDefinition(metric, regex or default_regex(metric))
    return metric, kind, extra


def _hyperband(section: Section, strategy: str) -> tuple[int | None, int | None]:
    band = section.section("hyperband")
    band.only("min_resource", "max_resource")
    if strategy != "Hyperband":
        if band.data:
            raise section.fail("hyperband", f"applies to strategy Hyperband, not {strategy}")
        return None, None
    # The trainer's hyperparameters have no `epochs` key SageMaker could infer it from
    high = band.integer("max_resource", minimum=1, maximum=MAX_HYPERBAND_RESOURCE)
    low = band.integer("min_resource", 1, minimum=1, maximum=MAX_HYPERBAND_RESOURCE)
    if low >= high:
        raise band.fail("min_resource", f"must be below max_resource ({high}), got {low}")
    return low, high


def parse_tuning(section: Section, metrics: tuple[MetricDefinition, ...],
                 static: Mapping[str, Any]) -> tuple[TuningSpec, MetricDefinition | None]:
    """The tuning spec, and the objective's metric definition when `metrics` lacks it."""
    section.only("strategy", "objective", "ranges", "max_jobs", "max_parallel",
                 "max_runtime_seconds", "early_stopping", "random_seed", "hyperband")
    strategy = section.choice("strategy", STRATEGIES, "Bayesian")
    metric, kind, extra = _objective(section, metrics)
    space = section.section("ranges", required=True)
    if not 1 <= len(space.data) <= MAX_RANGES:
        raise section.fail("ranges", f"must name 1-{MAX_RANGES} hyperparameters")
    parsed = tuple(ranges.parse(space, str(name)) for name in space.data)
    for item in parsed:
        if item.name in static:
            raise space.fail(item.name, "is also a static hyperparameter; a hyperparameter is "
                             "either fixed or tuned")
        if strategy == "Grid" and item.kind != "categorical":
            raise space.fail(item.name, "Grid searches categorical ranges only")
    max_jobs = None if strategy == "Grid" else section.integer("max_jobs", minimum=1)
    if strategy == "Grid" and "max_jobs" in section.data:
        raise section.fail("max_jobs", "Grid runs every combination; leave max_jobs out")
    max_parallel = section.integer("max_parallel", 1, minimum=1)
    if max_jobs is not None and max_parallel > max_jobs:
        raise section.fail("max_parallel", f"must not exceed max_jobs ({max_jobs})")
    early = section.choice("early_stopping", EARLY_STOPPING, "Off")
    if strategy == "Hyperband" and early != "Off":
        raise section.fail("early_stopping", "must be Off with Hyperband, which stops jobs "
                           "early by itself")
    low, high = _hyperband(section, strategy)
    tuning = TuningSpec(
        strategy=strategy, objective_metric=metric, objective_type=kind, ranges=parsed,
        max_jobs=max_jobs, max_parallel=max_parallel,
        max_runtime_seconds=section.integer("max_runtime_seconds", None, minimum=120,
                                            maximum=MAX_TUNING_RUNTIME_S),
        early_stopping=early, random_seed=section.integer("random_seed", None, minimum=0),
        hyperband_min_resource=low, hyperband_max_resource=high)
    return tuning, extra
