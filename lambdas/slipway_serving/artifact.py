"""Verify and unpack model.tar.gz safely. Nothing here deserializes a model.

Order of checks: the archive's sha256 against the pointer, then every member's header (regular
files at the archive root only, listed in the manifest, within size limits), then every file's
sha256 against the manifest. Only then may a caller load ``serving.file``.
"""
from __future__ import annotations

import gzip
import hashlib
import os
import tarfile
import zlib
from collections.abc import Iterator
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from .errors import ArtifactError, ArtifactIntegrityError
from .manifest import MANIFEST_FILE, Manifest, parse_manifest

_CHUNK = 1024 * 1024
_MAX_MANIFEST_BYTES = 1024 * 1024


@dataclass(frozen=True)
class UnpackedArtifact:
    manifest: Manifest
    directory: Path

    @property
    def serving_path(self) -> Path:
        return self.directory / self.manifest.serving.file


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verify_sha256(path: Path, expected: str, what: str) -> None:
    actual = sha256_file(path)
    if actual != expected:
        raise ArtifactIntegrityError(f"{what}: sha256 mismatch (expected {expected}, got {actual})")


def _member_name(member: tarfile.TarInfo) -> str | None:
    """The plain file name of a root-level member; None for the archive's own root entry."""
    name = member.name[2:] if member.name.startswith("./") else member.name
    if name in ("", ".") and member.isdir():
        return None
    if (not name or name in (".", "..") or "/" in name or "\\" in name or "\x00" in name
            or os.path.isabs(member.name)):
        raise ArtifactIntegrityError(f"archive member {member.name!r} is not a file at the archive root")
    if not member.isreg() or member.issparse():
        raise ArtifactIntegrityError(f"archive member {member.name!r} is not a regular file "
                                     "(links, devices and directories are refused)")
    return name


def _scan(archive: tarfile.TarFile, max_members: int, max_member_bytes: int
          ) -> dict[str, tarfile.TarInfo]:
    """Check every header before any data is used; headers are read one at a time."""
    members: dict[str, tarfile.TarInfo] = {}
    for count, member in enumerate(archive, start=1):
        if count > max_members:
            raise ArtifactIntegrityError(f"archive holds more than {max_members} members")
        name = _member_name(member)
        if name is None:
            continue
        if name in members:
            raise ArtifactIntegrityError(f"archive member {name!r} appears twice")
        if member.size > max_member_bytes:
            raise ArtifactIntegrityError(f"archive member {name!r} is larger than {max_member_bytes} bytes")
        members[name] = member
    return members


def _copy(source: BinaryIO, sink: BinaryIO | None, limit: int) -> tuple[str, int]:
    digest, total = hashlib.sha256(), 0
    for chunk in iter(lambda: source.read(_CHUNK), b""):
        total += len(chunk)
        if total > limit:
            break
        digest.update(chunk)
        if sink is not None:
            sink.write(chunk)
    return digest.hexdigest(), total


def _read_manifest(archive: tarfile.TarFile, members: dict[str, tarfile.TarInfo]) -> Manifest:
    member = members.get(MANIFEST_FILE)
    if member is None:
        raise ArtifactError(f"archive has no {MANIFEST_FILE}")
    if member.size > _MAX_MANIFEST_BYTES:
        raise ArtifactIntegrityError(f"{MANIFEST_FILE} is larger than {_MAX_MANIFEST_BYTES} bytes")
    handle = archive.extractfile(member)
    assert handle is not None  # regular file, checked by _scan
    return parse_manifest(handle.read(_MAX_MANIFEST_BYTES + 1))


def _check_listing(manifest: Manifest, members: dict[str, tarfile.TarInfo]) -> Iterator[str]:
    present = set(members) - {MANIFEST_FILE}
    unlisted = sorted(present - set(manifest.files))
    if unlisted:
        raise ArtifactIntegrityError(f"archive holds files the manifest does not list: {unlisted}")
    missing = sorted(set(manifest.files) - present)
    if missing:
        raise ArtifactIntegrityError(f"archive lacks files the manifest lists: {missing}")
    for name in sorted(present):
        if members[name].size != manifest.files[name].bytes:
            raise ArtifactIntegrityError(f"{name}: size {members[name].size} does not match the "
                                         f"manifest ({manifest.files[name].bytes})")
        yield name


def _open_new(path: Path) -> BinaryIO:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    return os.fdopen(os.open(path, flags, 0o600), "wb")


def unpack(tar_path: Path, directory: Path, *, max_members: int = 32,
           max_member_bytes: int = 256 * 1024 * 1024) -> UnpackedArtifact:
    """Unpack ``tar_path`` into the fresh, empty ``directory`` and verify every file.

    Every listed file is hashed; only the serving file is written (the manifest is kept in
    memory). On error the directory may hold a partial file and must be discarded.
    """
    try:
        with tarfile.open(tar_path, mode="r:*") as archive:
            members = _scan(archive, max_members, max_member_bytes)
            manifest = _read_manifest(archive, members)
            for name in _check_listing(manifest, members):
                entry = manifest.files[name]
                source = archive.extractfile(members[name])
                assert source is not None  # regular file, checked by _scan
                keep = name == manifest.serving.file
                with _open_new(directory / name) if keep else nullcontext() as sink:
                    digest, size = _copy(source, sink, entry.bytes)
                if size != entry.bytes or digest != entry.sha256:
                    raise ArtifactIntegrityError(f"{name}: sha256 does not match the manifest")
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise ArtifactIntegrityError(f"model archive is not a readable tar.gz: {exc}") from None
    except OSError as exc:
        raise ArtifactError(f"could not unpack the model archive: {exc}") from None
    return UnpackedArtifact(manifest=manifest, directory=directory)
