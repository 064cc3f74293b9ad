"""Pure batch scoring (no AWS): decode, validate, vectorized predict, output layout."""
from __future__ import annotations

import base64

import numpy as np
import orjson
import pytest

from slipway_serving.manifest import parse_manifest
from slipway_serving.predictor import Predictor
from slipway_serving.store import LoadedModel
from slipway_serving.stream import ndjson, records_from_event, score_batch
from tests.events import kinesis_event, load_event

from .artifacts import BuiltModel

SEQ = 49590338271490256608559692538361571095921575989136588898


@pytest.fixture(scope="module")
def loaded(binary_model: BuiltModel) -> LoadedModel:
    manifest = parse_manifest((binary_model.directory / "manifest.json").read_bytes())
    return LoadedModel(pointer=_pointer(binary_model), predictor=Predictor(manifest, binary_model.directory / "model.onnx"))


def _pointer(model: BuiltModel):
    from slipway_serving.manifest import parse_pointer

    return parse_pointer(orjson.dumps(model.pointer("v7")))


def _lines(body: bytes) -> list[dict]:
    return [orjson.loads(line) for line in body.splitlines()]


def test_the_recorded_event_is_read_with_shard_and_sequence() -> None:
    [first, second] = records_from_event(load_event("kinesis"))

    assert first.shard_id == "shardId-000000000006"
    assert first.sequence_number == "49590338271490256608559692538361571095921575989136588898"
    assert (first.partition_key, first.data) == ("1", "SGVsbG8sIHRoaXMgaXMgYSB0ZXN0Lg==")
    assert second.sequence_number.startswith("495903382714902566085596925409")


