"""Lambda event filtering (FilterCriteria) for Kinesis and SQS mappings.

Source: "Control which events Lambda sends to your function" (event filtering)
https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html
Filters are OR-ed; inside a pattern every key must match; a list of matchers matches when any does
(exact values, prefix, suffix, equals-ignore-case, anything-but, numeric, exists). A JSON `data` /
`body` is matched as JSON; a body that is not JSON matches only patterns that do not look inside it.
"""
from __future__ import annotations

import operator
from dataclasses import dataclass
from typing import Any

import orjson

from slipway.errors import SlipwayError

_MISSING = object()
_NUMERIC = {"=": operator.eq, "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


class FilterError(SlipwayError, ValueError):
    pass


def _matcher(rule: Any, value: Any) -> bool:
    if not isinstance(rule, dict):
        return value is not _MISSING and value == rule
    (kind, argument), = rule.items()
    if kind == "exists":
        return (value is not _MISSING) == bool(argument)
    if value is _MISSING:
        return kind == "anything-but"
    if kind == "prefix":
        return isinstance(value, str) and value.startswith(argument)
    if kind == "suffix":
        return isinstance(value, str) and value.endswith(argument)
    if kind == "equals-ignore-case":
        return isinstance(value, str) and value.lower() == argument.lower()
    if kind == "anything-but":
        excluded = argument if isinstance(argument, list) else [argument]
        if isinstance(argument, dict):
            return not _matcher(argument, value)
        return value not in excluded
    if kind == "numeric":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        return all(_NUMERIC[argument[i]](value, argument[i + 1]) for i in range(0, len(argument), 2))
    raise FilterError(f"unsupported filter rule {kind!r}")


def _matches(pattern: dict[str, Any], record: Any) -> bool:
    for key, rule in pattern.items():
        value = record.get(key, _MISSING) if isinstance(record, dict) else _MISSING
        if isinstance(rule, dict):
            if not _matches(rule, value if value is not _MISSING else {}):
                return False
            continue
        values = value if isinstance(value, list) else [value]
        if not any(_matcher(r, v) for r in rule for v in values):
            return False
    return True


@dataclass(frozen=True)
class FilterCriteria:
    patterns: tuple[dict[str, Any], ...] = ()

    @classmethod
    def from_api(cls, criteria: dict[str, Any] | None) -> "FilterCriteria":
        patterns = []
        for entry in (criteria or {}).get("Filters") or []:
            try:
                pattern = orjson.loads(entry["Pattern"])
            except (KeyError, orjson.JSONDecodeError) as error:
                raise FilterError(f"filter pattern {entry!r} is not JSON: {error}") from None
            if not isinstance(pattern, dict):
                raise FilterError(f"filter pattern {entry['Pattern']!r} is not a JSON object")
            patterns.append(pattern)
        return cls(tuple(patterns))

    def admits(self, record: dict[str, Any]) -> bool:
        """With no filters every record passes; otherwise any one filter must match."""
        return not self.patterns or any(_matches(p, record) for p in self.patterns)


def as_json(text: str | bytes) -> Any:
    """A body or data field as the filter sees it: parsed when it is JSON, the text otherwise."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return text.decode("utf-8", errors="replace") if isinstance(text, bytes) else text
