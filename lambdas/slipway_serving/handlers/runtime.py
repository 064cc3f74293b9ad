"""What every handler builds once, at cold start: its config, model store and telemetry, and the
instrumented entry point the module-level handler calls."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, TypedDict

from ..clients import s3_client
from ..config import ServingConfig
from ..observability import Telemetry
from ..store import ModelStore


class ItemFailure(TypedDict):
    itemIdentifier: str


class BatchResponse(TypedDict):
    """A partial batch response (ReportBatchItemFailures), for Kinesis and SQS alike."""

    batchItemFailures: list[ItemFailure]


@dataclass
class HandlerRuntime:
    config: ServingConfig
    store: ModelStore
    telemetry: Telemetry
    handle: Any = field(init=False)

    def __post_init__(self) -> None:
        self.handle = self.telemetry.instrument(self._handle)

    @classmethod
    def from_env(cls, *, service: str, scorer: bool = False) -> "HandlerRuntime":
        """Read and validate the environment once, at cold start; no AWS call is made here."""
        config = ServingConfig.from_env(os.environ, scorer=scorer, service=service)
        return cls(config=config, store=ModelStore.from_config(config, s3=s3_client), telemetry=Telemetry(config))

    def _handle(self, event: dict[str, Any], context: Any) -> Any:
        raise NotImplementedError
