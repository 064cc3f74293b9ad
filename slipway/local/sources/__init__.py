"""One module per AWS event source: each builds the event Lambda receives from it and parses what
the function answers, once; the local runtime (gateway, pollers) and `slipway.events` both use them.

Nothing here does I/O or imports the runtime: builders take plain values, parsers take the
function's result (anything with `.failed` and `.payload`).
"""
from __future__ import annotations

from typing import Any, Protocol


class Result(Protocol):
    """A function's result as the gateway and the pollers see it (slipway.local.functions.Invocation)."""

    payload: Any

    @property
    def failed(self) -> bool: ...
