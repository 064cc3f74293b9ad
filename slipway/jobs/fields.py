"""Reading one YAML mapping with errors that name the file and the dotted key, so every spec
mistake points at its line of YAML."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import JobSpecError

_MISSING = object()


@dataclass(frozen=True)
class Section:
    path: Path
    prefix: str
    data: Mapping[str, Any]

    def key(self, name: str) -> str:
        return f"{self.prefix}.{name}" if self.prefix else name

    def fail(self, name: str, problem: str) -> JobSpecError:
        return JobSpecError(self.path, self.key(name), problem)

    def only(self, *allowed: str) -> None:
        unknown = sorted(set(self.data) - set(allowed))
        if unknown:
            raise self.fail(str(unknown[0]), f"unknown key; allowed here: {', '.join(allowed)}")

    def raw(self, name: str, default: Any = _MISSING) -> Any:
        if name in self.data and self.data[name] is not None:
            return self.data[name]
        if default is _MISSING:
            raise self.fail(name, "is required")
        return default

    def section(self, name: str, *, required: bool = False) -> Section:
        value = self.raw(name, _MISSING if required else {})
        if not isinstance(value, Mapping):
            raise self.fail(name, f"must be a mapping, got {type(value).__name__}")
        return Section(self.path, self.key(name), value)

    def text(self, name: str, default: Any = _MISSING) -> Any:
        value = self.raw(name, default)
        if value is not default and (not isinstance(value, str) or not value.strip()):
            raise self.fail(name, f"must be a non-empty string, got {value!r}")
        return value

    def integer(self, name: str, default: Any = _MISSING, *, minimum: int | None = None,
                maximum: int | None = None) -> Any:
        value = self.raw(name, default)
        if value is default:
            return value
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(name, f"must be an integer, got {value!r}")
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            raise self.fail(name, f"must be in [{minimum}, {maximum}], got {value}")
        return value

    def number(self, name: str, default: Any = _MISSING) -> Any:
        value = self.raw(name, default)
        if value is not default and (isinstance(value, bool)
                                     or not isinstance(value, (int, float))):
            raise self.fail(name, f"must be a number, got {value!r}")
        return value

    def flag(self, name: str, default: bool) -> bool:
        value = self.raw(name, default)
        if not isinstance(value, bool):
            raise self.fail(name, f"must be true or false, got {value!r}")
        return value

    def choice(self, name: str, choices: tuple[str, ...], default: Any = _MISSING) -> Any:
        value = self.raw(name, default)
        if value is not default and value not in choices:
            raise self.fail(name, f"must be one of {list(choices)}, got {value!r}")
        return value
