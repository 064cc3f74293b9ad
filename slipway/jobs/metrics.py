"""MetricDefinitions of a job spec: `metrics:` lists names (the regex follows the trainer's
`<name>=<value>` lines) or {name, regex} pairs, judged by the same check as a request's
(slipway.sagemaker.metrics)."""
from __future__ import annotations

import re

from slipway.sagemaker.errors import InvalidTrainingRequest
from slipway.sagemaker.metrics import (MAX_DEFINITIONS, MetricDefinition, check_definition,
                                       repeated_names)

from .fields import Section

__all__ = ["MetricDefinition", "default_regex", "parse_metrics"]
VALUE = r"([-+0-9.eE]+)"


def default_regex(name: str) -> str:
    return re.escape(name) + "=" + VALUE


def _one(section: Section, index: int, entry: object) -> MetricDefinition:
    key = f"metrics[{index}]"
    if isinstance(entry, str):
        name, regex = entry, default_regex(entry)
    elif isinstance(entry, dict) and set(entry) <= {"name", "regex"} and "name" in entry:
        name = entry["name"]
        regex = entry.get("regex") or default_regex(str(name))
    else:
        raise section.fail(key, "must be a metric name or {name, regex}")
    try:
        return check_definition(name, regex)
    except InvalidTrainingRequest as error:
        raise section.fail(key, error.message) from None


def parse_metrics(root: Section) -> tuple[MetricDefinition, ...]:
    entries = root.raw("metrics", [])
    if not isinstance(entries, list) or len(entries) > MAX_DEFINITIONS:
        raise root.fail("metrics", f"must be a list of at most {MAX_DEFINITIONS} metrics")
    metrics = tuple(_one(root, i, entry) for i, entry in enumerate(entries))
    repeated = repeated_names(metrics)
    if repeated:
        raise root.fail("metrics", f"names repeat: {repeated}")
    return metrics
