"""Amazon SQS as a Lambda event source: the event built from ReceiveMessage results.

Source: "Using Lambda with Amazon SQS" (the event, message attributes)
https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html
"""
from __future__ import annotations

import base64
import hashlib
from typing import Any

from slipway.local.arns import Arn
from slipway.local.sources.filters import as_json

# The system attributes Lambda passes on (the FIFO ones only exist on FIFO queues).
DELIVERED_ATTRIBUTES = ("ApproximateReceiveCount", "SentTimestamp", "SenderId", "ApproximateFirstReceiveTimestamp",
                        "AWSTraceHeader", "SequenceNumber", "MessageGroupId", "MessageDeduplicationId")


def message_attribute(attribute: dict[str, Any]) -> dict[str, Any]:
    """One message attribute as Lambda delivers it: camel-cased, the list fields present and empty,
    the value under stringValue or (base64) binaryValue only."""
    delivered: dict[str, Any] = {}
    if attribute.get("StringValue") is not None:
        delivered["stringValue"] = attribute["StringValue"]
    if attribute.get("BinaryValue") is not None:
        value = attribute["BinaryValue"]
        delivered["binaryValue"] = base64.b64encode(value).decode() if isinstance(value, bytes) else value
    delivered.update(stringListValues=[], binaryListValues=[], dataType=attribute["DataType"])
    return delivered


def record(message: dict[str, Any], *, queue_arn: str) -> dict[str, Any]:
    attributes = message.get("Attributes") or {}
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": {k: attributes[k] for k in DELIVERED_ATTRIBUTES if k in attributes},
        "messageAttributes": {k: message_attribute(v) for k, v in (message.get("MessageAttributes") or {}).items()},
        "md5OfBody": message.get("MD5OfBody") or hashlib.md5(message["Body"].encode()).hexdigest(),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": Arn.parse(queue_arn).region,
    }


def event(messages: list[dict[str, Any]], *, queue_arn: str) -> dict[str, Any]:
    return {"Records": [record(m, queue_arn=queue_arn) for m in messages]}


def filterable(message: dict[str, Any], *, queue_arn: str) -> dict[str, Any]:
    """What FilterCriteria patterns see: the record, its body parsed when it is JSON."""
    delivered = record(message, queue_arn=queue_arn)
    return {**delivered, "body": as_json(message["Body"])}


def size(message: dict[str, Any]) -> int:
    """The message's bytes in the invocation payload (body, attributes, metadata)."""
    attributes = sum(len(k) + len(str(v.get("StringValue") or v.get("BinaryValue") or "")) + 64
                     for k, v in (message.get("MessageAttributes") or {}).items())
    return len(message["Body"].encode()) + len(message.get("ReceiptHandle", "")) + attributes + 500
