"""Recorded AWS event JSON (the shapes AWS documents) and small factories built on them.

For handler tests, in this repository and in users' own: every factory builds its event with the
same code the local runtime uses (slipway.local.sources), filled with a recorded event's values, so
a handler meets the same shape in a unit test, on the local stack and in AWS.
"""
from __future__ import annotations

import functools
import json
from datetime import datetime, timezone
from importlib import resources
from typing import Any

import orjson

from slipway.local.sources import apigw_v1, apigw_v2, kinesis, s3, sqs
from slipway.local.sources.http import HttpRequest

RECORDED = ("apigw_http_v2", "apigw_rest_v1", "kinesis", "sqs", "sqs_s3_notification")


@functools.cache
def _recorded(name: str) -> str:
    if name not in RECORDED:
        raise ValueError(f"no recorded event {name!r}; recorded: {', '.join(RECORDED)}")
    return resources.files(__package__).joinpath(f"{name}.json").read_text()


def load_event(name: str) -> dict[str, Any]:
    """A fresh copy of a recorded event."""
    return json.loads(_recorded(name))


def _raw(body: Any) -> bytes:
    if body is None:
        return b""
    return orjson.dumps(body) if isinstance(body, (dict, list)) else body.encode() if isinstance(body, str) else body


def _utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _request(recorded_headers: dict[str, str], headers: dict[str, str] | None, *, method: str, path: str, query: str,
             raw: bytes, source_ip: str, request_id: str, lower: bool) -> HttpRequest:
    merged = {k: v for k, v in recorded_headers.items() if k.lower() != "content-length"}
    merged.update({(k.lower() if lower else k): v for k, v in (headers or {}).items()})
    if raw:
        merged["content-length" if lower else "Content-Length"] = str(len(raw))
    return HttpRequest(method=method, path=path, query=query, headers=tuple(merged.items()), body=raw,
                       source_ip=source_ip, request_id=request_id)


def http_api_event(method: str, path: str, *, body: Any = None, headers: dict[str, str] | None = None,
                   query: str = "", path_parameters: dict[str, str] | None = None,
                   route_key: str | None = None) -> dict[str, Any]:
    """An HTTP API (payload format 2.0) event, built as the local gateway builds it."""
    recorded = load_event("apigw_http_v2")
    context = recorded["requestContext"]
    request = _request(recorded["headers"], headers, method=method, path=path, query=query, raw=_raw(body),
                       source_ip=context["http"]["sourceIp"], request_id=context["requestId"], lower=True)
    return apigw_v2.event(request, route_key=route_key or f"{method} {path}", path_parameters=path_parameters or {},
                          api_id=context["apiId"], account_id=context["accountId"], stage=context["stage"])


def rest_api_event(method: str, path: str, *, body: Any = None, headers: dict[str, str] | None = None,
                   query: str = "", path_parameters: dict[str, str] | None = None,
                   resource: str | None = None, binary_media_types: tuple[str, ...] = ()) -> dict[str, Any]:
    """A REST API proxy (payload format 1.0) event, built as the local gateway builds it.

    A REST API base64-encodes only bodies of its binaryMediaTypes; a body that is not UTF-8 is
    treated as one of them when none are given."""
    recorded = load_event("apigw_rest_v1")
    context = recorded["requestContext"]
    raw = _raw(body)
    if raw and not binary_media_types and not _utf8(raw):
        binary_media_types = ("*/*",)
    request = _request(recorded["headers"], headers, method=method, path=path, query=query, raw=raw,
                       source_ip=context["identity"]["sourceIp"], request_id=context["requestId"], lower=False)
    return apigw_v1.event(request, resource=resource or path, path=path, path_parameters=path_parameters or {},
                          api_id=context["apiId"], account_id=context["accountId"], api_kind="rest",
                          stage=context["stage"], binary_media_types=binary_media_types)


def kinesis_event(records: list[bytes | str | dict[str, Any]], *, shard_id: str = "shardId-000000000000",
                  start_seq: int = 49590338271490256608559692538361571095921575989136588898,
                  partition_key: str = "pk", stream_arn: str | None = None) -> dict[str, Any]:
    """A Kinesis batch: one record per payload (dicts JSON-encoded), consecutive sequence numbers."""
    template = load_event("kinesis")["Records"][0]
    arrival = template["kinesis"]["approximateArrivalTimestamp"]
    batch = [kinesis.Record(sequence_number=str(start_seq + offset), partition_key=partition_key, data=_raw(payload),
                            arrival=datetime.fromtimestamp(arrival + offset, tz=timezone.utc))
             for offset, payload in enumerate(records)]
    return kinesis.event(batch, shard_id=shard_id, stream_arn=stream_arn or template["eventSourceARN"],
                         role_arn=template["invokeIdentityArn"])


def sqs_event(bodies: list[str | dict[str, Any]], *, queue_arn: str | None = None) -> dict[str, Any]:
    """An SQS batch: one message per body (dicts JSON-encoded), message ids msg-0, msg-1, ..."""
    template = load_event("sqs")["Records"][0]
    messages = [{"MessageId": f"msg-{index}", "ReceiptHandle": template["receiptHandle"],
                 "Body": json.dumps(body) if isinstance(body, dict) else body, "Attributes": template["attributes"]}
                for index, body in enumerate(bodies)]
    return sqs.event(messages, queue_arn=queue_arn or template["eventSourceARN"])


def s3_notification(bucket: str, key: str, *, size: int = 1024, version_id: str | None = None,
                    event_name: str = "ObjectCreated:Put") -> dict[str, Any]:
    """An S3 event notification body (as S3 sends it to SQS: the key URL-encoded)."""
    recorded = json.loads(load_event("sqs_s3_notification")["Records"][0]["body"])["Records"][0]
    return s3.notification(bucket, key, size=size, version_id=version_id, event_name=event_name,
                           region=recorded["awsRegion"], configuration_id=recorded["s3"]["configurationId"],
                           time=datetime.fromisoformat(recorded["eventTime"].replace("Z", "+00:00")))


# What S3 sends once when a notification configuration is created; handlers must ignore it.
S3_TEST_EVENT = s3.test_event("slipway-data")


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
