"""The user-facing knobs, read once from CDK context into one typed, validated object.

Every value may arrive as a string (``cdk synth -c batch_size=50``), so each field parses its own
type; a bad value fails synth with a message that names the key and what is allowed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, fields
from typing import Any, Callable, Mapping

RUNTIMES = ("python3.12", "python3.13", "python3.14")
ARCHITECTURES = ("x86_64", "arm64")
API_AUTH_MODES = ("iam", "none")
REMOVAL_POLICIES = ("retain", "destroy")
STARTING_POSITIONS = ("TRIM_HORIZON", "LATEST")
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


class ConfigError(ValueError):
    """A context value that cannot be used; the message names the key."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"cdk.json context '{key}': {problem}")
        self.key = key


def _choice(allowed: tuple[str, ...]) -> Callable[[str, Any], str]:
    def parse(key: str, value: Any) -> str:
        if value not in allowed:
            raise ConfigError(key, f"got {value!r}; allowed values are {', '.join(allowed)}")
        return str(value)

    return parse


def _int_between(low: int, high: int) -> Callable[[str, Any], int]:
    def parse(key: str, value: Any) -> int:
        if isinstance(value, bool):
            raise ConfigError(key, f"got {value!r}; expected an integer from {low} to {high}")
        try:
            number = int(str(value), 10)
        except ValueError:
            raise ConfigError(key, f"got {value!r}; expected an integer from {low} to {high}") from None
        if not low <= number <= high:
            raise ConfigError(key, f"got {number}; expected an integer from {low} to {high}")
        return number

    return parse


def _bool(key: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if str(value).lower() in ("true", "false"):
        return str(value).lower() == "true"
    raise ConfigError(key, f"got {value!r}; allowed values are true, false")


def _name(key: str, value: Any) -> str:
    if not isinstance(value, str) or not _NAME.match(value):
        raise ConfigError(
            key, f"got {value!r}; use 1-63 lowercase letters, digits and hyphens, starting with a letter or digit"
        )
    return value


# key -> parser; the defaults live in cdk.json so that users see every knob in one place.
_PARSERS: dict[str, Callable[[str, Any], Any]] = {
    "model_name": _name,
    "lambda_runtime": _choice(RUNTIMES),
    "lambda_architecture": _choice(ARCHITECTURES),
    "api_memory_mb": _int_between(128, 10240),
    "scorer_memory_mb": _int_between(128, 10240),
    "api_timeout_seconds": _int_between(1, 29),
    "scorer_timeout_seconds": _int_between(1, 900),
    "api_auth": _choice(API_AUTH_MODES),
    "stream_shards": _int_between(1, 500),
    "batch_size": _int_between(1, 10000),
    "max_batching_window_seconds": _int_between(0, 300),
    "starting_position": _choice(STARTING_POSITIONS),
    "retry_attempts": _int_between(0, 10000),
    "max_record_age_seconds": _int_between(60, 604800),
    "removal_policy": _choice(REMOVAL_POLICIES),
    "bundle_dependencies": _bool,
}


@dataclass(frozen=True)
class SlipwayConfig:
    model_name: str
    lambda_runtime: str
    lambda_architecture: str
    api_memory_mb: int
    scorer_memory_mb: int
    api_timeout_seconds: int
    scorer_timeout_seconds: int
    api_auth: str
    stream_shards: int
    batch_size: int
    max_batching_window_seconds: int
    starting_position: str
    retry_attempts: int
    max_record_age_seconds: int
    removal_policy: str
    bundle_dependencies: bool

    @property
    def pointer_key(self) -> str:
        return f"pointers/{self.model_name}.json"

    @property
    def python_version(self) -> str:
        return self.lambda_runtime.removeprefix("python")

    @classmethod
    def from_context(cls, get: Callable[[str], Any]) -> "SlipwayConfig":
        """Build from a context getter (``app.node.try_get_context``); every key must be set."""
        values: dict[str, Any] = {}
        for field in fields(cls):
            raw = get(field.name)
            if raw is None:
                raise ConfigError(field.name, "is missing; set it in cdk.json or with -c")
            values[field.name] = _PARSERS[field.name](field.name, raw)
        return cls(**values)

    @classmethod
    def from_mapping(cls, context: Mapping[str, Any]) -> "SlipwayConfig":
        return cls.from_context(context.get)
