"""What every event source mapping poller shares: the mapping's settings read once from the Lambda
API, worker threads that outlive emulator hiccups, the invocation count, and a clean stop."""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any, Callable

from slipway.local.arns import Arn
from slipway.local.sources.filters import FilterCriteria
from slipway.local.sources import Result

log = logging.getLogger(__name__)

Invoker = Callable[[dict[str, Any]], Result]
# Lambda's synchronous payload quota also caps a batch: a mapping stops adding records at 6 MB.
BATCH_PAYLOAD_BYTES = 6 * 1024 * 1024


@dataclass(frozen=True)
class Mapping:
    """The settings both Kinesis and SQS mappings have."""

    uuid: str
    source_arn: str
    function_arn: str  # as the mapping names it: qualified when it targets an alias or version
    batch_size: int
    batching_window_s: float
    report_item_failures: bool
    filters: FilterCriteria

    @staticmethod
    def common(mapping: dict[str, Any], *, default_batch_size: int) -> dict[str, Any]:
        return dict(uuid=mapping["UUID"], source_arn=mapping["EventSourceArn"], function_arn=mapping["FunctionArn"],
                    batch_size=int(mapping.get("BatchSize") or default_batch_size),
                    batching_window_s=float(mapping.get("MaximumBatchingWindowInSeconds") or 0),
                    report_item_failures="ReportBatchItemFailures" in (mapping.get("FunctionResponseTypes") or []),
                    filters=FilterCriteria.from_api(mapping.get("FilterCriteria")))

    @property
    def source(self) -> Arn:
        return Arn.parse(self.source_arn)

    @property
    def function(self) -> Arn:
        return Arn.parse(self.function_arn)


class Poller:
    """Worker threads that each run `step` until stopped; a step that finds nothing returns False."""

    idle_s = 0.05

    def __init__(self, *, invoke: Invoker, name: str) -> None:
        self.invoke_function = invoke
        self.name = name
        self.stopped = threading.Event()
        self.invocations = 0
        self._count_lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    def invoke(self, event: dict[str, Any]) -> Result:
        result = self.invoke_function(event)
        with self._count_lock:
            self.invocations += 1
        return result

    def count(self, attribute: str, amount: int) -> None:
        with self._count_lock:
            setattr(self, attribute, getattr(self, attribute) + amount)

    def _loop(self, step: Callable[[], bool]) -> None:
        while not self.stopped.is_set():
            try:
                if not step():
                    self.stopped.wait(self.idle_s)
            except Exception:  # the poller outlives emulator hiccups, as Lambda's does
                log.exception("poller %s failed; retrying", self.name)
                self.stopped.wait(0.5)

    def spawn(self, step: Callable[[], bool], label: str) -> None:
        thread = threading.Thread(target=self._loop, args=(step,), name=f"{self.name}-{label}"[:40], daemon=True)
        thread.start()
        self._threads.append(thread)

    def stop(self, timeout_s: float = 5) -> None:
        self.stopped.set()
        for thread in self._threads:
            thread.join(timeout=timeout_s)
