"""Pure scoring of one Kinesis batch: decode, validate, predict in one call, lay out the output.

A record that can never succeed (bad base64, not JSON, wrong shape, wrong features) becomes a
reject line carrying its original data; it is data, not a failure. Keys are deterministic per
batch (``<prefix><shard>/<first seq>.jsonl``) so a retried batch overwrites its output.
"""
from __future__ import annotations

import binascii
import gc
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import orjson

from .store import LoadedModel

_RECORD_KEYS = frozenset({"id", "features"})


class KinesisRecord(NamedTuple):  # a tuple: 10,000 of them per batch are built cheaply
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
    append, new = records.append, tuple.__new__  # the NamedTuple's own __new__ is a Python call: 25 % slower
    for raw in event.get("Records") or []:
        kinesis, event_id = raw["kinesis"], raw["eventID"]
        append(new(KinesisRecord, (event_id[:event_id.rindex(":")], kinesis["sequenceNumber"],
                                   kinesis.get("partitionKey", ""), kinesis["data"])))
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
    if type(document) is not dict or "features" not in document:
        return _Reject("InvalidRecord", 'record must be a JSON object {"id": ..., "features": row}')
    if len(document) > 1 and (len(document) > 2 or "id" not in document):
        unknown = sorted(set(document) - _RECORD_KEYS)
        return _Reject("InvalidRecord", f"unknown field {unknown[0]!r} in record")
    record_id = document.get("id")
    if record_id is not None and not isinstance(record_id, str):
        return _Reject("InvalidRecord", "record 'id' must be a string")
    return record_id, document["features"]


def _well_formed(records: list[KinesisRecord], start: int, end: int
                 ) -> tuple[list[tuple[int, str | None]], list[Any]] | None:
    """(index, id) and features of records[start:end] when every one is a well-formed record with
    an ``id`` string, or every one without ``id``: the common case, checked with one comprehension
    per step (10,000 records make each Python-level step per record count). None otherwise."""
    a2b, loads = binascii.a2b_base64, orjson.loads
    try:
        documents = [loads(a2b(r.data, strict_mode=True)) for r in records[start:end]]
    except ValueError:  # binascii.Error and JSONDecodeError: some record is a reject
        return None
    if set(map(type, documents)) != {dict}:
        return None
    try:
        rows = [document["features"] for document in documents]
    except KeyError:
        return None
    ids = [document.get("id") for document in documents]
    sizes, id_types = set(map(len, documents)), set(map(type, ids))
    if not (sizes == {2} and id_types == {str} or sizes == {1}):  # {"id": str, "features"} or {"features"}
        return None
    return list(zip(range(start, end), ids)), rows


def _one_by_one(records: list[KinesisRecord], start: int, end: int, rejects: dict[int, _Reject]
                ) -> tuple[list[tuple[int, str | None]], list[Any]]:
    """Each record of records[start:end] decoded on its own: rejects noted, the rest returned."""
    candidates: list[tuple[int, str | None]] = []
    rows: list[Any] = []
    for i in range(start, end):
        decoded = _decode(records[i])
        if isinstance(decoded, _Reject):
            rejects[i] = decoded
        else:
            candidates.append((i, decoded[0]))
            rows.append(decoded[1])
    return candidates, rows


def _key(prefix: str, shard_id: str, first_sequence: str) -> str:
    # Keyed by the first record alone: Lambda retries a batch from its checkpoint, so a retried,
    # bisected or partially re-read batch rewrites the same object instead of adding a second
    # copy of records already written (the last sequence number would differ between attempts).
    return f"{prefix}{shard_id}/{first_sequence}.jsonl"


