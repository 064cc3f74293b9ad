"""MetricDefinitions of a job spec: `metrics:` lists names (the regex follows the trainer's
`<name>=<value>` lines) or {name, regex} pairs, validated as CreateTrainingJob validates them."""
from __future__ import annotations

import re
from dataclasses import dataclass

from .fields import Section

MAX_DEFINITIONS = 20
MAX_REGEX_LENGTH = 500
VALUE = r"([-+0-9.eE]+)"


@dataclass(frozen=True)
class MetricDefinition:
    name: str
    regex: str

    def as_request(self) -> dict[str, str]:
        return {"Name": self.name, "Regex": self.regex}


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
    if not isinstance(name, str) or not 1 <= len(name) <= 255:
        raise section.fail(key, f"name must be 1-255 characters, got {name!r}")
    if not isinstance(regex, str) or not 1 <= len(regex) <= MAX_REGEX_LENGTH:
        raise section.fail(key, f"regex must be 1-{MAX_REGEX_LENGTH} characters")
    try:
        groups = re.compile(regex).groups
    except re.error as error:
        raise section.fail(key, f"regex {regex!r} does not compile: {error}") from None
    if groups != 1:
        raise section.fail(key, f"regex {regex!r} must have exactly one capture group (the "
                           f"value), has {groups}")
    return MetricDefinition(name, regex)


def parse_metrics(root: Section) -> tuple[MetricDefinition, ...]:
    entries = root.raw("metrics", [])
    if not isinstance(entries, list) or len(entries) > MAX_DEFINITIONS:
        raise root.fail("metrics", f"must be a list of at most {MAX_DEFINITIONS} metrics")
    metrics = tuple(_one(root, i, entry) for i, entry in enumerate(entries))
    names = [m.name for m in metrics]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise root.fail("metrics", f"names repeat: {repeated}")
    return metrics
