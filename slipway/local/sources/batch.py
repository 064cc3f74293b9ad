"""Partial batch responses (ReportBatchItemFailures), read once for every poller.

Source: "Handling errors for an SQS event source in Lambda" and "Configuring partial batch response
with Kinesis Data Streams and Lambda"
https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html
https://docs.aws.amazon.com/lambda/latest/dg/kinesis-batchfailurereporting.html
"""
from __future__ import annotations

from typing import Any, Sequence

from slipway.errors import SlipwayError


class BatchResponseError(SlipwayError):
    """A response Lambda treats as the failure of the whole batch."""


def reported_failures(payload: Any, identifiers: Sequence[str]) -> list[int]:
    """Positions (in batch order) of the items the response reports failed.

    An empty or null list, or an empty response, is complete success; an identifier that is null,
    empty, under another key or not in the batch fails the whole batch (BatchResponseError)."""
    if not isinstance(payload, dict):
        return []
    failures = payload.get("batchItemFailures")
    if not failures:
        return []
    if not isinstance(failures, list):
        raise BatchResponseError(f"batchItemFailures is a {type(failures).__name__}, not a list")
    positions = {identifier: index for index, identifier in enumerate(identifiers)}
    failed = set()
    for failure in failures:
        identifier = failure.get("itemIdentifier") if isinstance(failure, dict) else None
        if not identifier or identifier not in positions:
            raise BatchResponseError(f"batchItemFailures names {identifier!r}, which is not in the batch")
        failed.add(positions[identifier])
    return sorted(failed)
