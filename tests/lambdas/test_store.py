from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from slipway_serving import predictor as predictor_module
from slipway_serving.errors import ArtifactError, ArtifactIntegrityError, ModelUnavailable
from slipway_serving.s3 import S3
from slipway_serving.store import ModelStore

from .artifacts import MODELS_BUCKET, BuiltModel, pack
from .conftest import POINTER_KEY, Publish


def _store(cache: Path, **kwargs: Any) -> ModelStore:
    return ModelStore(bucket=MODELS_BUCKET, pointer_key=POINTER_KEY, cache_dir=cache, s3=S3().client, **kwargs)


def _tampered(model: BuiltModel) -> bytes:
    files = model.files()
    onnx = bytearray(files["model.onnx"])
    onnx[len(onnx) // 2] ^= 0x01
    return pack({**files, "model.onnx": bytes(onnx)})


@pytest.fixture
def no_deserializing(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records every attempt to build an ONNX session (there must be none for a refused artifact)."""
    calls: list[str] = []
    real = predictor_module.ort.InferenceSession

    def spy(path: str, *args: Any, **kwargs: Any) -> Any:
        calls.append(path)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(predictor_module.ort, "InferenceSession", spy)
    return calls


def test_first_use_loads_the_pointed_model_and_caches_the_download(
        tmp_path: Path, publish: Publish, binary_model: BuiltModel) -> None:
    pointer = publish(binary_model)
    store = _store(tmp_path)

    model = store.current()

    assert (model.version, model.manifest.model_name) == (pointer["version"], "breast-cancer")
    assert [p.name for p in tmp_path.iterdir()] == [f"{pointer['sha256']}.tar.gz"]
    assert store.current() is model and store.refresh() is model  # same sha256: nothing reloaded


def test_an_archive_that_does_not_match_the_pointer_is_refused_before_deserializing(
        tmp_path: Path, publish: Publish, binary_model: BuiltModel, no_deserializing: list[str]) -> None:
    publish(binary_model, pointer_sha256="0" * 64)
    store = _store(tmp_path)

    with pytest.raises(ArtifactIntegrityError, match="sha256 mismatch"):
        store.refresh()
    with pytest.raises(ModelUnavailable, match="no model is available") as caught:
        store.current()

    assert isinstance(caught.value.__cause__, ArtifactIntegrityError)
    assert no_deserializing == []
    assert [p.name for p in tmp_path.iterdir()] == []  # nothing half-written or unverified is kept


def test_a_tampered_new_artifact_is_refused_and_the_last_good_model_keeps_serving(
        tmp_path: Path, publish: Publish, binary_model: BuiltModel, no_deserializing: list[str],
        caplog: pytest.LogCaptureFixture) -> None:
    publish(binary_model, version="v1")
    store = _store(tmp_path)
    assert store.current().version == "v1"
    no_deserializing.clear()
    publish(binary_model, version="v2", archive=_tampered(binary_model))  # the pointer matches the tar

    with pytest.raises(ArtifactIntegrityError, match="model.onnx: sha256 does not match the manifest"):
        store.refresh()

    assert no_deserializing == []
    assert store.current().version == "v1"
    assert "refused artifact v2" in caplog.text and "serving v1" in caplog.text


def test_a_cached_download_altered_on_disk_is_replaced_by_a_verified_download(
        tmp_path: Path, publish: Publish, binary_model: BuiltModel, caplog: pytest.LogCaptureFixture) -> None:
    pointer = publish(binary_model)
    cached = tmp_path / f"{pointer['sha256']}.tar.gz"
    cached.write_bytes(b"tampered")

    model = _store(tmp_path).refresh()

    assert model.version == pointer["version"]
    assert cached.read_bytes() == binary_model.archive
    assert f"cached artifact {cached.name}: sha256 mismatch" in caplog.text


def test_a_new_pointer_is_picked_up_and_the_old_download_pruned(
        tmp_path: Path, publish: Publish, binary_model: BuiltModel, multiclass_model: BuiltModel) -> None:
    publish(binary_model, version="v1")
    store = _store(tmp_path)
    store.current()
    pointer = publish(multiclass_model, version="v2")

    model = store.refresh()

    assert (model.version, model.manifest.model_name) == ("v2", "iris")
    assert [p.name for p in tmp_path.iterdir()] == [f"{pointer['sha256']}.tar.gz"]


def test_the_ttl_hook_rereads_the_pointer_when_due_and_keeps_the_last_good_model(
        tmp_path: Path, publish: Publish, binary_model: BuiltModel) -> None:
    now = [0.0]
    publish(binary_model, version="v1")
    store = _store(tmp_path, refresh_interval_s=60, clock=lambda: now[0])
    assert store.current().version == "v1"
    publish(binary_model, version="v2", archive=_tampered(binary_model))

    now[0] = 30.0
    assert store.current().version == "v1"  # not due: the pointer is not read
    now[0] = 61.0
    assert store.current().version == "v1"  # due: v2 is refused, v1 keeps serving
    publish(binary_model, version="v3")  # the v1 archive promoted again
    now[0] = 122.0
    assert store.current().version == "v3"


def test_a_missing_pointer_makes_the_model_unavailable(tmp_path: Path, s3: Any) -> None:
    with pytest.raises(ModelUnavailable, match="no model is available") as caught:
        _store(tmp_path).current()

    assert "could not read s3://slipway-models/pointers/breast-cancer.json" in str(caught.value.__cause__)


def test_a_malformed_pointer_is_refused(tmp_path: Path, s3: Any) -> None:
    s3.put_object(Bucket=MODELS_BUCKET, Key=POINTER_KEY, Body=orjson.dumps(
        {"schema_version": 1, "model_name": "m", "version": "v1", "uri": "x", "sha256": "0" * 64}))

    with pytest.raises(ArtifactError, match="pointer: 'uri' must be an s3://bucket/key URI"):
        _store(tmp_path).refresh()