@contextmanager
def _collection_deferred() -> Iterator[None]:
    """Parsing a batch allocates hundreds of thousands of acyclic objects, which sets off full
    garbage collections that walk the whole event again and again (a quarter of the time for rows
    as objects). Nothing here makes reference cycles; collection resumes afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def score_batch(records: list[KinesisRecord], model: LoadedModel, *, results_prefix: str,
                rejects_prefix: str, chunk: int = 2_000) -> BatchOutcome:
    """Decode and validate ``chunk`` records at a time (their parsed JSON is dropped as soon as it
    is a matrix, which bounds memory), then predict the whole batch in one call."""
    if not records:
        return BatchOutcome(results=(), rejects=(), scored=0, rejected=0)
    with _collection_deferred():
        return _score(records, model, results_prefix, rejects_prefix, chunk)


def _score(records: list[KinesisRecord], model: LoadedModel, results_prefix: str, rejects_prefix: str,
           chunk: int) -> BatchOutcome:
    rejects: dict[int, _Reject] = {}
    scored: list[tuple[int, str | None]] = []  # (record index, id) of each matrix row
    matrices = []
    for start in range(0, len(records), chunk):
        end = min(start + chunk, len(records))
        decoded = _well_formed(records, start, end)
        if decoded is not None:
            candidates, rows = decoded
        else:
            candidates, rows = _one_by_one(records, start, end, rejects)
        conversion = model.predictor.convert(rows)
        del rows
        for error in conversion.errors:
            rejects[candidates[error.row][0]] = _Reject("InvalidFeatures", error.reason)
        scored.extend(candidates[row] for row in conversion.valid)
        matrices.append(conversion.matrix)
    matrix = matrices[0] if len(matrices) == 1 else np.concatenate(matrices)
    outputs = model.predictor.run(matrix)  # the whole batch in one call

    # Written ``chunk`` lines at a time, so only that many result objects are alive at once
    results: dict[str, list[bytes]] = {}
    counts: dict[str, int] = {}
    name, version, head = model.manifest.model_name, model.version, model.predictor.head
    for start in range(0, len(scored), chunk):
        lines: dict[str, list[dict[str, Any]]] = {}
        for (index, record_id), prediction in zip(scored[start:start + chunk],
                                                  head.records(outputs.rows(start, start + chunk))):
            record = records[index]
            lines.setdefault(record.shard_id, []).append({
                "id": record_id, "shard_id": record.shard_id, "sequence_number": record.sequence_number,
                **prediction, "model_name": name, "model_version": version})
        for shard, items in lines.items():
            results.setdefault(shard, []).append(ndjson(items))
            counts[shard] = counts.get(shard, 0) + len(items)
    reject_lines: dict[str, list[dict[str, Any]]] = {}
    for index in sorted(rejects):
        record, reject = records[index], rejects[index]
        reject_lines.setdefault(record.shard_id, []).append({
            "shard_id": record.shard_id, "sequence_number": record.sequence_number,
            "partition_key": record.partition_key, "code": reject.code, "reason": reject.reason,
            "data_base64": record.data})
    by_shard: dict[str, list[str]] = {}
    for record in records:
        by_shard.setdefault(record.shard_id, []).append(record.sequence_number)
    first = {shard: min(sequences, key=int) for shard, sequences in by_shard.items()}
    return BatchOutcome(
        results=_objects(results_prefix, results, counts, first),
        rejects=_objects(rejects_prefix, {shard: [ndjson(items)] for shard, items in reject_lines.items()},
                         {shard: len(items) for shard, items in reject_lines.items()}, first),
        scored=len(scored), rejected=len(rejects))


def ndjson(items: list[dict[str, Any]]) -> bytes:
    """One JSON line per item, from a single orjson call.

    orjson pays a fixed cost per call (~4-8 µs here, more than serialising a result line), so
    10,000 calls cost several times one call on the list. The list's JSON is ``[a,b,...]`` with
    items joined by ``,``; each item is an object whose first key is the same, so every boundary
    reads ``},{"<key>":``, a sequence that cannot occur inside a JSON string (its quote would be
    escaped). Where items do not all start with that key, or a value holds objects that do, the
    line count shows it and each item gets its own call.
    """
    if not items:
        return b""
    first = next(iter(items[0]))
    boundary = b'},{"' + first.encode() + b'":'
    body = orjson.dumps(items)[1:-1].replace(boundary, b'}\n{"' + first.encode() + b'":') + b"\n"
    # With every item starting with the same key, each boundary was replaced; a count above the
    # items' means a value held such objects too (orjson escapes newlines inside strings).
    if body.count(b"\n") != len(items) or any(next(iter(item)) != first for item in items):
        return b"".join(orjson.dumps(item) + b"\n" for item in items)
    return body


def _objects(prefix: str, bodies: dict[str, list[bytes]], counts: dict[str, int], first: dict[str, str]
             ) -> tuple[OutputObject, ...]:
    """One object per shard of the batch, empty ones included: a retry after a crash that
    followed a write must replace what that attempt wrote, even when it now has nothing to say."""
    return tuple(OutputObject(key=_key(prefix, shard, first[shard]), body=b"".join(bodies.get(shard, ())),
                              lines=counts.get(shard, 0)) for shard in sorted(first))
