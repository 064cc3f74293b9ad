"""What every handler builds once, at cold start: its config, S3 client, model store and
telemetry, and the instrumented entry point the module-level handler calls."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Self, TypedDict

from ..config import ServingConfig
from ..observability import Telemetry
from ..s3 import S3, new_client
from ..store import ModelStore


class ItemFailure(TypedDict):
    itemIdentifier: str


class BatchResponse(TypedDict):
    """A partial batch response (ReportBatchItemFailures), for Kinesis and SQS alike."""

    batchItemFailures: list[ItemFailure]


@dataclass
class HandlerRuntime:
    service: ClassVar[str]  # the function's name in logs and metrics (POWERTOOLS_SERVICE_NAME wins)
    scorer: ClassVar[bool] = False  # writes results, so it needs the results bucket

    config: ServingConfig
    s3: S3
    store: ModelStore
    telemetry: Telemetry
    handle: Any = field(init=False)

    def __post_init__(self) -> None:
        self.handle = self.telemetry.instrument(self._handle)

    @classmethod
    def from_env(cls, environ: Mapping[str, str], *, s3: Callable[[], Any] = new_client) -> Self:
        """Read and validate the environment once, at cold start. No AWS call is made here:
        ``s3`` makes the client on first use (tests and benchmarks pass their own)."""
        config = ServingConfig.from_env(environ, scorer=cls.scorer, service=cls.service)
        objects = S3(s3)
        return cls(config=config, s3=objects, store=ModelStore.from_config(config, s3=objects.client),
                   telemetry=Telemetry(config))

    def _handle(self, event: dict[str, Any], context: Any) -> Any:
        raise NotImplementedError
