"""The kit's one pointer writer: publish a packed model and point serving at it, artifact first.

A reader that sees the new pointer always finds the complete artifact it names, and the
artifact's key includes its version, so a promotion never overwrites what is being served.
The pointer is contracts/pointer.schema.json; the layout `models/<name>/<version>/model.tar.gz`
is written here once for the kit (the deployed functions get theirs from SLIPWAY_MODELS_PREFIX).
Both writers encrypt with SSE-S3 and name the manifest's model, as the pipeline's promote does.
"""
from __future__ import annotations

import hashlib
import io
import json
import tarfile
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any, Callable

from slipway.sagemaker.packaging import sha256_file
from slipway.errors import SlipwayError

ARTIFACT = "model.tar.gz"
POINTER_SCHEMA_VERSION = 1
_CHUNK = 1 << 20
_MAX_MANIFEST_BYTES = 1 << 20


class PromotionError(SlipwayError):
    pass


@dataclass(frozen=True)
class Pointer:
    schema_version: int
    model_name: str
    version: str
    uri: str
    sha256: str
    promoted_at: str

    def document(self) -> bytes:
        return json.dumps(asdict(self)).encode()


def models_prefix(model_name: str) -> str:
    return f"models/{model_name}/"


def artifact_key(prefix: str, version: str) -> str:
    return f"{prefix}{version}/{ARTIFACT}"


def version_of(moment: datetime, digest: str) -> str:
    return f"{moment:%Y%m%dT%H%M%SZ}-{digest[:8]}"


def manifest_from(archive: IO[bytes], where: str) -> dict[str, Any]:
    """manifest.json from the root of a model.tar.gz stream (read once, never held whole)."""
    try:
        with tarfile.open(fileobj=archive, mode="r|gz") as tar:
            for member in tar:
                if member.name.lstrip("./") != "manifest.json":
                    continue
                if not member.isfile() or member.size > _MAX_MANIFEST_BYTES:
                    raise PromotionError(f"{where}: manifest.json is not a small regular file")
                handle = tar.extractfile(member)
                manifest = json.loads(handle.read()) if handle else None
                if not isinstance(manifest, dict):
                    raise PromotionError(f"{where}: manifest.json is not a JSON object")
                return manifest
    except (tarfile.TarError, EOFError, OSError, ValueError) as exc:
        raise PromotionError(f"{where} is not a readable model.tar.gz: {exc}") from exc
    raise PromotionError(f"{where} has no manifest.json at its root; is it a Slipway model?")


def read_manifest(tar_path: Path) -> dict[str, Any]:
    with tar_path.open("rb") as handle:
        return manifest_from(handle, str(tar_path))


def model_name_of(manifest: dict[str, Any], where: str) -> str:
    name = manifest.get("model_name")
    if not isinstance(name, str) or not name:
        raise PromotionError(f"{where}: the manifest has no model_name")
    return name


def write_pointer(s3: Any, *, bucket: str, pointer_key: str, pointer: Pointer) -> Pointer:
    s3.put_object(Bucket=bucket, Key=pointer_key, Body=pointer.document(), ContentType="application/json",
                  ServerSideEncryption="AES256")
    return pointer


def promote(clients: Callable[[str], Any], *, bucket: str, pointer_key: str, tar_path: Path,
            prefix: str | None = None, now: datetime | None = None) -> Pointer:
    """Upload `tar_path` as a new version under `prefix` (default models/<manifest's model>/), then point at it."""
    manifest = read_manifest(tar_path)
    model_name = model_name_of(manifest, str(tar_path))
    digest = sha256_file(tar_path)
    moment = now or datetime.now(timezone.utc)
    version = version_of(moment, digest)
    key = artifact_key(prefix or models_prefix(model_name), version)
    s3 = clients("s3")
    s3.upload_file(str(tar_path), bucket, key, ExtraArgs={
        "ChecksumAlgorithm": "SHA256", "ServerSideEncryption": "AES256", "ContentType": "application/gzip",
        "Metadata": {"sha256": digest, "source": tar_path.name}})
    pointer = Pointer(schema_version=POINTER_SCHEMA_VERSION, model_name=model_name, version=version,
                      uri=f"s3://{bucket}/{key}", sha256=digest, promoted_at=moment.strftime("%Y-%m-%dT%H:%M:%SZ"))
    return write_pointer(s3, bucket=bucket, pointer_key=pointer_key, pointer=pointer)


def verify_stored(s3: Any, bucket: str, key: str) -> tuple[str, dict[str, Any]]:
    """The stored artifact's sha256 and manifest, read in one pass; its recorded sha256 must match."""
    response = s3.get_object(Bucket=bucket, Key=key)
    digest = hashlib.sha256()
    where = f"s3://{bucket}/{key}"

    class Hashing(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def readinto(self, buffer: Any) -> int:
            chunk = response["Body"].read(len(buffer))
            digest.update(chunk)
            buffer[:len(chunk)] = chunk
            return len(chunk)

    stream = Hashing()
    try:
        manifest = manifest_from(io.BufferedReader(stream, _CHUNK), where)
        for _ in iter(lambda: stream.read(_CHUNK), b""):
            pass
    finally:
        response["Body"].close()
    recorded = (response.get("Metadata") or {}).get("sha256")
    if recorded and recorded != digest.hexdigest():
        raise PromotionError(f"{where} does not match its recorded sha256 ({recorded[:12]}...): refusing to serve it")
    return digest.hexdigest(), manifest


def point_at(s3: Any, *, bucket: str, pointer_key: str, prefix: str, version: str,
             now: datetime | None = None) -> Pointer:
    """Serve an existing version again (promote or rollback): the artifact is verified first."""
    key = artifact_key(prefix, version)
    try:
        digest, manifest = verify_stored(s3, bucket, key)
    except s3.exceptions.NoSuchKey:
        raise PromotionError(f"no version {version!r} under s3://{bucket}/{prefix}") from None
    moment = now or datetime.now(timezone.utc)
    pointer = Pointer(schema_version=POINTER_SCHEMA_VERSION, model_name=model_name_of(manifest, key),
                      version=version, uri=f"s3://{bucket}/{key}", sha256=digest,
                      promoted_at=moment.strftime("%Y-%m-%dT%H:%M:%SZ"))
    return write_pointer(s3, bucket=bucket, pointer_key=pointer_key, pointer=pointer)


__all__ = ["Pointer", "PromotionError", "artifact_key", "models_prefix", "point_at", "promote", "read_manifest",
           "sha256_file", "verify_stored", "version_of", "write_pointer"]
