"""CSV predictions, pure: an S3 notification names a CSV; the CSV becomes two CSV bodies.

``batch/<path>.csv`` (header row = column names) yields ``<predictions prefix><path>.csv`` with
``row`` (0-based data row, header and blank lines not counted), ``id`` when the input has one, and
the task's prediction fields; and ``<path>.rejects.csv`` with ``row``, ``id``, ``field`` and
``reason`` for every bad cell. Columns must be the model's features plus an optional ``id``: a
missing or unknown column makes the whole file an error (``<path>.error.json``), as do a file
that is not UTF-8 CSV, has no header, or is over the size limit. Those are permanent; the
handler decides what is transient.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus

import orjson

from .csvcells import TextEncoder
from .errors import ServingError
from .store import LoadedModel
from .tasks import Outputs

ID_COLUMN = "id"


class CsvInputError(ServingError):
    """The input object can never be scored as it is; written to ``.error.json``, never retried."""

    status = 400
    code = "InvalidBatchInput"  # in the error documents users read: the name of the batch/ inbox


class InvalidMessage(ServingError):
    """An SQS message that is not an S3 event notification."""

    code = "InvalidMessage"


@dataclass(frozen=True)
class ObjectRef:
    bucket: str
    key: str
    version_id: str | None = None
    size: int | None = None

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket}/{self.key}"


@dataclass(frozen=True)
class OutputKeys:
    predictions: str
    rejects: str
    error: str


@dataclass(frozen=True)
class ScoredCsv:
    predictions: bytes
    rejects: bytes
    rows: int
    scored: int
    rejected: int


def objects_from_message(body: str) -> list[ObjectRef]:
    """The created objects an SQS message body (an S3 event notification) names; [] for a test event."""
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise InvalidMessage(f"message body is not JSON: {exc}") from None
    if not isinstance(document, dict):
        raise InvalidMessage("message body is not an S3 event notification")
    if document.get("Event") == "s3:TestEvent":
        return []
    records = document.get("Records")
    if not isinstance(records, list):
        raise InvalidMessage("message body is not an S3 event notification (no 'Records')")
    refs = []
    for record in records:
        try:
            if record.get("eventSource") != "aws:s3" or not str(record.get("eventName", "")).startswith("ObjectCreated:"):
                continue
            bucket, obj = record["s3"]["bucket"]["name"], record["s3"]["object"]
            refs.append(ObjectRef(bucket=bucket, key=unquote_plus(obj["key"]), version_id=obj.get("versionId"),
                                  size=obj.get("size")))
        except (AttributeError, KeyError, TypeError):
            raise InvalidMessage("an S3 event record lacks s3.bucket.name or s3.object.key") from None
    return refs


def output_keys(key: str, *, batch_prefix: str, predictions_prefix: str) -> OutputKeys | None:
    """Where the outputs of ``key`` go; None for a key that is not ``<batch prefix>*.csv``."""
    if not key.startswith(batch_prefix) or not key.lower().endswith(".csv") or len(key) <= len(batch_prefix) + 4:
        return None
    stem = predictions_prefix + key[len(batch_prefix):-4]
    return OutputKeys(predictions=f"{stem}.csv", rejects=f"{stem}.rejects.csv", error=f"{stem}.error.json")


def _records(data: bytes) -> Iterator[list[str]]:
    """The CSV's records, decoded as they are read (a whole decoded copy would cost 4x the file)."""
    if b"\x00" in data:
        raise CsvInputError("the file holds NUL bytes, so it is binary, not CSV text", reason="NotCSV")
    text = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline="")
    try:
        for record in csv.reader(text, strict=True):
            if record:  # blank lines are skipped
                yield record
    except UnicodeDecodeError as exc:
        raise CsvInputError(f"the file is not UTF-8 text ({exc.reason}); batch input must be a CSV file",
                              reason="NotCSV") from None
    except csv.Error as exc:
        raise CsvInputError(f"the file is not a readable CSV file: {exc}", reason="NotCSV") from None


class _Utf8Sink:
    """A text stream that encodes as it is written, so a CSV is held once, as UTF-8 bytes."""

    def __init__(self) -> None:
        self._buffer = io.BytesIO()
        self._text = io.TextIOWrapper(self._buffer, encoding="utf-8", newline="", write_through=True)
        self.write = self._text.write

    def getvalue(self) -> bytes:
        self._text.flush()
        return self._buffer.getvalue()


