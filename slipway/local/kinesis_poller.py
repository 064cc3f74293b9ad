"""A Kinesis poller per event source mapping, as Lambda's documents describe it.

Per shard, in order (with ParallelizationFactor N, in N lanes by partition-key hash, so order is
kept per partition key while up to N batches run at once): read up to BatchSize records (waiting up to MaximumBatchingWindowInSeconds to
fill a batch), invoke the function, and checkpoint. With ReportBatchItemFailures the checkpoint
is the lowest failed sequence number (an empty or null list is success; a malformed identifier
fails the whole batch). A failed batch is retried up to MaximumRetryAttempts (-1: until the
records expire), bisected on function error when BisectBatchOnFunctionError is set, records older
than MaximumRecordAgeInSeconds are skipped, and a batch given up on is described to the on-failure
destination with the metadata Lambda sends. Nothing is dropped without a trace.
"""
from __future__ import annotations

import base64
import hashlib
import logging
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable

import orjson

from slipway.local.functions import Invocation
from slipway.errors import SlipwayError

log = logging.getLogger(__name__)

Invoker = Callable[[dict[str, Any]], Invocation]


@dataclass(frozen=True)
class MappingSettings:
    uuid: str
    stream_arn: str
    function_arn: str
    batch_size: int
    batching_window_s: float
    starting_position: str
    max_retries: int  # -1: retry until the record expires
    max_record_age_s: int  # -1: no limit
    bisect_on_error: bool
    report_item_failures: bool
    on_failure_arn: str | None
    parallelization_factor: int = 1
    starting_timestamp: datetime | None = None

    @classmethod
    def from_api(cls, mapping: dict[str, Any]) -> "MappingSettings":
        return cls(
            uuid=mapping["UUID"],
            stream_arn=mapping["EventSourceArn"],
            function_arn=mapping["FunctionArn"],
            batch_size=int(mapping.get("BatchSize", 100)),
            batching_window_s=float(mapping.get("MaximumBatchingWindowInSeconds", 0)),
            starting_position=mapping.get("StartingPosition", "TRIM_HORIZON"),
            max_retries=int(mapping.get("MaximumRetryAttempts", -1)),
            max_record_age_s=int(mapping.get("MaximumRecordAgeInSeconds", -1)),
            bisect_on_error=bool(mapping.get("BisectBatchOnFunctionError", False)),
            report_item_failures="ReportBatchItemFailures" in (mapping.get("FunctionResponseTypes") or []),
            on_failure_arn=(mapping.get("DestinationConfig") or {}).get("OnFailure", {}).get("Destination"),
            parallelization_factor=int(mapping.get("ParallelizationFactor", 1)),
            starting_timestamp=_timestamp(mapping.get("StartingPositionTimestamp")),
        )

    @property
    def stream_name(self) -> str:
        return self.stream_arn.split("/", 1)[1]

    @property
    def region(self) -> str:
        return self.stream_arn.split(":")[3]


