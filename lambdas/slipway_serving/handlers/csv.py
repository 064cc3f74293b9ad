"""CSV predictions: SQS (S3 ObjectCreated notifications for batch/*.csv) -> predictions CSVs.

Each SQS message names CSV objects in the data bucket. For each, the rejects then the predictions
are written to the results bucket, one put each, keyed by the input key (a retry overwrites; the
predictions file appearing means the object is done). A permanent problem with the input (gone,
too large, not CSV, wrong columns) writes ``<path>.error.json`` and is not retried; a transient
one (S3 errors, no model) fails the message, which Powertools' batch processor reports in
``batchItemFailures``. A message that is not an S3 notification is logged and dropped.
"""
from __future__ import annotations

import functools
import logging
import os
import time
from dataclasses import dataclass
from typing import Any

from ..csvfiles import (CsvInputError, InvalidMessage, ObjectRef, error_document, objects_from_message,
                        output_keys, score_csv)
from ..s3 import GONE
from ..store import LoadedModel
from .runtime import BatchResponse, HandlerRuntime

log = logging.getLogger(__name__)


@dataclass
class _Tally:
    rows: int = 0
    rejects: int = 0
    errors: int = 0
    model: LoadedModel | None = None


class CsvRuntime(HandlerRuntime):
    service = "slipway-batch"  # the metrics' service dimension, as deployed
    scorer = True

    def _handle(self, event: dict[str, Any], context: Any) -> BatchResponse:
        from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

        started, tally = time.perf_counter(), _Tally()
        # Every message is an SQS record: its failure is retried alone, even when all fail.
        processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
        response = process_partial_response(event, lambda record: self._message(record, tally), processor, context)
        self.telemetry.record(model_version=tally.model.version if tally.model else None, rows=tally.rows,
                              latency_ms=(time.perf_counter() - started) * 1000, rejects=tally.rejects,
                              errors=tally.errors)
        return response  # type: ignore[return-value]

    def _message(self, record: Any, tally: _Tally) -> None:
        try:
            refs = objects_from_message(record.body)
        except InvalidMessage as exc:
            log.error("dropping SQS message %s: %s", record.message_id, exc.message, extra={"body": record.body[:1000]})
            tally.errors += 1
            return
        try:
            for ref in refs:
                self._score(ref, tally)
        except Exception:
            log.exception("CSV message %s failed; SQS will deliver it again", record.message_id)
            tally.errors += 1
            raise

    def _score(self, ref: ObjectRef, tally: _Tally) -> None:
        config, bucket = self.config, self.config.results_bucket
        keys = output_keys(ref.key, batch_prefix=config.batch_prefix, predictions_prefix=config.predictions_prefix)
        if keys is None:
            log.warning("ignoring %s: not a %s*.csv key", ref.uri, config.batch_prefix)
            return
        model = None
        try:
            data = self._read(ref)
            model = tally.model = self.store.current()  # ModelUnavailable: transient, raised
            output = score_csv(data, model, chunk_rows=config.limits.csv_chunk_rows)
        except CsvInputError as exc:
            log.warning("CSV input %s refused: %s", ref.uri, exc.message, extra={"error_key": keys.error})
            self.s3.put(bucket, keys.error, error_document(ref, exc, model.version if model else None),
                        "application/json")
            self.s3.delete(bucket, keys.predictions, keys.rejects)  # outputs of an earlier run it contradicts
            tally.errors += 1
            return
        self.s3.put(bucket, keys.rejects, output.rejects, "text/csv")
        self.s3.put(bucket, keys.predictions, output.predictions, "text/csv")
        self.s3.delete(bucket, keys.error)
        tally.rows += output.scored
        tally.rejects += output.rejected
        log.info("CSV %s: scored %d, rejected %d of %d rows", ref.uri, output.scored, output.rejected,
                 output.rows, extra={"model_version": model.version, "predictions_key": keys.predictions})

    def _read(self, ref: ObjectRef) -> bytes:
        limit = self.config.limits.max_csv_bytes
        if ref.size is not None and ref.size > limit:
            raise CsvInputError(f"the file is {ref.size} bytes; batch input is limited to {limit} bytes",
                                reason="TooLarge")
        try:
            response = self.s3.get(ref.bucket, ref.key, ref.version_id)
        except Exception as exc:  # botocore ClientError: gone is permanent, anything else transient
            code = str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))
            if code in GONE:
                raise CsvInputError(f"{ref.uri} no longer exists ({code})", reason="ObjectGone") from None
            raise
        if response.get("ContentLength", 0) > limit:
            raise CsvInputError(f"the file is {response['ContentLength']} bytes; batch input is limited to "
                                f"{limit} bytes", reason="TooLarge")
        return response["Body"].read()  # type: ignore[no-any-return]


@functools.cache
def runtime() -> CsvRuntime:
    return CsvRuntime.from_env(os.environ)

def handler(event: dict[str, Any], context: Any) -> BatchResponse:
    return runtime().handle(event, context)
