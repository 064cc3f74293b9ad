"""SageMaker MetricDefinitions: validated like CreateTrainingJob validates them, applied to log lines
like SageMaker applies them (first capture group; the last value is the job's final metric)."""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from .errors import InvalidTrainingRequest

MAX_DEFINITIONS = 20
MAX_REGEX_LENGTH = 500
MAX_NAME_LENGTH = 255


@dataclass(frozen=True)
class MetricDefinition:
    name: str
    pattern: re.Pattern[str]

    def as_request(self) -> dict[str, str]:
        return {"Name": self.name, "Regex": self.pattern.pattern}


def compile_definitions(definitions: Sequence[Mapping[str, str]]) -> tuple[MetricDefinition, ...]:
    if len(definitions) > MAX_DEFINITIONS:
        raise InvalidTrainingRequest(
            f"MetricDefinitions has {len(definitions)} entries; at most {MAX_DEFINITIONS} allowed")
    compiled: list[MetricDefinition] = []
    for position, definition in enumerate(definitions):
        compiled.append(_compile_one(position, definition))
    names = [d.name for d in compiled]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise InvalidTrainingRequest(f"MetricDefinitions names repeat: {duplicates}")
    return tuple(compiled)


def _compile_one(position: int, definition: Mapping[str, str]) -> MetricDefinition:
    where = f"MetricDefinitions[{position}]"
    unknown = sorted(set(definition) - {"Name", "Regex"})
    if unknown or not isinstance(definition.get("Name"), str) \
            or not isinstance(definition.get("Regex"), str):
        raise InvalidTrainingRequest(
            f"{where} must be {{'Name': str, 'Regex': str}}, got keys {sorted(definition)}")
    name, regex = definition["Name"], definition["Regex"]
    if not 1 <= len(name) <= MAX_NAME_LENGTH:
        raise InvalidTrainingRequest(f"{where}.Name must be 1-{MAX_NAME_LENGTH} characters")
    if not 1 <= len(regex) <= MAX_REGEX_LENGTH:
        raise InvalidTrainingRequest(
            f"{where}.Regex for {name!r} must be 1-{MAX_REGEX_LENGTH} characters, "
            f"got {len(regex)}")
    try:
        pattern = re.compile(regex)
    except re.error as error:
        raise InvalidTrainingRequest(f"{where}.Regex for {name!r} does not compile: {error}") \
            from None
    if pattern.groups != 1:
        raise InvalidTrainingRequest(
            f"{where}.Regex for {name!r} must have exactly one capture group (the value), "
            f"has {pattern.groups}")
    return MetricDefinition(name=name, pattern=pattern)


@dataclass
class MetricCollector:
    """Fed every log line; keeps each metric's series in order of appearance."""
    definitions: tuple[MetricDefinition, ...]
    series: dict[str, list[float]] = field(default_factory=dict)

    def feed(self, line: str) -> None:
        for definition in self.definitions:
            match = definition.pattern.search(line)
            value = _number(match.group(1)) if match else None
            if value is not None:
                self.series.setdefault(definition.name, []).append(value)

    def final(self) -> dict[str, float]:
        return {name: values[-1] for name, values in self.series.items()}

    def unmatched(self) -> tuple[str, ...]:
        """Definitions that never produced a value: usually a regex that does not fit the log."""
        return tuple(d.name for d in self.definitions if d.name not in self.series)


def _number(text: str | None) -> float | None:
    # SageMaker drops a capture that is not a number rather than failing the job
    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        return None
