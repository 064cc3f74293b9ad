"""Fault injection for local resilience tests: AWS errors at the emulator's HTTP layer, crashes of
function sandboxes. The same path as production code takes; nothing in the handlers knows about it.

    Fault.on_s3_put("results/", probability=0.3)   # S3 answers 503 SlowDown, as it does when throttling
    FunctionFault(phase="after")                   # the function did its work, then its sandbox got SIGKILL
"""
from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


@dataclass
class Fault:
    matches: Callable[[dict[str, Any]], bool]  # given the WSGI environ
    status: int = 503
    code: str = "SlowDown"
    message: str = "Please reduce your request rate."
    probability: float = 1.0
    times: int | None = None  # at most this many injections
    seed: int = 0
    injected: int = 0
    _rng: random.Random = field(init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    @classmethod
    def on_s3_put(cls, key_part: str, **kwargs: Any) -> "Fault":
        """PutObject requests whose path contains key_part (e.g. a prefix)."""
        def matches(environ: dict[str, Any]) -> bool:
            return (environ.get("REQUEST_METHOD") == "PUT" and key_part in environ.get("PATH_INFO", "")
                    and not environ.get("QUERY_STRING") and "s3" in _signed_service(environ))
        return cls(matches, **kwargs)

    def fire(self, environ: dict[str, Any]) -> bool:
        with self._lock:
            if self.times is not None and self.injected >= self.times:
                return False
            if not self.matches(environ) or self._rng.random() >= self.probability:
                return False
            self.injected += 1
            return True


def _signed_service(environ: dict[str, Any]) -> str:
    """The service name in the SigV4 credential scope: .../<region>/<service>/aws4_request."""
    authorization = environ.get("HTTP_AUTHORIZATION", "")
    try:
        return authorization.split("Credential=", 1)[1].split("/")[3]
    except IndexError:
        return ""


def with_faults(app: WsgiApp, faults: list[Fault]) -> WsgiApp:
    def wrapped(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        for fault in faults:
            if fault.fire(environ):
                length = int(environ.get("CONTENT_LENGTH") or 0)
                if length:
                    environ["wsgi.input"].read(length)  # drain, so keep-alive connections stay usable
                body = (f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{fault.code}</Code>'
                        f"<Message>{fault.message}</Message></Error>").encode()
                start_response(f"{fault.status} Injected", [("Content-Type", "application/xml"),
                                                            ("Content-Length", str(len(body)))])
                return [body]
        return app(environ, start_response)
    return wrapped


@dataclass
class FunctionFault:
    """Kill the sandbox process (SIGKILL) mid-invocation: as the event reaches it ("before"), or once the
    handler has returned and its side effects are done, before Lambda gets the response ("after").
    Lambda reports either as Runtime.ExitError; an event source mapping retries the batch."""

    phase: str = "before"  # "before" | "after"
    when: Callable[[Any], bool] = lambda event: True
    times: int | None = 1
    injected: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def should_fire(self, event: Any) -> bool:
        with self._lock:
            if self.times is not None and self.injected >= self.times:
                return False
            if not self.when(event):
                return False
            self.injected += 1
            return True