def _timestamp(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromtimestamp(float(value), tz=timezone.utc)


@dataclass(frozen=True)
class Record:
    sequence_number: str
    partition_key: str
    data: bytes
    arrival: datetime

    @classmethod
    def from_api(cls, record: dict[str, Any]) -> "Record":
        return cls(record["SequenceNumber"], record["PartitionKey"], record["Data"], record["ApproximateArrivalTimestamp"])


def kinesis_event(records: list[Record], *, shard_id: str, settings: MappingSettings, role_arn: str) -> dict[str, Any]:
    return {"Records": [{
        "kinesis": {
            "kinesisSchemaVersion": "1.0",
            "partitionKey": r.partition_key,
            "sequenceNumber": r.sequence_number,
            "data": base64.b64encode(r.data).decode(),
            "approximateArrivalTimestamp": r.arrival.timestamp(),
        },
        "eventSource": "aws:kinesis",
        "eventVersion": "1.0",
        "eventID": f"{shard_id}:{r.sequence_number}",
        "eventName": "aws:kinesis:record",
        "invokeIdentityArn": role_arn,
        "awsRegion": settings.region,
        "eventSourceARN": settings.stream_arn,
    } for r in records]}


class BatchResponseError(SlipwayError):
    pass


def failed_from(records: list[Record], payload: Any) -> list[Record]:
    """The records to retry after a ReportBatchItemFailures response: from the lowest failed one on."""
    if payload is None or not isinstance(payload, dict):
        return []
    failures = payload.get("batchItemFailures")
    if not failures:
        return []
    positions = {r.sequence_number: i for i, r in enumerate(records)}
    lowest = len(records)
    for failure in failures:
        identifier = failure.get("itemIdentifier") if isinstance(failure, dict) else None
        if not identifier or identifier not in positions:
            raise BatchResponseError(f"batchItemFailures names {identifier!r}, which is not in the batch")
        lowest = min(lowest, positions[identifier])
    return records[lowest:]


def on_failure_message(records: list[Record], *, shard_id: str, settings: MappingSettings, condition: str,
                       invoke_count: int, last: Invocation | None) -> dict[str, Any]:
    """The invocation record Lambda sends to an on-failure destination for a stream batch."""
    def iso(moment: datetime) -> str:
        return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"

    response: dict[str, Any] = {"statusCode": 200, "executedVersion": "$LATEST"}
    if last is not None and last.failed:
        response["functionError"] = "Unhandled"
    return {
        "requestContext": {"requestId": last.request_id if last else str(uuid.uuid4()),
                           "functionArn": settings.function_arn, "condition": condition,
                           "approximateInvokeCount": invoke_count},
        "responseContext": response,
        "version": "1.0",
        "timestamp": iso(datetime.now(timezone.utc)),
        "KinesisBatchInfo": {
            "shardId": shard_id,
            "startSequenceNumber": records[0].sequence_number,
            "endSequenceNumber": records[-1].sequence_number,
            "approximateArrivalOfFirstRecord": iso(records[0].arrival),
            "approximateArrivalOfLastRecord": iso(records[-1].arrival),
            "batchSize": len(records),
            "streamArn": settings.stream_arn,
        },
    }


class ShardPoller:
    """Reads one shard in order and hands each batch to the function until it is checkpointed."""

    def __init__(self, settings: MappingSettings, shard_id: str, *, clients: Callable[[str], Any], invoke: Invoker,
                 role_arn: str, poll_interval_s: float = 0.05, retry_backoff_s: float = 0.05) -> None:
        self.settings = settings
        self.shard_id = shard_id
        self.clients = clients
        self.invoke = invoke
        self.role_arn = role_arn
        self.poll_interval_s = poll_interval_s
        self.retry_backoff_s = retry_backoff_s
        self._lanes: list[list[Record]] = [[] for _ in range(max(1, settings.parallelization_factor))]
        self._iterator: str | None = None
        self.stopped = threading.Event()
        self.invocations = 0
        self.sent_to_on_failure = 0
        self.records_done = 0  # checkpointed: processed, or given up on and reported
        self._count_lock = threading.Lock()

    def _fetch(self, limit: int) -> list[Record]:
        kinesis = self.clients("kinesis")
        if self._iterator is None:
            position: dict[str, Any] = {"ShardIteratorType": self.settings.starting_position}
            if self.settings.starting_position == "AT_TIMESTAMP":
                position["Timestamp"] = self.settings.starting_timestamp
            self._iterator = kinesis.get_shard_iterator(StreamName=self.settings.stream_name, ShardId=self.shard_id,
                                                        **position)["ShardIterator"]
        response = kinesis.get_records(ShardIterator=self._iterator, Limit=min(limit, 10000))
        self._iterator = response.get("NextShardIterator") or self._iterator
        return [Record.from_api(r) for r in response["Records"]]

    def _lane(self, record: Record) -> int:
        digest = hashlib.md5(record.partition_key.encode()).digest()
        return int.from_bytes(digest[:4], "big") % len(self._lanes)

    def _fill(self) -> bool:
        """Read what the shard has now into the lanes; True if anything arrived."""
        room = self.settings.batch_size * len(self._lanes) - sum(map(len, self._lanes))
        fresh = self._fetch(max(1, room))
        for record in fresh:
            self._lanes[self._lane(record)].append(record)
        return bool(fresh)

    def next_batches(self) -> list[list[Record]]:
        """One batch per lane that has records, once full or when the batching window closes."""
        deadline = time.monotonic() + self.settings.batching_window_s
        while not self.stopped.is_set():
            arrived = self._fill()
            full = any(len(lane) >= self.settings.batch_size for lane in self._lanes)
            if full or (time.monotonic() >= deadline and (any(self._lanes) or not arrived)):
                break
            if not arrived:
                time.sleep(self.poll_interval_s)
        batches = []
        for index, lane in enumerate(self._lanes):
            if lane:
                batches.append(lane[: self.settings.batch_size])
                self._lanes[index] = lane[self.settings.batch_size:]
        return batches

    def next_batch(self) -> list[Record]:
        """The next batch of a single-lane mapping (parallelization factor 1)."""
        batches = self.next_batches()
        for extra in batches[1:]:  # only with several lanes; keep them for the next round
            self._lanes[self._lane(extra[0])][:0] = extra
        return batches[0] if batches else []

    def run(self) -> None:
        with ThreadPoolExecutor(max_workers=len(self._lanes), thread_name_prefix=f"kinesis-{self.shard_id}") as pool:
            while not self.stopped.is_set():
                try:
                    batches = self.next_batches()
                    if not batches:
                        time.sleep(self.poll_interval_s)
                        continue
                    # Lanes run concurrently; a lane's next batch waits for its previous one.
                    for future in [pool.submit(self.process, batch) for batch in batches]:
                        future.result()
                except Exception:  # the poller outlives emulator hiccups, as Lambda's does
                    log.exception("poller for %s/%s failed; retrying", self.settings.stream_name, self.shard_id)
                    time.sleep(0.5)

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
        with self._count_lock:
            self.records_done += len(batch)

    def _process_one(self, records: list[Record], pending: list[list[Record]]) -> None:
        attempts = 0
        last: Invocation | None = None
        while records:
            expired, records = self._expired(records)
            if expired:
                self._give_up(expired, "RecordAgeExceeded", attempts, last)
            if not records:
                return
            last = self.invoke(kinesis_event(records, shard_id=self.shard_id, settings=self.settings,
                                             role_arn=self.role_arn))
            attempts += 1
            with self._count_lock:
                self.invocations += 1
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
                self._give_up(retry, "RetryAttemptsExhausted", attempts, last)
                return
            records = retry
            time.sleep(self.retry_backoff_s)

    def _give_up(self, records: list[Record], condition: str, attempts: int, last: Invocation | None) -> None:
        with self._count_lock:
            self.sent_to_on_failure += len(records)
        message = on_failure_message(records, shard_id=self.shard_id, settings=self.settings, condition=condition,
                                     invoke_count=attempts, last=last)
        destination = self.settings.on_failure_arn
        log.warning("%s: %d records of %s sent to %s", condition, len(records), self.shard_id, destination)
        if destination is None:
            return
        if destination.startswith("arn:aws:sqs:"):
            sqs = self.clients("sqs")
            account, name = destination.split(":")[4], destination.split(":")[5]
            url = sqs.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)["QueueUrl"]
            sqs.send_message(QueueUrl=url, MessageBody=orjson.dumps(message).decode())
        elif destination.startswith("arn:aws:sns:"):
            self.clients("sns").publish(TopicArn=destination, Message=orjson.dumps(message).decode())
        else:
            self.clients("s3").put_object(Bucket=destination.split(":::")[1],
                                          Key=f"aws/lambda/{self.settings.uuid}/{self.shard_id}/{uuid.uuid4()}.json",
                                          Body=orjson.dumps({**message, "payload": None}))


class MappingPoller:
    """All shards of one event source mapping, a thread each."""

    def __init__(self, settings: MappingSettings, *, clients: Callable[[str], Any], invoke: Invoker, role_arn: str) -> None:
        self.settings = settings
        shards = clients("kinesis").list_shards(StreamName=settings.stream_name)["Shards"]
        self.shards = [ShardPoller(settings, s["ShardId"], clients=clients, invoke=invoke, role_arn=role_arn)
                       for s in shards]
        self._threads: list[threading.Thread] = []

    def start(self) -> "MappingPoller":
        for shard in self.shards:
            thread = threading.Thread(target=shard.run, name=f"kinesis-{shard.shard_id}", daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    @property
    def records_done(self) -> int:
        return sum(shard.records_done for shard in self.shards)

    def stop(self) -> None:
        for shard in self.shards:
            shard.stopped.set()
        for thread in self._threads:
            thread.join(timeout=5)
