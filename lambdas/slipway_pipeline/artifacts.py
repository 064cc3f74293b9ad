"""Reading models in S3: the pointer serving follows, and the manifest inside a model.tar.gz,
streamed (the archive is never held whole in memory or on disk)."""
from __future__ import annotations

import hashlib
import json
import tarfile
from typing import Any

from .errors import ArtifactError, InvalidInput

MAX_MANIFEST_BYTES = 1024 * 1024
_CHUNK = 1024 * 1024


def parse_s3_uri(uri: Any) -> tuple[str, str]:
    if not isinstance(uri, str) or not uri.startswith("s3://") or "/" not in uri[5:]:
        raise InvalidInput(f"expected an s3://bucket/key URI, got {uri!r}")
    bucket, key = uri[5:].split("/", 1)
    if not bucket or not key:
        raise InvalidInput(f"expected an s3://bucket/key URI, got {uri!r}")
    return bucket, key


def read_pointer(s3: Any, bucket: str, key: str) -> dict[str, Any] | None:
    """The promoted pointer, or None when nothing has been promoted yet."""
    try:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read(MAX_MANIFEST_BYTES)
    except s3.exceptions.NoSuchKey:
        return None
    try:
        pointer = json.loads(body)
    except ValueError as exc:
        raise ArtifactError(f"s3://{bucket}/{key} is not a JSON model pointer: {exc}") from exc
    if not isinstance(pointer, dict) or not isinstance(pointer.get("uri"), str):
        raise ArtifactError(f"s3://{bucket}/{key} is not a model pointer: it has no 'uri'")
    return pointer


def read_manifest(s3: Any, bucket: str, key: str) -> dict[str, Any]:
    """manifest.json from the root of the model.tar.gz at s3://bucket/key."""
    body = s3.get_object(Bucket=bucket, Key=key)["Body"]
    try:
        with tarfile.open(fileobj=body, mode="r|gz") as archive:
            for member in archive:
                if member.name.lstrip("./") != "manifest.json":
                    continue
                if not member.isfile() or member.size > MAX_MANIFEST_BYTES:
                    raise ArtifactError(f"s3://{bucket}/{key}: manifest.json is not a small regular file")
                handle = archive.extractfile(member)
                manifest = json.loads(handle.read()) if handle else None
                if not isinstance(manifest, dict):
                    raise ArtifactError(f"s3://{bucket}/{key}: manifest.json is not a JSON object")
                return manifest
    except (tarfile.TarError, EOFError, OSError, ValueError) as exc:
        raise ArtifactError(f"s3://{bucket}/{key} is not a readable model.tar.gz: {exc}") from exc
    finally:
        body.close()
    raise ArtifactError(f"s3://{bucket}/{key} has no manifest.json at its root; is it a Slipway model?")


def metric(manifest: dict[str, Any], name: str, *, where: str) -> float:
    value = (manifest.get("metrics") or {}).get(name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ArtifactError(f"{where}: the manifest has no numeric metric {name!r} "
                            f"(it has {sorted(manifest.get('metrics') or {})})")
    return float(value)


def sha256_of(s3: Any, bucket: str, key: str) -> tuple[str, int]:
    """The object's sha256 (hex) and size, streamed."""
    body = s3.get_object(Bucket=bucket, Key=key)["Body"]
    digest, size = hashlib.sha256(), 0
    try:
        for chunk in iter(lambda: body.read(_CHUNK), b""):
            digest.update(chunk)
            size += len(chunk)
    finally:
        body.close()
    return digest.hexdigest(), size
