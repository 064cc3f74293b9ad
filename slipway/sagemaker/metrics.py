"""SageMaker MetricDefinitions: validated like CreateTrainingJob validates them (for requests and
job specs alike), applied to log lines like SageMaker applies them (first capture group; the last
value is the job's final metric)."""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

from .errors import InvalidTrainingRequest

MAX_DEFINITIONS = 20
MAX_REGEX_LENGTH = 500
MAX_NAME_LENGTH = 255


@dataclass(frozen=True)
class MetricDefinition:
    """One entry of AlgorithmSpecification.MetricDefinitions; the job spec's `metrics:` too."""
    name: str
    regex: str

    @cached_property
    def pattern(self) -> re.Pattern[str]:
        return re.compile(self.regex)

    def as_request(self) -> dict[str, str]:
        return {"Name": self.name, "Regex": self.regex}


def check_definition(name: object, regex: object) -> MetricDefinition:
    """The one place a definition is judged, for requests and job specs alike; the message
    names the field, and the caller says where the definition sits."""
    if not isinstance(name, str) or not 1 <= len(name) <= MAX_NAME_LENGTH:
        raise InvalidTrainingRequest(f"Name must be 1-{MAX_NAME_LENGTH} characters, got {name!r}")
    if not isinstance(regex, str) or not 1 <= len(regex) <= MAX_REGEX_LENGTH:
        got = len(regex) if isinstance(regex, str) else repr(regex)
        raise InvalidTrainingRequest(
            f"Regex for {name!r} must be 1-{MAX_REGEX_LENGTH} characters, got {got}")
    try:
        groups = re.compile(regex).groups
    except re.error as error:
        raise InvalidTrainingRequest(f"Regex for {name!r} does not compile: {error}") from None
    if groups != 1:
        raise InvalidTrainingRequest(
            f"Regex for {name!r} must have exactly one capture group (the value), has {groups}")
    return MetricDefinition(name=name, regex=regex)


def repeated_names(definitions: Sequence[MetricDefinition]) -> list[str]:
    names = [d.name for d in definitions]
    return sorted({name for name in names if names.count(name) > 1})


def compile_definitions(definitions: Sequence[Mapping[str, str]]) -> tuple[MetricDefinition, ...]:
    if len(definitions) > MAX_DEFINITIONS:
        raise InvalidTrainingRequest(
            f"MetricDefinitions has {len(definitions)} entries; at most {MAX_DEFINITIONS} allowed")
    compiled = tuple(_compile_one(position, definition)
                     for position, definition in enumerate(definitions))
    duplicates = repeated_names(compiled)
    if duplicates:
        raise InvalidTrainingRequest(f"MetricDefinitions names repeat: {duplicates}")
    return compiled


def _compile_one(position: int, definition: Mapping[str, str]) -> MetricDefinition:
    where = f"MetricDefinitions[{position}]"
    unknown = sorted(set(definition) - {"Name", "Regex"})
    if unknown or not isinstance(definition.get("Name"), str) \
            or not isinstance(definition.get("Regex"), str):
        raise InvalidTrainingRequest(
            f"{where} must be {{'Name': str, 'Regex': str}}, got keys {sorted(definition)}")
    try:
        return check_definition(definition["Name"], definition["Regex"])
    except InvalidTrainingRequest as error:
        raise InvalidTrainingRequest(f"{where}.{error.message}") from None


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
