"""A per-thread view of os.environ, so that in-process functions each see their own environment.

Lambda gives each function's sandbox its own variables. In one process, `os.environ` is shared;
swapping it around each call would serialize every function behind one lock. Instead the sandbox
thread of each function reads and writes a private mapping, while every other thread (the
emulator, the gateway, the caller) keeps the real environment.
"""
from __future__ import annotations

import os
import threading
from collections.abc import Iterator, MutableMapping

_local = threading.local()
_install_lock = threading.Lock()


class ThreadEnviron(MutableMapping[str, str]):
    def __init__(self, real: MutableMapping[str, str]) -> None:
        self.real = real

    def _view(self) -> MutableMapping[str, str]:
        view = getattr(_local, "environ", None)
        return self.real if view is None else view

    def __getitem__(self, key: str) -> str:
        return self._view()[key]

    def __setitem__(self, key: str, value: str) -> None:
        self._view()[key] = value

    def __delitem__(self, key: str) -> None:
        del self._view()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._view()))

    def __len__(self) -> int:
        return len(self._view())

    def copy(self) -> dict[str, str]:
        return dict(self._view())

    def __repr__(self) -> str:
        return f"ThreadEnviron({dict(self._view())!r})"


def install() -> None:
    """Idempotent; os.getenv reads os.environ, so it follows too."""
    with _install_lock:
        if not isinstance(os.environ, ThreadEnviron):
            os.environ = ThreadEnviron(os.environ)  # type: ignore[assignment]


def use_for_this_thread(variables: dict[str, str]) -> None:
    install()
    _local.environ = dict(variables)


# Host variables that would leak the developer's own AWS identity or settings into a function.
HIDDEN_PREFIXES = ("AWS_", "SLIPWAY_", "POWERTOOLS_", "SM_")


def function_environment(variables: dict[str, str]) -> dict[str, str]:
    """The host's ordinary variables (PATH, HOME, locale, ...) under the function's own."""
    real = os.environ.real if isinstance(os.environ, ThreadEnviron) else os.environ
    base = {k: v for k, v in real.items() if not k.startswith(HIDDEN_PREFIXES)}
    return {**base, **variables}
