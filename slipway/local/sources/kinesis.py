"""Kinesis Data Streams as a Lambda event source: the event, and the on-failure record.

Sources: "Using Lambda with Kinesis Data Streams" (event shape)
https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html
"Retain discarded batch records for a Kinesis Data Streams event source in Lambda"
https://docs.aws.amazon.com/lambda/latest/dg/kinesis-on-failure-destination.html
"""
from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from slipway.local.arns import Arn
from slipway.local.sources.filters import as_json

RECORD_AGE_EXCEEDED = "RecordAgeExceeded"
RETRY_ATTEMPTS_EXHAUSTED = "RetryAttemptsExhausted"


@dataclass(frozen=True)
class Record:
    sequence_number: str
    partition_key: str
    data: bytes
    arrival: datetime

    @classmethod
    def from_api(cls, record: dict[str, Any]) -> "Record":
        return cls(record["SequenceNumber"], record["PartitionKey"], record["Data"], record["ApproximateArrivalTimestamp"])

    def fields(self) -> dict[str, Any]:
        """The record's `kinesis` fields as the function receives them."""
        return {
            "kinesisSchemaVersion": "1.0",
            "partitionKey": self.partition_key,
            "sequenceNumber": self.sequence_number,
            "data": base64.b64encode(self.data).decode(),
            "approximateArrivalTimestamp": self.arrival.timestamp(),
        }

    def filterable(self) -> dict[str, Any]:
        """What FilterCriteria patterns see: the metadata, and `data` decoded (as JSON when it is)."""
        return {**self.fields(), "data": as_json(self.data)}

    @property
    def size(self) -> int:
        """The record's bytes in the invocation payload (base64 data and its metadata)."""
        return len(self.data) * 4 // 3 + len(self.partition_key) + len(self.sequence_number) + 400


def event(records: list[Record], *, shard_id: str, stream_arn: str, role_arn: str) -> dict[str, Any]:
    region = Arn.parse(stream_arn).region
    return {"Records": [{
        "kinesis": r.fields(),
        "eventSource": "aws:kinesis",
        "eventVersion": "1.0",
        "eventID": f"{shard_id}:{r.sequence_number}",
        "eventName": "aws:kinesis:record",
        "invokeIdentityArn": role_arn,
        "awsRegion": region,
        "eventSourceARN": stream_arn,
    } for r in records]}


def iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def on_failure_record(records: list[Record], *, shard_id: str, stream_arn: str, function_arn: str,
                      condition: str, invoke_count: int, request_id: str | None, executed_version: str,
                      function_error: str | None, now: datetime | None = None) -> dict[str, Any]:
    """The invocation record Lambda sends to an on-failure destination for a discarded stream batch.

    `function_arn` is the mapping's (alias-qualified where the mapping names an alias). A batch that
    expired before an invocation has no response: RecordAgeExceeded records carry no
    responseContext. `functionError` is null when the function answered without raising (a partial
    batch response that kept failing)."""
    record: dict[str, Any] = {
        "requestContext": {"requestId": request_id or str(uuid.uuid4()), "functionArn": function_arn,
                           "condition": condition, "approximateInvokeCount": invoke_count},
    }
    if condition != RECORD_AGE_EXCEEDED:
        record["responseContext"] = {"statusCode": 200, "executedVersion": executed_version,
                                     "functionError": function_error}
    record.update({
        "version": "1.0",
        "timestamp": iso(now or datetime.now(timezone.utc)),
        "KinesisBatchInfo": {
            "shardId": shard_id,
            "startSequenceNumber": records[0].sequence_number,
            "endSequenceNumber": records[-1].sequence_number,
            "approximateArrivalOfFirstRecord": iso(records[0].arrival),
            "approximateArrivalOfLastRecord": iso(records[-1].arrival),
            "batchSize": len(records),
            "streamArn": stream_arn,
        },
    })
    return record


def s3_destination_key(mapping_uuid: str, shard_id: str, now: datetime) -> str:
    """aws/lambda/<ESM-UUID>/<shardID>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<Random UUID>"""
    moment = now.astimezone(timezone.utc)
    return (f"aws/lambda/{mapping_uuid}/{shard_id}/{moment:%Y/%m/%d}/{moment:%Y-%m-%dT%H.%M.%S}-{uuid.uuid4()}")
