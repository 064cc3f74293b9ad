"""Promote: publish the candidate as a versioned artifact, then point serving at it.

The artifact is copied to <SLIPWAY_MODELS_PREFIX><version>/model.tar.gz (SSE-S3, so that serving
needs no key of the training pipeline's), and the pointer (contracts/pointer.schema.json) is
written last, so a reader never sees a pointer to an artifact that is not all there.
"""
from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from typing import Any

from .artifacts import parse_s3_uri, read_manifest, sha256_of
from .clients import s3_client
from .config import PipelineConfig
from .errors import ArtifactError
from .evaluate import candidate_uri


def pointer_document(*, manifest: dict[str, Any], bucket: str, artifact_key: str, version: str, digest: str,
                     now: datetime) -> dict[str, Any]:
    """The pointer, naming the manifest's model: serving refuses an artifact whose manifest names another."""
    model_name = manifest.get("model_name")
    if not isinstance(model_name, str) or not model_name:
        raise ArtifactError("the candidate's manifest has no model_name")
    return {"schema_version": 1, "model_name": model_name, "version": version,
            "uri": f"s3://{bucket}/{artifact_key}", "sha256": digest,
            "promoted_at": now.strftime("%Y-%m-%dT%H:%M:%SZ")}


def promote(s3: Any, config: PipelineConfig, uri: str, *, now: datetime) -> dict[str, Any]:
    bucket, key = parse_s3_uri(uri)
    manifest = read_manifest(s3, bucket, key)
    digest, size = sha256_of(s3, bucket, key)
    version = f"{now:%Y%m%dT%H%M%SZ}-{digest[:8]}"
    artifact_key = config.artifact_key(version)
    pointer = pointer_document(manifest=manifest, bucket=config.model_bucket, artifact_key=artifact_key,
                               version=version, digest=digest, now=now)
    s3.copy_object(
        Bucket=config.model_bucket, Key=artifact_key, CopySource={"Bucket": bucket, "Key": key},
        ServerSideEncryption="AES256", MetadataDirective="REPLACE",
        Metadata={"sha256": digest, "source": uri}, ContentType="application/gzip",
    )
    s3.put_object(Bucket=config.model_bucket, Key=config.pointer_key, Body=json.dumps(pointer).encode(),
                  ContentType="application/json", ServerSideEncryption="AES256")
    return {**pointer, "bytes": size, "pointer_key": config.pointer_key}


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    config = PipelineConfig.from_env(os.environ)
    return promote(s3_client(), config, candidate_uri(event, config), now=datetime.now(timezone.utc))
