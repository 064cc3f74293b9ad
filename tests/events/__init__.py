"""Recorded AWS event JSON (as AWS documents it), one loader, and small factories built on it."""
from __future__ import annotations

import base64
import copy
import functools
import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

EVENTS = Path(__file__).parent


@functools.cache
def _recorded(name: str) -> str:
    return (EVENTS / f"{name}.json").read_text()


def load_event(name: str) -> dict[str, Any]:
    """A fresh copy of ``tests/events/<name>.json``."""
    return json.loads(_recorded(name))


def http_v2_event(method: str, path: str, body: bytes | str | dict[str, Any] | list[Any] | None = None,
                  headers: dict[str, str] | None = None, query: str = "") -> dict[str, Any]:
    """An API Gateway HTTP API payload 2.0 event, from the recorded ``POST /predict``."""
    event = load_event("apigw_http_v2")
    if isinstance(body, (dict, list)):
        body = orjson.dumps(body)
    raw = body.encode() if isinstance(body, str) else body
    event["routeKey"] = event["requestContext"]["routeKey"] = f"{method} {path}"
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["requestContext"]["http"]["method"] = method
    event["rawQueryString"] = query
    event["headers"].update({k.lower(): v for k, v in (headers or {}).items()})
    if raw is None:
        event.pop("body", None)
        event["headers"].pop("content-length", None)
        event["headers"].pop("content-type", None)
        event["isBase64Encoded"] = False
    else:
        event["headers"]["content-length"] = str(len(raw))
        try:
            event["body"], event["isBase64Encoded"] = raw.decode("utf-8"), False
        except UnicodeDecodeError:
            event["body"], event["isBase64Encoded"] = base64.b64encode(raw).decode(), True
    return event


def kinesis_event(records: list[bytes | dict[str, Any]], shard_id: str = "shardId-000000000000",
                  start_seq: int = 49590338271490256608559692538361571095921575989136588898,
                  partition_key: str = "pk") -> dict[str, Any]:
    """A Kinesis event with one record per item (dicts are JSON-encoded), consecutive sequences."""
    template = load_event("kinesis")["Records"][0]
    out = []
    for offset, payload in enumerate(records):
        data = orjson.dumps(payload) if isinstance(payload, dict) else payload
        record = copy.deepcopy(template)
        sequence = str(start_seq + offset)
        record["kinesis"].update(sequenceNumber=sequence, partitionKey=partition_key,
                                 data=base64.b64encode(data).decode(),
                                 approximateArrivalTimestamp=1545084650.987 + offset)
        record["eventID"] = f"{shard_id}:{sequence}"
        out.append(record)
    return {"Records": out}


def s3_notification(bucket: str, key: str, *, size: int = 1024, version_id: str | None = None,
                    event_name: str = "ObjectCreated:Put") -> dict[str, Any]:
    """An S3 event notification for one object, from the recorded message (the key URL-encoded)."""
    from urllib.parse import quote_plus

    document = json.loads(load_event("sqs_s3_notification")["Records"][0]["body"])
    record = document["Records"][0]
    record["eventName"] = event_name
    record["s3"]["bucket"].update(name=bucket, arn=f"arn:aws:s3:::{bucket}")
    record["s3"]["object"].update(key=quote_plus(key, safe="/"), size=size)
    if version_id is None:
        del record["s3"]["object"]["versionId"]
    else:
        record["s3"]["object"]["versionId"] = version_id
    return document


S3_TEST_EVENT = {"Service": "Amazon S3", "Event": "s3:TestEvent", "Time": "2026-11-21T09:45:00.000Z",
                 "Bucket": "slipway-data", "RequestId": "5582815E1AEA5ADF", "HostId": "8cLeGAmw098X5cv4Zkwcmo8vvZa3eH3"}


def sqs_event(bodies: list[str | dict[str, Any]]) -> dict[str, Any]:
    """An SQS event with one message per body (dicts are JSON-encoded), message ids msg-0, msg-1, ..."""
    template = load_event("sqs_s3_notification")["Records"][0]
    records = []
    for i, body in enumerate(bodies):
        record = copy.deepcopy(template)
        record["body"] = body if isinstance(body, str) else json.dumps(body)
        record["messageId"] = f"msg-{i}"
        records.append(record)
    return {"Records": records}


@dataclass
class LambdaContext:
    """The attributes of the context object Lambda's Python runtime passes to a handler."""

    function_name: str = "slipway-test"
    memory_limit_in_mb: int = 1024
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:us-east-1:123456789012:function:{self.function_name}"

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    log_stream_name: str = "2026/11/21/[$LATEST]0123456789abcdef"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def lambda_context(function_name: str = "slipway-test", request_id: str | None = None) -> LambdaContext:
    return LambdaContext(function_name=function_name, aws_request_id=request_id or str(uuid.uuid4()))