@pytest.mark.parametrize("chunk", [2_000, 2])
def test_a_batch_is_scored_in_one_call_and_poison_records_become_rejects(
        loaded: LoadedModel, binary_model: BuiltModel, monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    rows = binary_model.rows(4)
    bad_row = dict(rows[2], **{"mean radius": "big"})
    event = kinesis_event([{"id": "a", "features": rows[0]}, b"not json at all",
                           {"features": list(rows[1].values())}, {"id": "d", "features": bad_row},
                           {"id": 5, "features": rows[3]}, {"id": "f", "features": rows[3]}])
    calls: list[int] = []
    run = loaded.predictor.run
    monkeypatch.setattr(loaded.predictor, "run", lambda m: calls.append(len(m)) or run(m))

    outcome = score_batch(records_from_event(event), loaded, results_prefix="results/", rejects_prefix="rejects/",
                          chunk=chunk)

    assert calls == [3] and (outcome.scored, outcome.rejected) == (3, 3)
    [results], [rejects] = outcome.results, outcome.rejects
    span = f"shardId-000000000000/{SEQ}.jsonl"
    assert (results.key, rejects.key) == (f"results/{span}", f"rejects/{span}")
    scored = _lines(results.body)
    assert [(r["id"], r["sequence_number"]) for r in scored] == [("a", str(SEQ)), (None, str(SEQ + 2)),
                                                                 ("f", str(SEQ + 5))]
    assert {(r["model_name"], r["model_version"], r["shard_id"]) for r in scored} == {
        ("breast-cancer", "v7", "shardId-000000000000")}
    got = np.array([[r["probabilities"]["0"], r["probabilities"]["1"]] for r in scored])
    np.testing.assert_allclose(got, binary_model.expected[[0, 1, 3]], atol=1e-5)
    rejected = _lines(rejects.body)
    assert [(r["sequence_number"], r["code"]) for r in rejected] == [
        (str(SEQ + 1), "InvalidJSON"), (str(SEQ + 3), "InvalidFeatures"), (str(SEQ + 4), "InvalidRecord")]
    assert rejected[1]["reason"] == "feature 'mean radius' must be a number, got string"
    assert rejected[2]["reason"] == "record 'id' must be a string"
    first_reject = rejected[0]
    assert first_reject["reason"].startswith("record data is not valid JSON")
    assert base64.b64decode(first_reject["data_base64"]) == b"not json at all"
    assert first_reject["partition_key"] == "pk"


@pytest.mark.parametrize(("payload", "code", "reason"), [
    (b"[1, 2]", "InvalidRecord", 'record must be a JSON object {"id": ..., "features": row}'),
    (b'{"id": "x"}', "InvalidRecord", 'record must be a JSON object {"id": ..., "features": row}'),
    (b'{"features": [], "extra": 1}', "InvalidRecord", "unknown field 'extra' in record"),
    (b'{"features": "row"}', "InvalidFeatures",
     "must be an object keyed by feature name or an array, got string"),
])
def test_record_shape_errors_are_rejects(loaded: LoadedModel, payload: bytes, code: str, reason: str) -> None:
    outcome = score_batch(records_from_event(kinesis_event([payload])), loaded, results_prefix="r/",
                          rejects_prefix="x/")

    # the empty results object is still written: it replaces what an earlier attempt may have left
    assert [(o.body, o.lines) for o in outcome.results] == [(b"", 0)]
    [line] = _lines(outcome.rejects[0].body)
    assert (line["code"], line["reason"]) == (code, reason)


def test_data_that_is_not_base64_is_a_reject(loaded: LoadedModel) -> None:
    event = kinesis_event([b"{}"])
    event["Records"][0]["kinesis"]["data"] = "@@not base64@@"

    outcome = score_batch(records_from_event(event), loaded, results_prefix="r/", rejects_prefix="x/")

    [line] = _lines(outcome.rejects[0].body)
    assert (line["code"], line["data_base64"]) == ("InvalidEncoding", "@@not base64@@")


def test_records_are_grouped_per_shard(loaded: LoadedModel, binary_model: BuiltModel) -> None:
    row = {"features": binary_model.rows(1)[0]}
    a = kinesis_event([row, row], shard_id="shardId-000000000001", start_seq=10)
    b = kinesis_event([row], shard_id="shardId-000000000002", start_seq=7)

    outcome = score_batch(records_from_event({"Records": a["Records"] + b["Records"]}), loaded,
                          results_prefix="", rejects_prefix="")

    assert [(o.key, o.lines) for o in outcome.results] == [("shardId-000000000001/10.jsonl", 2),
                                                           ("shardId-000000000002/7.jsonl", 1)]


@pytest.mark.parametrize(("task", "fields"), [("regression", {"value"}), ("anomaly_detection", {"anomaly", "score"}),
                                              ("clustering", {"cluster", "distances"})])
def test_result_lines_carry_each_tasks_fields(task: str, fields: set[str], task_models: dict[str, BuiltModel]) -> None:
    model = task_models[task]
    manifest = parse_manifest((model.directory / "manifest.json").read_bytes())
    loaded_model = LoadedModel(pointer=_pointer(model), predictor=Predictor(manifest, model.directory / "model.onnx"))
    event = kinesis_event([{"id": str(i), "features": row} for i, row in enumerate(model.rows(3))])

    outcome = score_batch(records_from_event(event), loaded_model, results_prefix="r/", rejects_prefix="x/")

    [results] = outcome.results
    lines = _lines(results.body)
    assert [set(line) - {"id", "shard_id", "sequence_number", "model_name", "model_version"} for line in lines] == [fields] * 3
    assert [(o.body, o.lines) for o in outcome.rejects] == [(b"", 0)]


def test_an_empty_batch_scores_nothing(loaded: LoadedModel) -> None:
    outcome = score_batch([], loaded, results_prefix="r/", rejects_prefix="x/")

    assert (outcome.objects, outcome.scored, outcome.rejected) == ((), 0, 0)


TRICKY_IDS = ['},{"id":"x"}', 'a\nb', '"', "\\", "\u2028", '{"id":1}', "]", ""]


def test_ndjson_writes_one_line_per_item_whatever_the_ids_hold() -> None:
    """Given items whose ids spell the boundary between items, quotes, newlines and brackets,
    when they are written with one orjson call, then each line is that item's own JSON."""
    items = [{"id": i, "shard_id": "s", "label": 1, "probabilities": {"id": 0.5, "1": 0.5}} for i in TRICKY_IDS]

    body = ndjson(items)

    assert body == b"".join(orjson.dumps(item) + b"\n" for item in items)
    assert [orjson.loads(line) for line in body.splitlines()] == items


def test_ndjson_falls_back_when_items_do_not_share_their_first_key() -> None:
    """Given items whose first keys differ (no common boundary), when written, then every line is
    still exactly its item's JSON (one call per item), and nothing is written for no items."""
    items = [{"id": "a", "v": 1}, {"shard_id": "b"}, {"id": "c", "v": [{"id": 2}, {"id": 3}]}]

    assert ndjson(items) == b"".join(orjson.dumps(item) + b"\n" for item in items)
    assert ndjson([]) == b""


@pytest.mark.parametrize("records", [
    [{"id": "a"}, {"id": "b"}, {"id": "c"}],  # every record with an id: the bulk path
    [{}, {}, {}],  # none with an id: the bulk path
    [{"id": "a"}, {}, {"id": None}],  # mixed, and an explicit null id: one by one
], ids=["ids", "no-ids", "mixed"])
def test_well_formed_records_score_alike_whichever_way_they_are_decoded(
        loaded: LoadedModel, binary_model: BuiltModel, records: list[dict]) -> None:
    """Given well-formed records, with or without ids, when the batch is scored, then every one
    is scored with its id and nothing is rejected, whether decoded in bulk or one by one."""
    rows = binary_model.rows(3)
    event = kinesis_event([{**record, "features": row} for record, row in zip(records, rows)])

    outcome = score_batch(records_from_event(event), loaded, results_prefix="results/", rejects_prefix="rejects/")

    assert (outcome.scored, outcome.rejected) == (3, 0)
    assert [line["id"] for line in _lines(outcome.results[0].body)] == [r.get("id") for r in records]
