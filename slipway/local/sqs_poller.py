"""An SQS poller per event source mapping, as Lambda's SQS documents describe it.

Source: "Using Lambda with Amazon SQS" (batching window, scaling, MaximumConcurrency, filtering,
partial batch responses) https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html

A batch gathers messages until BatchSize, 6 MB, or MaximumBatchingWindowInSeconds, whichever comes
first; messages no FilterCriteria admits are deleted without an invocation. After the invocation
Lambda deletes what succeeded: the whole batch on success, all but the reported failures with
ReportBatchItemFailures, nothing on a function error. Undeleted messages become visible again after
the queue's visibility timeout, and the queue's own redrive policy moves them to its dead-letter
queue after maxReceiveCount receives — SQS's rule, which the emulator applies. Batches run on up to
MaximumConcurrency threads (a local default of 2 when the mapping sets none); after a function error
a thread backs off exponentially before polling again, which lowers the concurrency the mapping uses,
as "Handling errors for an SQS event source in Lambda" describes (AWS publishes no constants)
https://docs.aws.amazon.com/lambda/latest/operatorguide/sqs-retries.html
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from slipway.local.poller import BATCH_PAYLOAD_BYTES, Invoker, Mapping, Poller
from slipway.local.sources import sqs
from slipway.local.sources.batch import BatchResponseError, reported_failures
from slipway.local.sources.filters import FilterCriteria
from slipway.local.sources import Result

log = logging.getLogger(__name__)

LOCAL_CONCURRENCY = 2  # without MaximumConcurrency Lambda scales to hundreds; a laptop needs few


@dataclass(frozen=True)
class SqsMappingSettings(Mapping):
    max_concurrency: int | None = None
    filters: FilterCriteria = field(default_factory=FilterCriteria)

    @classmethod
    def from_api(cls, mapping: dict[str, Any]) -> "SqsMappingSettings":
        scaling = mapping.get("ScalingConfig") or {}
        return cls(**Mapping.common(mapping, default_batch_size=10),
                   max_concurrency=scaling.get("MaximumConcurrency"))

    @property
    def queue_arn(self) -> str:
        return self.source_arn

    @property
    def queue_name(self) -> str:
        return self.source.name


def succeeded(messages: list[dict[str, Any]], result: Result, *, report_item_failures: bool) -> list[dict]:
    """The messages Lambda deletes after this invocation."""
    if result.failed:
        return []
    if not report_item_failures:
        return messages
    try:
        failed = set(reported_failures(result.payload, [m["MessageId"] for m in messages]))
    except BatchResponseError as error:
        log.warning("%s: the whole batch fails", error)
        return []
    return [m for index, m in enumerate(messages) if index not in failed]


class SqsPoller(Poller):
    def __init__(self, settings: SqsMappingSettings, *, clients: Callable[[str], Any], invoke: Invoker,
                 wait_s: int = 1, backoff_s: float = 0.1, max_backoff_s: float = 5.0) -> None:
        super().__init__(invoke=invoke, name=f"sqs-{settings.queue_name[:20]}")
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self.settings = settings
        self.clients = clients
        self.wait_s = wait_s
        self.filtered_out = 0
        self._queue_url: str | None = None

    @property
    def concurrency(self) -> int:
        return self.settings.max_concurrency or LOCAL_CONCURRENCY

    @property
    def queue_url(self) -> str:
        if self._queue_url is None:
            arn = self.settings.source
            self._queue_url = self.clients("sqs").get_queue_url(
                QueueName=arn.name, QueueOwnerAWSAccountId=arn.account)["QueueUrl"]
        return self._queue_url

    def _receive(self, count: int, wait_s: float) -> list[dict[str, Any]]:
        response = self.clients("sqs").receive_message(
            QueueUrl=self.queue_url, MaxNumberOfMessages=max(1, min(10, count)), WaitTimeSeconds=int(wait_s),
            AttributeNames=["All"], MessageAttributeNames=["All"])
        return response.get("Messages", [])

    def _admitted(self, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Messages a filter admits; the others are deleted now, never invoked."""
        if not self.settings.filters.patterns:
            return messages
        arn = self.settings.queue_arn
        admitted = [m for m in messages if self.settings.filters.admits(sqs.filterable(m, queue_arn=arn))]
        rejected = [m for m in messages if m not in admitted]
        if rejected:
            self._delete(rejected)
            self.count("filtered_out", len(rejected))
        return admitted

    def next_batch(self) -> list[dict[str, Any]]:
        """Poll until the batch is full (BatchSize or 6 MB) or the batching window has passed."""
        settings = self.settings
        batch: list[dict[str, Any]] = []
        size = 0
        deadline = time.monotonic() + settings.batching_window_s
        while len(batch) < settings.batch_size and not self.stopped.is_set():
            remaining = deadline - time.monotonic()
            wait = self.wait_s if not batch else min(self.wait_s, max(0.0, remaining))
            fresh = self._admitted(self._receive(settings.batch_size - len(batch), wait))
            for message in fresh:
                if batch and size + sqs.size(message) > BATCH_PAYLOAD_BYTES:
                    self._release(message)  # not in this batch: visible again for the next one
                    continue
                batch.append(message)
                size += sqs.size(message)
            if size >= BATCH_PAYLOAD_BYTES or (batch and time.monotonic() >= deadline):
                break
            if not batch and not fresh and time.monotonic() >= deadline:
                break
        return batch

    def _release(self, message: dict[str, Any]) -> None:
        self.clients("sqs").change_message_visibility(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"],
                                                      VisibilityTimeout=0)

    def _delete(self, messages: list[dict[str, Any]]) -> None:
        for start in range(0, len(messages), 10):
            self.clients("sqs").delete_message_batch(QueueUrl=self.queue_url, Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages[start:start + 10])])

    def process(self, messages: list[dict[str, Any]]) -> bool:
        """Invoke with one batch and delete what succeeded; False on a function error."""
        result = self.invoke(sqs.event(messages, queue_arn=self.settings.queue_arn))
        self._delete(succeeded(messages, result, report_item_failures=self.settings.report_item_failures))
        return not result.failed

    def backoff(self, failures: int) -> float:
        return min(self.max_backoff_s, self.backoff_s * 2 ** (failures - 1)) if failures else 0.0

    def _worker(self) -> Callable[[], bool]:
        failures = 0

        def step() -> bool:
            nonlocal failures
            batch = self.next_batch()
            if batch:
                failures = 0 if self.process(batch) else failures + 1
                self.stopped.wait(self.backoff(failures))
            return bool(batch)

        return step

    def start(self) -> "SqsPoller":
        for index in range(self.concurrency):
            self.spawn(self._worker(), str(index))
        return self

    def stop(self, timeout_s: float | None = None) -> None:
        super().stop(timeout_s if timeout_s is not None else self.wait_s + 5)
