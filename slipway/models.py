"""The promoted models of a deployment: every version under its models prefix, and which one serves.

Read from S3 only (the layout of slipway.promote), so it works on the emulator and in an account.
A version's metrics come from the manifest inside its model.tar.gz, read as a stream.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from slipway.deployed import DeployedApp
from slipway.promote import ARTIFACT, Pointer, PromotionError, artifact_key, manifest_from, point_at

VERSION = re.compile(r"^[0-9]{8}T[0-9]{6}Z-[0-9a-f]{8}$")  # contracts/pointer.schema.json


@dataclass(frozen=True)
class ModelVersion:
    version: str
    uri: str
    bytes: int
    serving: bool


def serving_pointer(s3: Any, app: DeployedApp) -> dict[str, Any] | None:
    try:
        return json.loads(s3.get_object(Bucket=app.models_bucket, Key=app.pointer_key)["Body"].read())
    except s3.exceptions.NoSuchKey:
        return None


def list_versions(s3: Any, app: DeployedApp) -> list[ModelVersion]:
    """Oldest first (versions start with their promotion time)."""
    pointer = serving_pointer(s3, app)
    serving = pointer.get("version") if pointer else None
    versions = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=app.models_bucket, Prefix=app.models_prefix):
        for item in page.get("Contents", []):
            version, _, name = item["Key"][len(app.models_prefix):].partition("/")
            if name == ARTIFACT and VERSION.match(version):
                versions.append(ModelVersion(version=version, uri=f"s3://{app.models_bucket}/{item['Key']}",
                                             bytes=item["Size"], serving=version == serving))
    return sorted(versions, key=lambda v: v.version)


def describe(s3: Any, app: DeployedApp, version: str) -> dict[str, Any]:
    key = artifact_key(app.models_prefix, version)
    try:
        response = s3.get_object(Bucket=app.models_bucket, Key=key)
    except s3.exceptions.NoSuchKey:
        raise PromotionError(f"no version {version!r} under s3://{app.models_bucket}/{app.models_prefix}") from None
    try:
        manifest = manifest_from(response["Body"], f"s3://{app.models_bucket}/{key}")
    finally:
        response["Body"].close()
    return {"version": version, "uri": f"s3://{app.models_bucket}/{key}",
            "sha256": (response.get("Metadata") or {}).get("sha256"), "model_name": manifest.get("model_name"),
            "task": manifest.get("task"), "algorithm": manifest.get("algorithm"),
            "created_at": manifest.get("created_at"), "metrics": manifest.get("metrics", {})}


def promote_version(s3: Any, app: DeployedApp, version: str) -> Pointer:
    return point_at(s3, bucket=app.models_bucket, pointer_key=app.pointer_key, prefix=app.models_prefix,
                    version=version)


def rollback(s3: Any, app: DeployedApp) -> Pointer:
    """Serve the version promoted before the one serving now."""
    versions = list_versions(s3, app)
    serving = next((i for i, v in enumerate(versions) if v.serving), None)
    if serving is None:
        raise PromotionError("nothing under the models prefix is serving, so there is nothing to roll back from")
    if serving == 0:
        raise PromotionError(f"{versions[0].version} is the oldest version; there is none to roll back to")
    return promote_version(s3, app, versions[serving - 1].version)
