"""Publish a packed model and point serving at it: artifact first, pointer last.

A reader that sees the new pointer always finds the complete artifact it names, and the
artifact's key includes its version, so a promotion never overwrites what is being served.
"""
from __future__ import annotations

import io
import json
import tarfile
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from slipway.sagemaker.packaging import sha256_file
from slipway.errors import SlipwayError


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


def read_manifest(tar_path: Path) -> dict[str, Any]:
    with tarfile.open(tar_path, "r:gz") as archive:
        try:
            member = archive.getmember("manifest.json")
        except KeyError:
            raise PromotionError(f"{tar_path} has no manifest.json at its root; is it a Slipway model?") from None
        handle = archive.extractfile(member)
        if handle is None:
            raise PromotionError(f"{tar_path}: manifest.json is not a regular file")
        return json.load(io.TextIOWrapper(handle, encoding="utf-8"))


def promote(clients: Callable[[str], Any], *, bucket: str, pointer_key: str, tar_path: Path,
            now: datetime | None = None) -> Pointer:
    manifest = read_manifest(tar_path)
    digest = sha256_file(tar_path)
    moment = now or datetime.now(timezone.utc)
    model_name = manifest["model_name"]
    version = f"{moment:%Y%m%dT%H%M%SZ}-{digest[:8]}"
    key = f"models/{model_name}/{version}/model.tar.gz"
    s3 = clients("s3")
    s3.upload_file(str(tar_path), bucket, key, ExtraArgs={"ChecksumAlgorithm": "SHA256"})
    pointer = Pointer(schema_version=1, model_name=model_name, version=version, uri=f"s3://{bucket}/{key}",
                      sha256=digest, promoted_at=moment.strftime("%Y-%m-%dT%H:%M:%SZ"))
    s3.put_object(Bucket=bucket, Key=pointer_key, Body=json.dumps(asdict(pointer)).encode(),
                  ContentType="application/json")
    return pointer
