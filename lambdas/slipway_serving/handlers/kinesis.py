"""Kinesis batch -> score -> results and rejects in S3, with ReportBatchItemFailures.

A poison record is a reject (written with its payload), never a failure. When the model cannot
be loaded or S3 cannot be written, every record of the batch is reported as a failure so Lambda
retries it: no record is lost. Output keys are deterministic, so a retry overwrites.
"""
from __future__ import annotations

import functools
import logging
import os
from dataclasses import dataclass
from typing import Any, TypedDict

from ..clients import s3_client
from ..config import ServingConfig
from ..store import ModelStore
from ..stream import KinesisRecord, records_from_event, score_batch

log = logging.getLogger(__name__)


class ItemFailure(TypedDict):
    itemIdentifier: str


class BatchResponse(TypedDict):
    batchItemFailures: list[ItemFailure]


@dataclass(frozen=True)
class KinesisRuntime:
    config: ServingConfig
    store: ModelStore


@functools.cache
def runtime() -> KinesisRuntime:
    config = ServingConfig.from_env(os.environ, scorer=True)
    return KinesisRuntime(config=config, store=ModelStore.from_config(config, s3=s3_client))


def _retry_all(records: list[KinesisRecord]) -> BatchResponse:
    return {"batchItemFailures": [{"itemIdentifier": r.sequence_number} for r in records]}


def handler(event: dict[str, Any], context: Any) -> BatchResponse:
    records = records_from_event(event)
    if not records:
        return {"batchItemFailures": []}
    config, store = runtime().config, runtime().store
    try:
        outcome = score_batch(records, store.current(), results_prefix=config.results_prefix,
                              rejects_prefix=config.rejects_prefix)
    except Exception:
        log.exception("could not score a batch of %d records; all will be retried", len(records))
        return _retry_all(records)
    try:
        for obj in outcome.objects:
            s3_client().put_object(Bucket=config.results_bucket, Key=obj.key, Body=obj.body,
                                   ContentType="application/x-ndjson")
    except Exception:
        log.exception("could not write the output of %d records; all will be retried", len(records))
        return _retry_all(records)
    log.info("scored %d, rejected %d of %d records", outcome.scored, outcome.rejected, len(records))
    return {"batchItemFailures": []}
