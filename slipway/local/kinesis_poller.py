"""A Kinesis poller per event source mapping, as Lambda's documents describe it.

Source: "Using Lambda with Kinesis Data Streams" and its pages on batching, error handling,
partial batch responses and on-failure destinations
https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html

Per shard, a reader fills ParallelizationFactor lanes by partition-key hash; each lane is its own
thread, so up to N batches of a shard run at once while records of one partition key stay in order.
A lane's batch closes at BatchSize, at 6 MB, or when MaximumBatchingWindowInSeconds has passed.
Records that FilterCriteria rejects are checkpointed without an invocation. With
ReportBatchItemFailures the checkpoint is the lowest failed sequence number (an empty or null list is
success; a malformed identifier fails the whole batch). A failed batch is retried (with exponential
backoff) up to MaximumRetryAttempts (-1: until the records expire), bisected on function error when
BisectBatchOnFunctionError is set, records older than MaximumRecordAgeInSeconds are skipped, and a
batch given up on is described to the on-failure destination as Lambda writes it. Nothing is
dropped without a trace.
"""
from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import deque
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any, Callable

import orjson

from slipway.local.arns import Arn
from slipway.local.poller import BATCH_PAYLOAD_BYTES, Invoker, Mapping, Poller
from slipway.local.sources import kinesis
from slipway.local.sources.batch import BatchResponseError, reported_failures
from slipway.local.sources.filters import FilterCriteria
from slipway.local.sources.kinesis import Record
from slipway.local.sources import Result

log = logging.getLogger(__name__)

__all__ = ["BatchResponseError", "MappingPoller", "MappingSettings", "Record", "ShardPoller", "failed_from"]


@dataclass(frozen=True)
class MappingSettings(Mapping):
    starting_position: str = "TRIM_HORIZON"
    max_retries: int = -1  # -1: retry until the record expires
    max_record_age_s: int = -1  # -1: no limit
    bisect_on_error: bool = False
    on_failure_arn: str | None = None
    parallelization_factor: int = 1
    starting_timestamp: datetime | None = None
    executed_version: str = "$LATEST"  # the version behind the mapping's alias, when it names one
    filters: FilterCriteria = field(default_factory=FilterCriteria)

    @classmethod
    def from_api(cls, mapping: dict[str, Any], *, executed_version: str = "$LATEST") -> "MappingSettings":
        return cls(
            **Mapping.common(mapping, default_batch_size=100),
            starting_position=mapping.get("StartingPosition", "TRIM_HORIZON"),
            max_retries=int(mapping.get("MaximumRetryAttempts", -1)),
            max_record_age_s=int(mapping.get("MaximumRecordAgeInSeconds", -1)),
            bisect_on_error=bool(mapping.get("BisectBatchOnFunctionError", False)),
            on_failure_arn=(mapping.get("DestinationConfig") or {}).get("OnFailure", {}).get("Destination"),
            parallelization_factor=int(mapping.get("ParallelizationFactor", 1)),
            starting_timestamp=_timestamp(mapping.get("StartingPositionTimestamp")),
            executed_version=executed_version,
        )

    @property
    def stream_arn(self) -> str:
        return self.source_arn

    @property
    def stream_name(self) -> str:
        return self.source.name


