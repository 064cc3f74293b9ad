"""Pure scoring of one Kinesis batch: decode, validate, predict in one call, lay out the output.

A record that can never succeed (bad base64, not JSON, wrong shape, wrong features) becomes a
reject line carrying its original data; it is data, not a failure. Keys are deterministic per
batch (``<prefix><shard>/<first seq>-<last seq>.jsonl``) so a retried batch overwrites its output.
"""
from __future__ import annotations

import binascii
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from .store import LoadedModel

_RECORD_KEYS = frozenset({"id", "features"})


@dataclass(frozen=True)
class KinesisRecord:
    shard_id: str
    sequence_number: str
    partition_key: str
    data: str  # base64, exactly as received


@dataclass(frozen=True)
class OutputObject:
    key: str
    body: bytes
    lines: int


@dataclass(frozen=True)
class BatchOutcome:
    results: tuple[OutputObject, ...]
    rejects: tuple[OutputObject, ...]
    scored: int
    rejected: int

    @property
    def objects(self) -> tuple[OutputObject, ...]:
        return self.results + self.rejects


@dataclass(frozen=True)
class _Reject:
    code: str
    reason: str


def records_from_event(event: Mapping[str, Any]) -> list[KinesisRecord]:
    """The batch's records from a Lambda Kinesis event (eventID is ``<shard id>:<sequence>``)."""
    records = []
    for raw in event.get("Records") or []:
        kinesis = raw["kinesis"]
        shard_id = raw["eventID"].rsplit(":", 1)[0]
        records.append(KinesisRecord(shard_id=shard_id, sequence_number=kinesis["sequenceNumber"],
                                     partition_key=kinesis.get("partitionKey", ""), data=kinesis["data"]))
    return records


def _decode(record: KinesisRecord) -> tuple[str | None, Any] | _Reject:
    """(id, features) of a well-formed record, or why it is rejected."""
    try:
        payload = binascii.a2b_base64(record.data, strict_mode=True)
    except (binascii.Error, ValueError) as exc:
        return _Reject("InvalidEncoding", f"record data is not base64: {exc}")
    try:
        document = orjson.loads(payload)
    except orjson.JSONDecodeError as exc:
        return _Reject("InvalidJSON", f"record data is not valid JSON: {exc}")
    if not isinstance(document, dict) or "features" not in document:
        return _Reject("InvalidRecord", 'record must be a JSON object {"id": ..., "features": row}')
    unknown = sorted(set(document) - _RECORD_KEYS)
    if unknown:
        return _Reject("InvalidRecord", f"unknown field {unknown[0]!r} in record")
    record_id = document.get("id")
    if record_id is not None and not isinstance(record_id, str):
        return _Reject("InvalidRecord", "record 'id' must be a string")
    return record_id, document["features"]


def _key(prefix: str, shard_id: str, records: list[KinesisRecord]) -> str:
    sequences = sorted((r.sequence_number for r in records), key=int)
    return f"{prefix}{shard_id}/{sequences[0]}-{sequences[-1]}.jsonl"


def score_batch(records: list[KinesisRecord], model: LoadedModel, *, results_prefix: str,
                rejects_prefix: str) -> BatchOutcome:
    rejects: dict[int, _Reject] = {}
    candidates: list[tuple[int, str | None]] = []
    rows: list[Any] = []
    for i, record in enumerate(records):
        decoded = _decode(record)
        if isinstance(decoded, _Reject):
            rejects[i] = decoded
        else:
            candidates.append((i, decoded[0]))
            rows.append(decoded[1])
    conversion = model.predictor.convert(rows)
    for error in conversion.errors:
        index = candidates[error.row][0]
        rejects[index] = _Reject("InvalidFeatures", error.reason)
    predictions = model.predictor.predict(conversion.matrix)

    results: dict[str, list[bytes]] = {}
    name, version = model.manifest.model_name, model.version
    for row, prediction in zip(conversion.valid, predictions):
        index, record_id = candidates[row]
        record = records[index]
        results.setdefault(record.shard_id, []).append(orjson.dumps({
            "id": record_id, "shard_id": record.shard_id, "sequence_number": record.sequence_number,
            **prediction, "model_name": name, "model_version": version}))
    reject_lines: dict[str, list[bytes]] = {}
    for index in sorted(rejects):
        record, reject = records[index], rejects[index]
        reject_lines.setdefault(record.shard_id, []).append(orjson.dumps({
            "shard_id": record.shard_id, "sequence_number": record.sequence_number,
            "partition_key": record.partition_key, "code": reject.code, "reason": reject.reason,
            "data_base64": record.data}))
    by_shard: dict[str, list[KinesisRecord]] = {}
    for record in records:
        by_shard.setdefault(record.shard_id, []).append(record)
    return BatchOutcome(results=_objects(results_prefix, results, by_shard),
                        rejects=_objects(rejects_prefix, reject_lines, by_shard),
                        scored=len(predictions), rejected=len(rejects))


def _objects(prefix: str, lines: dict[str, list[bytes]], by_shard: dict[str, list[KinesisRecord]]
             ) -> tuple[OutputObject, ...]:
    return tuple(OutputObject(key=_key(prefix, shard, by_shard[shard]), body=b"\n".join(body) + b"\n",
                              lines=len(body)) for shard, body in sorted(lines.items()))
