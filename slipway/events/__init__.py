"""Recorded AWS event JSON (the shapes AWS documents) and small factories built on them.

For handler tests, in this repository and in users' own: every factory starts from a recorded
event and changes only what the caller asks for, so the rest of the shape stays AWS's.
"""
from __future__ import annotations

import base64
import copy
import functools
import hashlib
import json
from importlib import resources
from typing import Any
from urllib.parse import parse_qsl, quote_plus

import orjson

RECORDED = ("apigw_http_v2", "apigw_rest_v1", "kinesis", "sqs", "sqs_s3_notification")


@functools.cache
def _recorded(name: str) -> str:
    if name not in RECORDED:
        raise ValueError(f"no recorded event {name!r}; recorded: {', '.join(RECORDED)}")
    return resources.files(__package__).joinpath(f"{name}.json").read_text()


def load_event(name: str) -> dict[str, Any]:
    """A fresh copy of a recorded event."""
    return json.loads(_recorded(name))


def _body(body: Any) -> tuple[str | None, bool]:
    if body is None:
        return None, False
    raw = orjson.dumps(body) if isinstance(body, (dict, list)) else body.encode() if isinstance(body, str) else body
    try:
        return raw.decode("utf-8"), False
    except UnicodeDecodeError:
        return base64.b64encode(raw).decode(), True


def http_api_event(method: str, path: str, *, body: Any = None, headers: dict[str, str] | None = None,
                   query: str = "", path_parameters: dict[str, str] | None = None,
                   route_key: str | None = None) -> dict[str, Any]:
    """An HTTP API (payload format 2.0) event."""
    event = load_event("apigw_http_v2")
    key = route_key or f"{method} {path}"
    event["routeKey"] = event["requestContext"]["routeKey"] = key
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["requestContext"]["http"]["method"] = method
    event["rawQueryString"] = query
    joined: dict[str, str] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        joined[name] = f"{joined[name]},{value}" if name in joined else value
    if joined:
        event["queryStringParameters"] = joined
    if path_parameters:
        event["pathParameters"] = path_parameters
    event["headers"].update({k.lower(): v for k, v in (headers or {}).items()})
    text, encoded = _body(body)
    if text is None:
        event.pop("body", None)
        event["headers"].pop("content-length", None)
    else:
        event["body"] = text
        event["headers"]["content-length"] = str(len(text))
    event["isBase64Encoded"] = encoded
    return event


def rest_api_event(method: str, path: str, *, body: Any = None, headers: dict[str, str] | None = None,
                   query: str = "", path_parameters: dict[str, str] | None = None,
                   resource: str | None = None) -> dict[str, Any]:
    """A REST API proxy (payload format 1.0) event."""
    event = load_event("apigw_rest_v1")
    event["resource"] = event["requestContext"]["resourcePath"] = resource or path
    event["path"] = path
    event["requestContext"]["path"] = f"/{event['requestContext']['stage']}{path}"
    event["httpMethod"] = event["requestContext"]["httpMethod"] = method
    for name, value in (headers or {}).items():
        event["headers"][name] = value
        event["multiValueHeaders"][name] = [value]
    pairs = parse_qsl(query, keep_blank_values=True)
    if pairs:
        event["queryStringParameters"] = {k: v for k, v in pairs}
        multi: dict[str, list[str]] = {}
        for name, value in pairs:
            multi.setdefault(name, []).append(value)
        event["multiValueQueryStringParameters"] = multi
    event["pathParameters"] = path_parameters or None
    event["body"], event["isBase64Encoded"] = _body(body)
    return event


def kinesis_event(records: list[bytes | str | dict[str, Any]], *, shard_id: str = "shardId-000000000000",
                  start_seq: int = 49590338271490256608559692538361571095921575989136588898,
                  partition_key: str = "pk", stream_arn: str | None = None) -> dict[str, Any]:
    """A Kinesis batch: one record per payload (dicts JSON-encoded), consecutive sequence numbers."""
    template = load_event("kinesis")["Records"][0]
    out = []
    for offset, payload in enumerate(records):
        data = orjson.dumps(payload) if isinstance(payload, dict) else payload.encode() if isinstance(payload, str) \
            else payload
        record = copy.deepcopy(template)
        sequence = str(start_seq + offset)
        record["kinesis"].update(partitionKey=partition_key, sequenceNumber=sequence,
                                 data=base64.b64encode(data).decode(),
                                 approximateArrivalTimestamp=template["kinesis"]["approximateArrivalTimestamp"] + offset)
        record["eventID"] = f"{shard_id}:{sequence}"
        if stream_arn:
            record["eventSourceARN"] = stream_arn
        out.append(record)
    return {"Records": out}


def sqs_event(bodies: list[str | dict[str, Any]], *, queue_arn: str | None = None) -> dict[str, Any]:
    """An SQS batch: one message per body (dicts JSON-encoded), message ids msg-0, msg-1, ..."""
    template = load_event("sqs")["Records"][0]
    out = []
    for index, body in enumerate(bodies):
        text = json.dumps(body) if isinstance(body, dict) else body
        record = copy.deepcopy(template)
        record.update(messageId=f"msg-{index}", body=text, md5OfBody=hashlib.md5(text.encode()).hexdigest())
        if queue_arn:
            record["eventSourceARN"] = queue_arn
        out.append(record)
    return {"Records": out}


def s3_notification(bucket: str, key: str, *, size: int = 1024, version_id: str | None = None,
                    event_name: str = "ObjectCreated:Put") -> dict[str, Any]:
    """An S3 event notification body (as S3 sends it to SQS: the key URL-encoded)."""
    notification = json.loads(load_event("sqs_s3_notification")["Records"][0]["body"])
    record = notification["Records"][0]
    record["eventName"] = event_name
    record["s3"]["bucket"].update(name=bucket, arn=f"arn:aws:s3:::{bucket}")
    record["s3"]["object"].update(key=quote_plus(key, safe="/"), size=size)
    if version_id is None:
        record["s3"]["object"].pop("versionId", None)
    else:
        record["s3"]["object"]["versionId"] = version_id
    return notification


# What S3 sends once when a notification configuration is created; handlers must ignore it.
S3_TEST_EVENT = {"Service": "Amazon S3", "Event": "s3:TestEvent", "Time": "2026-11-21T09:45:00.000Z",
                 "Bucket": "slipway-data", "RequestId": "5582815E1AEA5ADF", "HostId": "8cLeGAmw098X5cv4Zkwcmo8vvZa3eH3"}


def lambda_context(function_name: str = "slipway-test", request_id: str | None = None, *,
                   memory_mb: int = 1024, timeout_s: int = 30) -> Any:
    """The context object Lambda's Python runtime passes to a handler."""
    from slipway.local.functions import LambdaContext

    context = LambdaContext(function_name=function_name, memory_limit_in_mb=memory_mb, timeout_s=timeout_s,
                            invoked_function_arn=f"arn:aws:lambda:us-east-1:123456789012:function:{function_name}")
    if request_id:
        context.aws_request_id = request_id
    context.log_stream_name = "2026/11/21/[$LATEST]0123456789abcdef"
    return context