def _timestamp(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromtimestamp(float(value), tz=timezone.utc)


def failed_from(records: list[Record], payload: Any) -> list[Record]:
    """The records to retry after a ReportBatchItemFailures response: from the lowest failed one on."""
    failed = reported_failures(payload, [r.sequence_number for r in records])
    return records[failed[0]:] if failed else []


class _Lane:
    """Records of some partition keys, in shard order, waiting for their batch."""

    def __init__(self) -> None:
        self.records: deque[Record] = deque()
        self.ready = threading.Condition()

    def put(self, record: Record) -> None:
        with self.ready:
            self.records.append(record)
            self.ready.notify()

    def take(self, settings: MappingSettings, stopped: threading.Event, *, wait: bool) -> list[Record]:
        """The next batch: up to BatchSize records and 6 MB, gathered for at most the batching window."""
        with self.ready:
            if wait:
                while not self.records and not stopped.is_set():
                    self.ready.wait(0.1)
                deadline = time.monotonic() + settings.batching_window_s
                while len(self.records) < settings.batch_size and not stopped.is_set():
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        break
                    self.ready.wait(remaining)
            batch: list[Record] = []
            size = 0
            while self.records and len(batch) < settings.batch_size:
                if batch and size + self.records[0].size > BATCH_PAYLOAD_BYTES:
                    break
                size += self.records[0].size
                batch.append(self.records.popleft())
            return batch

    def __len__(self) -> int:
        return len(self.records)


class ShardPoller(Poller):
    """Reads one shard in order and hands each lane's batches to the function until checkpointed."""

    def __init__(self, settings: MappingSettings, shard_id: str, *, clients: Callable[[str], Any], invoke: Invoker,
                 role_arn: str, poll_interval_s: float = 0.05, retry_backoff_s: float = 0.1,
                 max_backoff_s: float = 5.0) -> None:
        super().__init__(invoke=invoke, name=f"kinesis-{shard_id}")
        self.settings = settings
        self.shard_id = shard_id
        self.clients = clients
        self.role_arn = role_arn
        self.poll_interval_s = poll_interval_s
        self.retry_backoff_s = retry_backoff_s
        self.max_backoff_s = max_backoff_s
        self.lanes = [_Lane() for _ in range(max(1, settings.parallelization_factor))]
        self._iterator: str | None = None
        self.sent_to_on_failure = 0
        self.filtered_out = 0
        self.records_done = 0  # checkpointed: processed, filtered out, or given up on and reported

    def _fetch(self, limit: int) -> list[Record]:
        kinesis_client = self.clients("kinesis")
        if self._iterator is None:
            position: dict[str, Any] = {"ShardIteratorType": self.settings.starting_position}
            if self.settings.starting_position == "AT_TIMESTAMP":
                position["Timestamp"] = self.settings.starting_timestamp
            self._iterator = kinesis_client.get_shard_iterator(
                StreamName=self.settings.stream_name, ShardId=self.shard_id, **position)["ShardIterator"]
        response = kinesis_client.get_records(ShardIterator=self._iterator, Limit=min(limit, 10000))
        self._iterator = response.get("NextShardIterator") or self._iterator
        return [Record.from_api(r) for r in response["Records"]]

    def _lane(self, record: Record) -> _Lane:
        digest = hashlib.md5(record.partition_key.encode()).digest()
        return self.lanes[int.from_bytes(digest[:4], "big") % len(self.lanes)]

    def fill(self) -> bool:
        """Read what the shard has now into the lanes; True if anything arrived."""
        room = self.settings.batch_size * len(self.lanes) * 2 - sum(map(len, self.lanes))
        if room <= 0:
            return False
        fresh = self._fetch(room)
        filters = self.settings.filters
        filtered = 0
        for record in fresh:
            if not filters.patterns or filters.admits(record.filterable()):
                self._lane(record).put(record)
            else:
                filtered += 1  # Lambda drops a record no filter admits: checkpointed, never invoked
        if filtered:
            self.count("filtered_out", filtered)
            self.count("records_done", filtered)
        return bool(fresh)

    def next_batch(self) -> list[Record]:
        """The next batch, read synchronously: the shard is read until a lane is full or the window
        closes (for tests and single-threaded use; `start` runs the lanes on their own threads)."""
        deadline = time.monotonic() + self.settings.batching_window_s
        while not self.stopped.is_set():
            arrived = self.fill()
            if any(len(lane) >= self.settings.batch_size for lane in self.lanes):
                break
            if time.monotonic() >= deadline and (any(self.lanes) or not arrived):
                break
            if not arrived:
                time.sleep(self.poll_interval_s)
        lane = next((lane for lane in self.lanes if len(lane)), None)
        return lane.take(self.settings, self.stopped, wait=False) if lane else []

    def start(self) -> "ShardPoller":
        self.spawn(lambda: self.fill(), "reader")
        for index, lane in enumerate(self.lanes):
            self.spawn(lambda lane=lane: self._run_lane(lane), f"lane{index}")
        return self

    def run(self) -> None:
        """Run until stopped (lanes on their own threads)."""
        self.start()
        self.stopped.wait()
        self.stop()

    def _run_lane(self, lane: _Lane) -> bool:
        batch = lane.take(self.settings, self.stopped, wait=True)
        if batch:
            self.process(batch)
        return bool(batch)

    def _expired(self, records: list[Record]) -> tuple[list[Record], list[Record]]:
        if self.settings.max_record_age_s < 0:
            return [], records
        cutoff = time.time() - self.settings.max_record_age_s
        expired = [r for r in records if r.arrival.timestamp() < cutoff]
        return expired, [r for r in records if r.arrival.timestamp() >= cutoff]

    def process(self, batch: list[Record]) -> None:
        """Invoke until the batch is checkpointed; bisected halves are processed in order."""
        pending = [batch]
        while pending:
            self._process_one(pending.pop(0), pending)
        self.count("records_done", len(batch))

    def backoff(self, attempts: int) -> float:
        """Exponential backoff between retries of a failed batch, capped (a failing batch blocks its
        shard until it succeeds or expires, "Understanding retry behavior in Lambda"; AWS publishes
        no backoff constants, these are local)."""
        return min(self.max_backoff_s, self.retry_backoff_s * 2 ** (attempts - 1))

    def _process_one(self, records: list[Record], pending: list[list[Record]]) -> None:
        attempts = 0
        last: Result | None = None
        while records:
            expired, records = self._expired(records)
            if expired:
                self._give_up(expired, kinesis.RECORD_AGE_EXCEEDED, attempts, last)
            if not records:
                return
            last = self.invoke(kinesis.event(records, shard_id=self.shard_id, stream_arn=self.settings.stream_arn,
                                             role_arn=self.role_arn))
            attempts += 1
            function_error = last.failed
            retry: list[Record] = records if function_error else []
            if not function_error and self.settings.report_item_failures:
                try:
                    retry = failed_from(records, last.payload)
                except BatchResponseError as error:
                    log.warning("%s; retrying the whole batch", error)
                    retry = records
            if not retry:
                return
            # A split does not count against the retry quota; each half starts afresh.
            if function_error and self.settings.bisect_on_error and len(retry) > 1:
                middle = len(retry) // 2
                pending[:0] = [retry[:middle], retry[middle:]]
                return
            if self.settings.max_retries >= 0 and attempts > self.settings.max_retries:
                self._give_up(retry, kinesis.RETRY_ATTEMPTS_EXHAUSTED, attempts, last)
                return
            records = retry
            self.stopped.wait(self.backoff(attempts))

    def _give_up(self, records: list[Record], condition: str, attempts: int, last: Result | None) -> None:
        self.count("sent_to_on_failure", len(records))
        now = datetime.now(timezone.utc)
        failed = last is not None and last.failed
        message = kinesis.on_failure_record(
            records, shard_id=self.shard_id, stream_arn=self.settings.stream_arn,
            function_arn=self.settings.function_arn, condition=condition, invoke_count=attempts,
            request_id=getattr(last, "request_id", None) or None, executed_version=self.settings.executed_version,
            function_error="Unhandled" if failed else None, now=now)
        destination = self.settings.on_failure_arn
        log.warning("%s: %d records of %s sent to %s", condition, len(records), self.shard_id, destination)
        if destination is None:
            return
        arn = Arn.parse(destination)
        if arn.service == "sqs":
            sqs = self.clients("sqs")
            url = sqs.get_queue_url(QueueName=arn.name, QueueOwnerAWSAccountId=arn.account)["QueueUrl"]
            sqs.send_message(QueueUrl=url, MessageBody=orjson.dumps(message).decode())
        elif arn.service == "sns":
            self.clients("sns").publish(TopicArn=destination, Message=orjson.dumps(message).decode())
        else:  # S3: the record with the whole invocation payload, under Lambda's key layout
            payload = kinesis.event(records, shard_id=self.shard_id, stream_arn=self.settings.stream_arn,
                                    role_arn=self.role_arn)
            self.clients("s3").put_object(
                Bucket=arn.name, Key=kinesis.s3_destination_key(self.settings.uuid, self.shard_id, now),
                Body=orjson.dumps({**message, "payload": orjson.dumps(payload).decode()}))


class MappingPoller:
    """All shards of one event source mapping."""

    def __init__(self, settings: MappingSettings, *, clients: Callable[[str], Any], invoke: Invoker, role_arn: str) -> None:
        if settings.executed_version == "$LATEST":
            settings = replace(settings, executed_version=executed_version(clients, settings.function_arn))
        self.settings = settings
        shards = clients("kinesis").list_shards(StreamName=settings.stream_name)["Shards"]
        self.shards = [ShardPoller(settings, s["ShardId"], clients=clients, invoke=invoke, role_arn=role_arn)
                       for s in shards]

    def start(self) -> "MappingPoller":
        for shard in self.shards:
            shard.start()
        return self

    @property
    def records_done(self) -> int:
        return sum(shard.records_done for shard in self.shards)

    @property
    def invocations(self) -> int:
        return sum(shard.invocations for shard in self.shards)

    def stop(self) -> None:
        for shard in self.shards:
            shard.stopped.set()
        for shard in self.shards:
            shard.stop()


def executed_version(clients: Callable[[str], Any], function_arn: str) -> str:
    """The version a mapping's invocations run: the alias's version, a named version, or $LATEST."""
    arn = Arn.parse(function_arn)
    qualifier = arn.qualifier
    if not qualifier or qualifier == "$LATEST":
        return "$LATEST"
    if qualifier.isdigit():
        return qualifier
    try:
        return clients("lambda").get_alias(FunctionName=arn.name, Name=qualifier)["FunctionVersion"]
    except Exception:  # an emulator without the alias: the code is the same
        return "$LATEST"
