"""An SQS poller per event source mapping, as Lambda's SQS documents describe it.

Receive up to BatchSize messages (waiting up to MaximumBatchingWindowInSeconds to fill a batch),
invoke, then delete what succeeded: the whole batch on success, all but the reported failures with
ReportBatchItemFailures, nothing on a function error. Undeleted messages become visible again after
the queue's visibility timeout, and the queue's own redrive policy moves them to its dead-letter
queue after maxReceiveCount receives — SQS's rule, which the emulator applies.
"""
from __future__ import annotations

import hashlib
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable

from slipway.local.functions import Invocation

log = logging.getLogger(__name__)

Invoker = Callable[[dict[str, Any]], Invocation]


@dataclass(frozen=True)
class SqsMappingSettings:
    uuid: str
    queue_arn: str
    function_arn: str
    batch_size: int
    batching_window_s: float
    report_item_failures: bool

    @classmethod
    def from_api(cls, mapping: dict[str, Any]) -> "SqsMappingSettings":
        return cls(uuid=mapping["UUID"], queue_arn=mapping["EventSourceArn"], function_arn=mapping["FunctionArn"],
                   batch_size=int(mapping.get("BatchSize", 10)),
                   batching_window_s=float(mapping.get("MaximumBatchingWindowInSeconds", 0)),
                   report_item_failures="ReportBatchItemFailures" in (mapping.get("FunctionResponseTypes") or []))

    @property
    def queue_name(self) -> str:
        return self.queue_arn.split(":")[5]

    @property
    def region(self) -> str:
        return self.queue_arn.split(":")[3]


def sqs_event(messages: list[dict[str, Any]], settings: SqsMappingSettings) -> dict[str, Any]:
    return {"Records": [{
        "messageId": m["MessageId"],
        "receiptHandle": m["ReceiptHandle"],
        "body": m["Body"],
        "attributes": m.get("Attributes", {}),
        "messageAttributes": {k: {"stringValue": v.get("StringValue"), "binaryValue": v.get("BinaryValue"),
                                  "stringListValues": [], "binaryListValues": [], "dataType": v["DataType"]}
                              for k, v in (m.get("MessageAttributes") or {}).items()},
        "md5OfBody": m.get("MD5OfBody") or hashlib.md5(m["Body"].encode()).hexdigest(),
        "eventSource": "aws:sqs",
        "eventSourceARN": settings.queue_arn,
        "awsRegion": settings.region,
    } for m in messages]}


def succeeded(messages: list[dict[str, Any]], invocation: Invocation, *, report_item_failures: bool) -> list[dict]:
    """The messages Lambda deletes after this invocation."""
    if invocation.failed:
        return []
    if not report_item_failures:
        return messages
    payload = invocation.payload
    failures = payload.get("batchItemFailures") if isinstance(payload, dict) else None
    if not failures:
        return messages
    ids = {m["MessageId"] for m in messages}
    failed = set()
    for failure in failures:
        identifier = failure.get("itemIdentifier") if isinstance(failure, dict) else None
        if not identifier or identifier not in ids:
            log.warning("batchItemFailures names %r, not in the batch: the whole batch fails", identifier)
            return []
        failed.add(identifier)
    return [m for m in messages if m["MessageId"] not in failed]


class SqsPoller:
    def __init__(self, settings: SqsMappingSettings, *, clients: Callable[[str], Any], invoke: Invoker,
                 wait_s: int = 1) -> None:
        self.settings = settings
        self.clients = clients
        self.invoke = invoke
        self.wait_s = wait_s
        self.stopped = threading.Event()
        self.invocations = 0
        self._queue_url: str | None = None
        self._thread: threading.Thread | None = None

    @property
    def queue_url(self) -> str:
        if self._queue_url is None:
            account = self.settings.queue_arn.split(":")[4]
            self._queue_url = self.clients("sqs").get_queue_url(
                QueueName=self.settings.queue_name, QueueOwnerAWSAccountId=account)["QueueUrl"]
        return self._queue_url

    def next_batch(self) -> list[dict[str, Any]]:
        batch: list[dict[str, Any]] = []
        deadline = time.monotonic() + self.settings.batching_window_s
        while len(batch) < self.settings.batch_size and not self.stopped.is_set():
            response = self.clients("sqs").receive_message(
                QueueUrl=self.queue_url, MaxNumberOfMessages=min(10, self.settings.batch_size - len(batch)),
                WaitTimeSeconds=0 if batch else self.wait_s, AttributeNames=["All"], MessageAttributeNames=["All"])
            fresh = response.get("Messages", [])
            batch += fresh
            if not fresh or time.monotonic() >= deadline:
                break
        return batch

    def process(self, messages: list[dict[str, Any]]) -> None:
        invocation = self.invoke(sqs_event(messages, self.settings))
        self.invocations += 1
        done = succeeded(messages, invocation, report_item_failures=self.settings.report_item_failures)
        for start in range(0, len(done), 10):
            self.clients("sqs").delete_message_batch(QueueUrl=self.queue_url, Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done[start:start + 10])])

    def run(self) -> None:
        while not self.stopped.is_set():
            try:
                batch = self.next_batch()
                if batch:
                    self.process(batch)
            except Exception:
                log.exception("poller for queue %s failed; retrying", self.settings.queue_name)
                time.sleep(0.5)

    def start(self) -> "SqsPoller":
        self._thread = threading.Thread(target=self.run, name=f"sqs-{self.settings.queue_name[:20]}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopped.set()
        if self._thread is not None:
            self._thread.join(timeout=self.wait_s + 5)
