"""Batch predictions: SQS (S3 ObjectCreated notifications for batch/*.csv) -> predictions CSVs.

Each SQS message names one or more CSV objects in the data bucket. For each, the predictions and
the rejects are written to the results bucket, each as a single put (rejects first, predictions
last: the predictions file appearing means the object is done); outputs are keyed by the input
key, so a retry overwrites. A permanent problem with the input (gone, too large, not CSV, wrong
columns) writes ``<path>.error.json`` and is not retried; a transient one (S3 errors, no model)
reports the message in ``batchItemFailures`` so SQS delivers it again. A message that is not an
S3 notification is logged and dropped: it can never succeed. ``s3:TestEvent`` is ignored.
"""
from __future__ import annotations

import functools
import logging
import time
from dataclasses import dataclass
from typing import Any

from ..batch import (BatchInputError, InvalidMessage, ObjectRef, error_document, message_ids,
                     objects_from_message, output_keys, score_csv)
from ..clients import s3_client
from ..store import LoadedModel
from .runtime import BatchResponse, HandlerRuntime, ItemFailure

log = logging.getLogger(__name__)
_GONE = frozenset({"NoSuchKey", "NoSuchVersion", "NoSuchBucket", "404", "InvalidObjectState"})


@dataclass
class _Tally:
    rows: int = 0
    rejects: int = 0
    errors: int = 0
    model: LoadedModel | None = None


class BatchRuntime(HandlerRuntime):
    def _handle(self, event: dict[str, Any], context: Any) -> BatchResponse:
        started, tally = time.perf_counter(), _Tally()
        failures: list[ItemFailure] = []
        for message_id, body in message_ids(event):
            try:
                refs = objects_from_message(body)
            except InvalidMessage as exc:
                log.error("dropping SQS message %s: %s", message_id, exc.message, extra={"body": body[:1000]})
                tally.errors += 1
                continue
            try:
                for ref in refs:
                    self._score(ref, tally)
            except Exception:
                log.exception("batch message %s failed; SQS will deliver it again", message_id)
                failures.append({"itemIdentifier": message_id})
                tally.errors += 1
        self.telemetry.record(model_version=tally.model.version if tally.model else None, rows=tally.rows,
                              latency_ms=(time.perf_counter() - started) * 1000, rejects=tally.rejects,
                              errors=tally.errors)
        return {"batchItemFailures": failures}

    def _score(self, ref: ObjectRef, tally: _Tally) -> None:
        config = self.config
        keys = output_keys(ref.key, batch_prefix=config.batch_prefix, predictions_prefix=config.predictions_prefix)
        if keys is None:
            log.warning("ignoring %s: not a %s*.csv key", ref.uri, config.batch_prefix)
            return
        model = None
        try:
            data = self._read(ref)
            model = tally.model = self.store.current()  # ModelUnavailable: transient, raised
            output = score_csv(data, model, chunk_rows=config.limits.batch_chunk_rows)
        except BatchInputError as exc:
            log.warning("batch input %s refused: %s", ref.uri, exc.message, extra={"error_key": keys.error})
            self._put(keys.error, error_document(ref, exc, model.version if model else None), "application/json")
            self._delete(keys.predictions, keys.rejects)
            tally.errors += 1
            return
        self._put(keys.rejects, output.rejects, "text/csv")
        self._put(keys.predictions, output.predictions, "text/csv")
        self._delete(keys.error)
        tally.rows += output.scored
        tally.rejects += output.rejected
        log.info("batch %s: scored %d, rejected %d of %d rows", ref.uri, output.scored, output.rejected,
                 output.rows, extra={"model_version": model.version, "predictions_key": keys.predictions})

    def _read(self, ref: ObjectRef) -> bytes:
        limit = self.config.limits.max_batch_bytes
        if ref.size is not None and ref.size > limit:
            raise BatchInputError(f"the file is {ref.size} bytes; batch input is limited to {limit} bytes",
                                  reason="TooLarge")
        extra = {"VersionId": ref.version_id} if ref.version_id else {}
        try:
            response = s3_client().get_object(Bucket=ref.bucket, Key=ref.key, **extra)
        except Exception as exc:  # botocore ClientError: gone is permanent, anything else transient
            code = str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))
            if code in _GONE:
                raise BatchInputError(f"{ref.uri} no longer exists ({code})", reason="ObjectGone") from None
            raise
        if response.get("ContentLength", 0) > limit:
            raise BatchInputError(f"the file is {response['ContentLength']} bytes; batch input is limited to "
                                  f"{limit} bytes", reason="TooLarge")
        return response["Body"].read()

    def _put(self, key: str, body: bytes, content_type: str) -> None:
        s3_client().put_object(Bucket=self.config.results_bucket, Key=key, Body=body, ContentType=content_type)

    def _delete(self, *keys: str) -> None:
        """Outputs of an earlier run of the same key that the new outcome contradicts."""
        for key in keys:
            s3_client().delete_object(Bucket=self.config.results_bucket, Key=key)


@functools.cache
def runtime() -> BatchRuntime:
    return BatchRuntime.from_env(service="slipway-batch", scorer=True)

def handler(event: dict[str, Any], context: Any) -> BatchResponse:
    return runtime().handle(event, context)