def _header(records: Iterator[list[str]], manifest_features: tuple[str, ...]) -> tuple[list[int], int | None, int]:
    """(position of each feature, position of id or None, width) from the header row."""
    header = next(records, None)
    if header is None:
        raise CsvInputError("the file is empty; the first row must name the columns", reason="NoHeader")
    names = [name.strip() for name in header]
    duplicated = sorted({name for name in names if names.count(name) > 1})
    if duplicated:
        raise CsvInputError(f"the header names {duplicated} more than once", reason="InvalidHeader")
    allowed = set(manifest_features) | {ID_COLUMN}
    unknown = [name for name in names if name not in allowed]
    missing = [name for name in manifest_features if name not in names]
    if missing:
        raise CsvInputError(f"the header lacks the model's features {missing} (the first row must name "
                              "the columns)", reason="MissingColumns")
    if unknown:
        raise CsvInputError(f"the header has columns that are not features of this model: {unknown}; "
                              f"only the features and an optional {ID_COLUMN!r} column are accepted",
                              reason="UnknownColumns")
    id_position = names.index(ID_COLUMN) if ID_COLUMN in names and ID_COLUMN not in manifest_features else None
    return [names.index(name) for name in manifest_features], id_position, len(names)


def score_csv(data: bytes, model: LoadedModel, *, chunk_rows: int) -> ScoredCsv:
    """Score a whole CSV, ``chunk_rows`` rows per ONNX call; raises CsvInputError for a bad file."""
    predictor = model.predictor
    records = _records(data)
    positions, id_position, width = _header(records, model.manifest.feature_names)
    encoder, head = TextEncoder(model.manifest), predictor.head
    prefix = ["row"] + ([ID_COLUMN] if id_position is not None else [])
    predictions, rejects = _Utf8Sink(), _Utf8Sink()
    out, bad = csv.writer(predictions, lineterminator="\n"), csv.writer(rejects, lineterminator="\n")
    bad.writerow([*prefix, "field", "reason"])
    header_written = False
    total = scored = 0
    rejected: set[int] = set()
    for chunk in _chunked(records, chunk_rows):
        first, total = total, total + len(chunk)

        def ident(i: int) -> list[Any]:
            return [first + i] if id_position is None else [first + i, chunk[i][id_position]]

        shaped = [i for i, r in enumerate(chunk) if len(r) == width]
        problems = [([first + i, *([""] if id_position is not None else []), "",
                      f"the row has {len(r)} values; the header has {width} columns"])
                    for i, r in enumerate(chunk) if len(r) != width]
        matrix, good, errors = encoder.convert([[chunk[i][p] for i in shaped] for p in positions])
        problems += [[*ident(shaped[e.row]), e.field, e.reason] for e in errors]
        problems.sort(key=lambda line: line[0])  # stable: a row's cells stay in feature order
        bad.writerows(problems)
        rejected.update(line[0] for line in problems)
        outputs = predictor.run(matrix)
        if not outputs.n:
            continue
        fields, rows = head.table(outputs)
        if not header_written:
            out.writerow([*prefix, *fields])
            header_written = True
        out.writerows([*ident(shaped[local]), *values] for local, values in zip(good.tolist(), rows))
        scored += len(rows)
    if not header_written:  # nothing was scored: the header alone
        out.writerow([*prefix, *head.table(Outputs(0, {}))[0]])
    return ScoredCsv(predictions=predictions.getvalue(), rejects=rejects.getvalue(),
                       rows=total, scored=scored, rejected=len(rejected))


def _chunked(records: Iterator[list[str]], size: int) -> Iterator[list[list[str]]]:
    chunk: list[list[str]] = []
    for record in records:
        chunk.append(record)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def error_document(ref: ObjectRef, error: ServingError, model_version: str | None) -> bytes:
    body: dict[str, Any] = {**error.to_body(), "input": {"bucket": ref.bucket, "key": ref.key,
                                                         "version_id": ref.version_id},
                            "model_version": model_version}
    return orjson.dumps(body, option=orjson.OPT_INDENT_2)
