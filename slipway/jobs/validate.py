"""Rendered requests checked against botocore's own SageMaker model: validate_parameters for
structure, required fields and types, then a walk for what it leaves out (enum values, maximum
lengths and values, patterns), then SageMaker's server-side rules (rules.py). Every shape problem
names the field by its dotted path; a rule's refusal carries SageMaker's code and message."""
from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import Any

from botocore.exceptions import ParamValidationError
from botocore.validate import validate_parameters

from . import rules, service
from .errors import RequestValidationError

_FIELD = re.compile(r"parameter ([A-Za-z0-9_.\[\]]+)")


@lru_cache(maxsize=256)
def _pattern(text: str) -> re.Pattern[str] | None:
    try:
        return re.compile(text)
    except re.error:
        return None  # Java-only syntax (\p{Alnum}): botocore's model, not ours to enforce


def _scalar_problem(value: Any, shape: Any) -> str | None:
    meta = shape.metadata
    if shape.type_name == "string" and isinstance(value, str):
        if shape.enum and value not in shape.enum:
            listing = ", ".join(shape.enum[:8]) + (", ..." if len(shape.enum) > 8 else "")
            return f"{value!r} is not one of {len(shape.enum)} allowed values ({listing})"
        if "max" in meta and len(value) > meta["max"]:
            return f"is {len(value)} characters long; at most {meta['max']}"
        pattern = _pattern(meta["pattern"]) if "pattern" in meta else None
        if pattern is not None and not pattern.fullmatch(value):
            return f"{value!r} does not match the pattern {meta['pattern']!r}"
    if shape.type_name in ("integer", "long", "float", "double") and isinstance(value, (int, float)):
        if "max" in meta and value > meta["max"]:
            return f"{value} is above the maximum {meta['max']}"
    return None


def problems(value: Any, shape: Any, path: str = "") -> Iterator[tuple[str, str]]:
    if shape.type_name == "structure" and isinstance(value, Mapping):
        for name, member in value.items():
            if name in shape.members:
                yield from problems(member, shape.members[name], f"{path}.{name}" if path else name)
    elif shape.type_name == "list" and isinstance(value, list):
        if "max" in shape.metadata and len(value) > shape.metadata["max"]:
            yield path, f"has {len(value)} items; at most {shape.metadata['max']}"
        for index, item in enumerate(value):
            yield from problems(item, shape.member, f"{path}[{index}]")
    elif shape.type_name == "map" and isinstance(value, Mapping):
        if "max" in shape.metadata and len(value) > shape.metadata["max"]:
            yield path, f"has {len(value)} entries; at most {shape.metadata['max']}"
        for key, item in value.items():
            yield from problems(item, shape.value, f"{path}.{key}")
    else:
        problem = _scalar_problem(value, shape)
        if problem:
            yield path, problem


def validate_request(operation: str, request: Mapping[str, Any]) -> None:
    shape = service.input_shape(operation)
    try:
        validate_parameters(dict(request), shape)
    except ParamValidationError as error:
        report = str(error.kwargs.get("report", error))
        field = _FIELD.search(report)
        raise RequestValidationError(operation, field.group(1) if field else "(request)",
                                     report.strip()) from None
    for path, problem in problems(request, shape):
        raise RequestValidationError(operation, path, problem)
    check = rules.check_training_job if operation == rules.TRAINING else rules.check_tuning_job
    check(dict(request))
