"""Kinesis batch -> score -> results and rejects in S3, with ReportBatchItemFailures.

A poison record is a reject (written with its payload), never a failure. When the model cannot
be loaded or S3 cannot be written, every record of the batch is reported as a failure so Lambda
retries it: no record is lost. Output keys are deterministic, so a retry overwrites.
"""
from __future__ import annotations

import functools
import logging
import os
import time
from typing import Any

from ..stream import KinesisRecord, records_from_event, score_batch
from .runtime import BatchResponse, HandlerRuntime

log = logging.getLogger(__name__)


class KinesisRuntime(HandlerRuntime):
    service, scorer = "slipway-stream", True

    def _handle(self, event: dict[str, Any], context: Any) -> BatchResponse:
        started = time.perf_counter()
        records = records_from_event(event)
        if not records:
            self.telemetry.record(model_version=None, latency_ms=0.0, rows=0, rejects=0)
            return {"batchItemFailures": []}
        config = self.config
        try:
            model = self.store.current()
            outcome = score_batch(records, model, results_prefix=config.results_prefix,
                                  rejects_prefix=config.rejects_prefix)
        except Exception:
            log.exception("could not score a batch of %d records; all will be retried", len(records))
            return self._retry_all(records, started)
        try:
            for obj in outcome.objects:
                self.s3.put(config.results_bucket, obj.key, obj.body, "application/x-ndjson")
        except Exception:
            log.exception("could not write the output of %d records; all will be retried", len(records))
            return self._retry_all(records, started)
        self.telemetry.record(model_version=model.version, latency_ms=(time.perf_counter() - started) * 1000,
                              rows=outcome.scored, rejects=outcome.rejected)
        log.info("scored %d, rejected %d of %d records", outcome.scored, outcome.rejected, len(records),
                 extra={"model_version": model.version, "keys": [o.key for o in outcome.objects]})
        return {"batchItemFailures": []}

    def _retry_all(self, records: list[KinesisRecord], started: float) -> BatchResponse:
        loaded = self.store.loaded()
        self.telemetry.record(model_version=loaded.version if loaded else None, rows=0, rejects=0,
                              latency_ms=(time.perf_counter() - started) * 1000, errors=len(records))
        return {"batchItemFailures": [{"itemIdentifier": r.sequence_number} for r in records]}


@functools.cache
def runtime() -> KinesisRuntime:
    return KinesisRuntime.from_env(os.environ)

def handler(event: dict[str, Any], context: Any) -> BatchResponse:
    return runtime().handle(event, context)
