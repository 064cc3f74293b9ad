"""A training job's traffic with S3, as SageMaker moves it: channels in (S3Prefix or ManifestFile,
FullyReplicated or ShardedByS3Key), the code tarball in, artifacts and checkpoints out.

Channel semantics: https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_S3DataSource.html
"""
from __future__ import annotations

import json
import tarfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .errors import TrainingRunnerError


class S3InputError(TrainingRunnerError):
    """What SageMaker reports as a ClientError: the request pointed at data that is not there."""
    code = "ClientError"


def split_uri(uri: str) -> tuple[str, str]:
    if not uri.startswith("s3://"):
        raise S3InputError(f"{uri!r} is not an s3:// URI")
    bucket, _, key = uri[5:].partition("/")
    return bucket, key


def _keys(s3: Any, bucket: str, prefix: str) -> list[str]:
    keys = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys += [item["Key"] for item in page.get("Contents", []) if not item["Key"].endswith("/")]
    return sorted(keys)


def _manifest_objects(s3: Any, uri: str) -> list[tuple[str, str, str]]:
    """A manifest file: [{"prefix": "s3://b/p/"}, "relative/key", ...]; names are relative."""
    bucket, key = split_uri(uri)
    document = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    if not isinstance(document, list) or not document or "prefix" not in document[0]:
        raise S3InputError(f"ManifestFile {uri} must be a JSON list starting with {{'prefix': ...}}")
    prefix_bucket, prefix = split_uri(document[0]["prefix"])
    return [(prefix_bucket, prefix + name, name) for name in document[1:]]


def channel_objects(s3: Any, source: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """(bucket, key, name under the channel directory) for one S3DataSource."""
    uri, kind = source["S3Uri"], source.get("S3DataType", "S3Prefix")
    if kind == "ManifestFile":
        return _manifest_objects(s3, uri)
    if kind != "S3Prefix":
        raise S3InputError(f"S3DataType {kind} is not run locally (File mode takes S3Prefix "
                           "or ManifestFile)")
    bucket, prefix = split_uri(uri)
    keys = _keys(s3, bucket, prefix)
    # A prefix names objects that start with it; the path under the channel keeps what follows
    # the prefix's last "/" (a file prefix lands as its own name)
    base = prefix.rsplit("/", 1)[0] + "/" if "/" in prefix else ""
    return [(bucket, key, key[len(base):]) for key in keys]


def download_channel(s3: Any, channel: Mapping[str, Any], target: Path, *, host_index: int = 0,
                     host_count: int = 1) -> int:
    source = channel["DataSource"]["S3DataSource"]
    objects = channel_objects(s3, source)
    if source.get("S3DataDistributionType") == "ShardedByS3Key":
        objects = objects[host_index::host_count]  # each host gets its share of the keys
    if not objects:
        raise S3InputError(f"No S3 objects found under S3 URL \"{source['S3Uri']}\" given in "
                           f"input data source. Please ensure that the bucket exists in the "
                           f"selected region, that objects exist under that S3 prefix, and that "
                           f"the role has access to them.")
    target.mkdir(parents=True, exist_ok=True)
    for bucket, key, name in objects:
        path = target / name
        path.parent.mkdir(parents=True, exist_ok=True)
        s3.download_file(bucket, key, str(path))
    return len(objects)


CHANNELS_DIR = "/opt/ml/input/data/"


def download_code(s3: Any, uri: str, target: Path, channels: Mapping[str, Path] | None = None) -> Path:
    """sagemaker_submit_directory: a tar.gz of the source directory, unpacked as the toolkit
    unpacks it into /opt/ml/code. The toolkit also takes a local path: a network-isolated job (the
    pipeline's) gets its code as an input channel, /opt/ml/input/data/<channel>/<file>."""
    target.mkdir(parents=True, exist_ok=True)
    archive = target.with_suffix(".tar.gz")
    if uri.startswith(CHANNELS_DIR) and channels is not None:
        channel, _, name = uri[len(CHANNELS_DIR):].partition("/")
        if channel not in channels or not (channels[channel] / name).is_file():
            raise TrainingRunnerError(f"sagemaker_submit_directory {uri!r} is not a file of an input channel")
        archive = channels[channel] / name
    else:
        bucket, key = split_uri(uri)
        s3.download_file(bucket, key, str(archive))
    with tarfile.open(archive) as tar:
        tar.extractall(target, filter="data")
    if archive.parent == target.parent:
        archive.unlink()
    return target


def download_prefix(s3: Any, uri: str, target: Path) -> int:
    bucket, prefix = split_uri(uri.rstrip("/") + "/")
    keys = _keys(s3, bucket, prefix)
    target.mkdir(parents=True, exist_ok=True)
    for key in keys:
        path = target / key[len(prefix):]
        path.parent.mkdir(parents=True, exist_ok=True)
        s3.download_file(bucket, key, str(path))
    return len(keys)


def upload_tree(s3: Any, source: Path, uri: str) -> int:
    bucket, prefix = split_uri(uri.rstrip("/") + "/")
    files = [p for p in sorted(source.rglob("*")) if p.is_file()] if source.is_dir() else []
    for path in files:
        s3.upload_file(str(path), bucket, prefix + path.relative_to(source).as_posix())
    return len(files)


def upload_file(s3: Any, path: Path, uri: str, kms_key_id: str | None = None) -> str:
    bucket, key = split_uri(uri)
    extra = {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": kms_key_id} if kms_key_id else None
    s3.upload_file(str(path), bucket, key, ExtraArgs=extra)
    return uri
