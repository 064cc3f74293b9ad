from __future__ import annotations

import json
import tarfile
from pathlib import Path

import pytest

from slipway_serving.artifact import unpack, verify_sha256
from slipway_serving.errors import ArtifactError, ArtifactIntegrityError

from .artifacts import BuiltModel, pack, pack_raw, sha256


def _write(tmp_path: Path, data: bytes) -> tuple[Path, Path]:
    archive = tmp_path / "model.tar.gz"
    archive.write_bytes(data)
    target = tmp_path / "unpacked"
    target.mkdir()
    return archive, target


def _info(name: str, kind: bytes = tarfile.REGTYPE, size: int = 0, linkname: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.size, info.linkname = kind, size, linkname
    return info


def test_a_valid_archive_unpacks_the_serving_file_only(tmp_path: Path, binary_model: BuiltModel) -> None:
    archive, target = _write(tmp_path, binary_model.archive)

    unpacked = unpack(archive, target)

    assert unpacked.manifest.model_name == "breast-cancer"
    assert unpacked.manifest.classes == (0, 1)
    assert sorted(p.name for p in target.iterdir()) == ["model.onnx"]
    assert sha256(unpacked.serving_path.read_bytes()) == binary_model.manifest["files"]["model.onnx"]["sha256"]


def test_dot_slash_names_as_tar_dash_c_writes_them_are_accepted(tmp_path: Path, binary_model: BuiltModel) -> None:
    root = _info("./", tarfile.DIRTYPE)
    entries = [(root, None)] + [(_info(f"./{n}", size=len(d)), d) for n, d in binary_model.files().items()]
    archive, target = _write(tmp_path, pack_raw(entries))

    assert unpack(archive, target).manifest.model_name == "breast-cancer"


def test_archive_checksum_mismatch_is_refused(tmp_path: Path, binary_model: BuiltModel) -> None:
    archive, _ = _write(tmp_path, binary_model.archive)

    with pytest.raises(ArtifactIntegrityError, match="artifact x: sha256 mismatch"):
        verify_sha256(archive, "0" * 64, "artifact x")


@pytest.mark.parametrize(("entry", "says"), [
    (_info("../model.onnx", size=1), "'../model.onnx' is not a file at the archive root"),
    (_info("/etc/model.onnx", size=1), "is not a file at the archive root"),
    (_info("sub/model.onnx", size=1), "'sub/model.onnx' is not a file at the archive root"),
    (_info("model.onnx", tarfile.SYMTYPE, linkname="/etc/passwd"), "is not a regular file"),
    (_info("model.onnx", tarfile.LNKTYPE, linkname="manifest.json"), "is not a regular file"),
    (_info("model.onnx", tarfile.CHRTYPE), "is not a regular file"),
    (_info("subdir", tarfile.DIRTYPE), "is not a regular file"),
])
def test_unsafe_members_are_refused(tmp_path: Path, binary_model: BuiltModel, entry: tarfile.TarInfo,
                                    says: str) -> None:
    files = binary_model.files()
    entries = [(_info(n, size=len(d)), d) for n, d in files.items() if n != "model.onnx"]
    entries.append((entry, b"x" * entry.size if entry.isreg() else None))
    archive, target = _write(tmp_path, pack_raw(entries))

    with pytest.raises(ArtifactIntegrityError, match=says):
        unpack(archive, target)
    assert not (tmp_path / "model.onnx").exists() and not Path("/etc/model.onnx").exists()


def test_a_file_the_manifest_does_not_list_is_refused(tmp_path: Path, binary_model: BuiltModel) -> None:
    archive, target = _write(tmp_path, pack({**binary_model.files(), "extra.bin": b"payload"}))

    with pytest.raises(ArtifactIntegrityError, match=r"files the manifest does not list: \['extra.bin'\]"):
        unpack(archive, target)
    assert list(target.iterdir()) == []


def test_a_listed_file_missing_from_the_archive_is_refused(tmp_path: Path, binary_model: BuiltModel) -> None:
    files = binary_model.files()
    del files["model.ubj"]
    archive, target = _write(tmp_path, pack(files))

    with pytest.raises(ArtifactIntegrityError, match=r"lacks files the manifest lists: \['model.ubj'\]"):
        unpack(archive, target)


def test_a_tampered_file_of_the_same_size_is_refused(tmp_path: Path, binary_model: BuiltModel) -> None:
    files = binary_model.files()
    onnx = bytearray(files["model.onnx"])
    onnx[-1] ^= 0xFF
    archive, target = _write(tmp_path, pack({**files, "model.onnx": bytes(onnx)}))

    with pytest.raises(ArtifactIntegrityError, match="model.onnx: sha256 does not match the manifest"):
        unpack(archive, target)


def test_an_oversize_member_is_refused_from_its_header(tmp_path: Path, binary_model: BuiltModel) -> None:
    archive, target = _write(tmp_path, binary_model.archive)

    with pytest.raises(ArtifactIntegrityError, match="is larger than 1000 bytes"):
        unpack(archive, target, max_member_bytes=1000)


def test_too_many_members_are_refused(tmp_path: Path, binary_model: BuiltModel) -> None:
    archive, target = _write(tmp_path, binary_model.archive)

    with pytest.raises(ArtifactIntegrityError, match="more than 2 members"):
        unpack(archive, target, max_members=2)


def test_not_a_tar_is_refused(tmp_path: Path) -> None:
    archive, target = _write(tmp_path, b"this is not a tarball")

    with pytest.raises(ArtifactIntegrityError, match="not a readable tar.gz"):
        unpack(archive, target)


def _with_manifest(model: BuiltModel, **changes: object) -> bytes:
    manifest = {**model.manifest, **changes}
    return pack({**model.files(), "manifest.json": json.dumps(manifest).encode()})


@pytest.mark.parametrize(("changes", "error", "says"), [
    ({"schema_version": 2}, ArtifactError, "unsupported schema_version 2"),
    ({"serving": {"format": "pickle", "file": "model.onnx", "input": "features", "outputs": {}}},
     ArtifactError, "serving format 'pickle' is not servable"),
    ({"serving": {"format": "onnx", "file": "other.onnx", "input": "features", "outputs": {}}},
     ArtifactError, "serving file 'other.onnx' is not listed"),
    ({"task": "astrology"}, ArtifactError, "unknown task 'astrology'"),
    ({"features": []}, ArtifactError, "'features' must be a non-empty list"),
    ({"classes": [1]}, ArtifactError, "'classes' must list at least two"),
    ({"features": [{"name": "x", "type": "number", "allow_missing": "yes"}]}, ArtifactError,
     "feature 'x' has a non-boolean 'allow_missing'"),
    ({"features": [{"name": "c", "type": "category"}]}, ArtifactError,
     "category feature 'c' needs a non-empty 'categories' list"),
    ({"features": [{"name": "c", "type": "category", "categories": ["a", "a"]}]}, ArtifactError,
     "category feature 'c' lists a category twice"),
    ({"features": [{"name": "c", "type": "category", "categories": [1, 1.0]}]}, ArtifactError,
     "category feature 'c' lists a category twice"),
    ({"features": [{"name": "c", "type": "category", "categories": [["a"]]}]}, ArtifactError,
     "category feature 'c' has a category that is not a string, number or boolean"),
])
def test_an_invalid_manifest_is_refused(tmp_path: Path, binary_model: BuiltModel, changes: dict,
                                        error: type[Exception], says: str) -> None:
    archive, target = _write(tmp_path, _with_manifest(binary_model, **changes))

    with pytest.raises(error, match=says):
        unpack(archive, target)
