"""CSV predictions, pure: S3 notifications, output keys, and CSV in -> predictions and rejects CSV out."""
from __future__ import annotations

import csv
import io
import json

import numpy as np
import orjson
import pytest

from slipway_serving.csvfiles import CsvInputError, InvalidMessage, objects_from_message, output_keys, score_csv
from slipway_serving.manifest import parse_manifest, parse_pointer
from slipway_serving.predictor import Predictor
from slipway_serving.store import LoadedModel
from tests.events import S3_TEST_EVENT, load_event, s3_notification

from .artifacts import BuiltModel


def _loaded(model: BuiltModel) -> LoadedModel:
    manifest = parse_manifest((model.directory / "manifest.json").read_bytes())
    return LoadedModel(pointer=parse_pointer(orjson.dumps(model.pointer("v5"))),
                       predictor=Predictor(manifest, model.directory / "model.onnx"))


def _csv(rows: list[list[object]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode()


def _read(body: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body.decode())))


def test_the_recorded_notification_names_the_object_with_its_key_decoded() -> None:
    [ref] = objects_from_message(load_event("sqs_s3_notification")["Records"][0]["body"])

    assert (ref.bucket, ref.key) == ("slipway-data", "batch/2026/scoring run 1.csv")
    assert (ref.version_id, ref.size) == ("096fKKXTRTtl3on89fVO.nfljtsv6qko", 1024)


def test_test_events_and_other_event_types_name_nothing() -> None:
    removed = s3_notification("b", "batch/x.csv", event_name="ObjectRemoved:Delete")

    assert objects_from_message(json.dumps(S3_TEST_EVENT)) == []
    assert objects_from_message(json.dumps(removed)) == []


@pytest.mark.parametrize(("body", "says"), [
    ("not json", "message body is not JSON"),
    ("[1, 2]", "message body is not an S3 event notification"),
    ('{"hello": 1}', "no 'Records'"),
    ('{"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Put", "s3": {}}]}',
     "lacks s3.bucket.name or s3.object.key"),
])
def test_a_message_that_is_not_a_notification_is_refused(body: str, says: str) -> None:
    with pytest.raises(InvalidMessage, match=says):
        objects_from_message(body)


@pytest.mark.parametrize(("key", "expected"), [
    ("batch/a.csv", ("predictions/a.csv", "predictions/a.rejects.csv", "predictions/a.error.json")),
    ("batch/2026/11/run 1.CSV", ("predictions/2026/11/run 1.csv", "predictions/2026/11/run 1.rejects.csv",
                                 "predictions/2026/11/run 1.error.json")),
    ("batch/.csv", None), ("other/a.csv", None), ("batch/a.parquet", None),
])
def test_outputs_are_keyed_by_the_input_key(key: str, expected: tuple[str, str, str] | None) -> None:
    keys = output_keys(key, batch_prefix="batch/", predictions_prefix="predictions/")

    assert (keys and (keys.predictions, keys.rejects, keys.error)) == expected or (keys is None and expected is None)


def test_good_rows_are_predicted_and_bad_cells_rejected_with_row_and_field(mixed_model: BuiltModel) -> None:
    rows = mixed_model.rows(6)
    table = [["id", "colour", "size", "weight"]]
    for i, row in enumerate(rows):
        table.append([f"r{i}", row["colour"] or "", row["size"], "" if row["weight"] is None else row["weight"]])
    table[2][1] = "purple"  # row 1: an unseen category
    table[4][2] = "big"  # row 3: not a number
    table[5] = table[5][:3]  # row 4: a cell short

    output = score_csv(_csv(table), _loaded(mixed_model), chunk_rows=2)

    predictions, rejects = _read(output.predictions), _read(output.rejects)
    assert (output.rows, output.scored, output.rejected) == (6, 3, 3)
    assert [(p["row"], p["id"]) for p in predictions] == [("0", "r0"), ("2", "r2"), ("5", "r5")]
    assert list(predictions[0]) == ["row", "id", "label", "probability_small", "probability_large"]
    got = np.array([[float(p["probability_small"]), float(p["probability_large"])] for p in predictions])
    np.testing.assert_allclose(got, mixed_model.expected[[0, 2, 5]], atol=1e-5)
    assert rejects == [
        {"row": "1", "id": "r1", "field": "colour", "reason": "feature 'colour' must be one of the model's categories, got 'purple'"},
        {"row": "3", "id": "r3", "field": "size", "reason": "feature 'size' must be a number, got 'big'"},
        {"row": "4", "id": "", "field": "", "reason": "the row has 3 values; the header has 4 columns"},
    ]


