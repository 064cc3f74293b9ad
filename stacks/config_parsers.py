"""Parsers for context values: each takes (key, raw value) and returns the typed value or raises
ConfigError naming the key and what is allowed. Raw values are JSON from cdk.json or strings from -c."""
from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Any, Callable

_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_EMAIL = re.compile(r"^[^@\s,]+@[^@\s,]+\.[^@\s,]+$")
_AUDIENCE = re.compile(r"^[\x21-\x7e]{1,256}$")


class ConfigError(ValueError):
    """A context value that cannot be used; the message names the key."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"cdk.json context '{key}': {problem}")
        self.key = key


def choice(allowed: tuple[str, ...]) -> Callable[[str, Any], str]:
    def parse(key: str, value: Any) -> str:
        if value not in allowed:
            raise ConfigError(key, f"got {value!r}; allowed values are {', '.join(allowed)}")
        return str(value)

    return parse


def _integer(key: str, value: Any, expected: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"[+-]?\d+", value.strip()):
        return int(value.strip(), 10)
    return _reject(key, value, expected)


def _reject(key: str, value: Any, expected: str) -> Any:
    raise ConfigError(key, f"got {value!r}; expected {expected}")


def int_between(low: int, high: int) -> Callable[[str, Any], int]:
    expected = f"an integer from {low} to {high}"

    def parse(key: str, value: Any) -> int:
        number = _integer(key, value, expected)
        if not low <= number <= high:
            raise ConfigError(key, f"got {number}; expected {expected}")
        return number

    return parse


def int_choice(allowed: tuple[int, ...]) -> Callable[[str, Any], int]:
    expected = f"one of {', '.join(map(str, allowed))}"

    def parse(key: str, value: Any) -> int:
        number = _integer(key, value, expected)
        if number not in allowed:
            raise ConfigError(key, f"got {number}; allowed values are {', '.join(map(str, allowed))}")
        return number

    return parse


def number_between(low: float, high: float) -> Callable[[str, Any], float]:
    expected = f"a number from {low:g} to {high:g}"

    def parse(key: str, value: Any) -> float:
        if isinstance(value, bool):
            raise ConfigError(key, f"got {value!r}; expected {expected}")
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ConfigError(key, f"got {value!r}; expected {expected}") from None
        if not low <= number <= high:  # also rejects NaN
            raise ConfigError(key, f"got {value!r}; expected {expected}")
        return number

    return parse


def as_bool(key: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if str(value).lower() in ("true", "false"):
        return str(value).lower() == "true"
    raise ConfigError(key, f"got {value!r}; allowed values are true, false")


def name(key: str, value: Any) -> str:
    if not isinstance(value, str) or not _NAME.match(value):
        raise ConfigError(
            key, f"got {value!r}; use 1-63 lowercase letters, digits and hyphens, starting with a letter or digit"
        )
    return value


def https_url_or_empty(key: str, value: Any) -> str:
    if value == "":
        return ""
    if not isinstance(value, str) or not re.match(r"^https://[^\s/]+(/\S*)?$", value):
        raise ConfigError(key, f"got {value!r}; expected an https:// URL, or \"\" when unused")
    return value


def audiences(key: str, value: Any) -> tuple[str, ...]:
    """A JSON list of strings, or a comma-separated string (``-c jwt_audience=a,b``)."""
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not all(isinstance(item, str) for item in items):
        raise ConfigError(key, f"got {value!r}; expected a list of strings or a comma-separated string")
    cleaned = tuple(item.strip() for item in items if item.strip())
    bad = [item for item in cleaned if not _AUDIENCE.match(item)]
    if bad:
        raise ConfigError(key, f"got {bad[0]!r}; an audience is 1-256 printable characters without spaces")
    return cleaned


def email_or_empty(key: str, value: Any) -> str:
    if value == "":
        return ""
    if not isinstance(value, str) or not _EMAIL.match(value):
        raise ConfigError(key, f"got {value!r}; expected an e-mail address, or \"\" for no subscription")
    return value


def relative_path(key: str, value: Any) -> str:
    """A path inside the project (no absolute paths, no '..'), resolved by the stack that reads it."""
    if not isinstance(value, str) or not value:
        raise ConfigError(key, f"got {value!r}; expected a path relative to the project root")
    path = PurePosixPath(value)
    if path.is_absolute() or ".." in path.parts:
        raise ConfigError(key, f"got {value!r}; expected a path relative to the project root, without '..'")
    return value