def test_missing_values_follow_the_features_allow_missing(mixed_model: BuiltModel) -> None:
    table = [["size", "weight", "colour"], ["1", "", "NaN"], ["2", "null", ""], ["", "3", "red"], ["nan", "3", "red"]]

    output = score_csv(_csv(table), _loaded(mixed_model), chunk_rows=100)

    assert [p["row"] for p in _read(output.predictions)] == ["0", "1"]
    assert [(r["row"], r["reason"]) for r in _read(output.rejects)] == [
        ("2", "feature 'size' is missing, and this feature does not allow missing values"),
        ("3", "feature 'size' is missing, and this feature does not allow missing values")]


@pytest.mark.parametrize("task", ["regression", "clustering", "dimensionality_reduction", "anomaly_detection"])
def test_every_task_writes_its_columns(task: str, task_models: dict[str, BuiltModel]) -> None:
    model = task_models[task]
    names = model.feature_names
    table = [names] + [["" if r[n] is None else r[n] for n in names] for r in model.rows(4)]

    output = score_csv(_csv(table), _loaded(model), chunk_rows=3)

    predictions = _read(output.predictions)
    assert len(predictions) == 4 and output.rejected == 0
    assert list(predictions[0])[0] == "row"
    role, column = {"regression": ("value", "value"), "clustering": ("label", "cluster"),
                    "dimensionality_reduction": ("components", "component_0"),
                    "anomaly_detection": ("score", "score")}[task]
    expected = np.asarray(model.expected_outputs[role])[:4].reshape(4, -1)[:, 0]
    np.testing.assert_allclose([float(p[column]) for p in predictions], expected, atol=1e-4)


def test_a_bom_blank_lines_and_spaces_in_the_header_are_tolerated(binary_model: BuiltModel) -> None:
    names = binary_model.feature_names
    text = "\ufeff" + ",".join(f" {n} " for n in names) + "\n\n" + ",".join(map(str, binary_model.X[0].tolist())) + "\n\n"

    output = score_csv(text.encode(), _loaded(binary_model), chunk_rows=10)

    assert output.scored == 1 and _read(output.predictions)[0]["row"] == "0"


def test_a_header_only_file_gives_empty_outputs(binary_model: BuiltModel) -> None:
    output = score_csv(_csv([binary_model.feature_names]), _loaded(binary_model), chunk_rows=10)

    assert output.predictions == b"row,label,probability_0,probability_1\n"
    assert output.rejects == b"row,field,reason\n" and output.rows == 0


@pytest.mark.parametrize(("data", "reason", "says"), [
    (b"", "NoHeader", "the file is empty"),
    (b"\xff\xfegarbage", "NotCSV", "the file is not UTF-8 text (invalid start byte)"),
    (b"a,b\n1,\x002\n", "NotCSV", "the file holds NUL bytes, so it is binary, not CSV text"),
    (b'size,weight,colour\n"1,2,3\n', "NotCSV", "not a readable CSV file: unexpected end of data"),
    (b"size,weight,size\n", "InvalidHeader", "the header names ['size'] more than once"),
    (b"size,weight\n1,2\n", "MissingColumns", "the header lacks the model's features ['colour']"),
    (b"size,weight,colour,target\n", "UnknownColumns", "not features of this model: ['target']"),
])
def test_a_file_that_can_never_be_scored_is_refused_as_a_whole(data: bytes, reason: str, says: str,
                                                               mixed_model: BuiltModel) -> None:
    with pytest.raises(CsvInputError) as caught:
        score_csv(data, _loaded(mixed_model), chunk_rows=10)

    assert caught.value.details["reason"] == reason and says in caught.value.message
