"""Channels as SageMaker downloads them in File mode. Source:
https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_S3DataSource.html (S3Prefix,
ManifestFile with its leading {"prefix": ...}, FullyReplicated vs ShardedByS3Key)."""
from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from slipway.sagemaker import s3io


@pytest.fixture
def s3() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket="bkt")
        for key in ("data/train/a.csv", "data/train/b.csv", "data/train/sub/c.csv",
                    "data/other.csv"):
            client.put_object(Bucket="bkt", Key=key, Body=key.encode())
        yield client


def _channel(uri: str, kind: str = "S3Prefix", distribution: str = "FullyReplicated"
             ) -> dict[str, Any]:
    return {"ChannelName": "train", "DataSource": {"S3DataSource": {
        "S3Uri": uri, "S3DataType": kind, "S3DataDistributionType": distribution}}}


def _files(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): p.read_text() for p in root.rglob("*") if p.is_file()}


def test_an_s3_prefix_lands_below_the_channel_with_its_relative_paths(s3: Any,
                                                                     tmp_path: Path) -> None:
    s3io.download_channel(s3, _channel("s3://bkt/data/train/"), tmp_path)

    assert _files(tmp_path) == {"a.csv": "data/train/a.csv", "b.csv": "data/train/b.csv",
                                "sub/c.csv": "data/train/sub/c.csv"}


def test_an_object_key_as_prefix_lands_as_its_own_name(s3: Any, tmp_path: Path) -> None:
    s3io.download_channel(s3, _channel("s3://bkt/data/other.csv"), tmp_path)

    assert _files(tmp_path) == {"other.csv": "data/other.csv"}


def test_a_manifest_file_names_the_objects_relative_to_its_prefix(s3: Any,
                                                                  tmp_path: Path) -> None:
    s3.put_object(Bucket="bkt", Key="manifest.json",
                  Body=json.dumps([{"prefix": "s3://bkt/data/train/"}, "b.csv", "sub/c.csv"]))

    s3io.download_channel(s3, _channel("s3://bkt/manifest.json", "ManifestFile"), tmp_path)

    assert _files(tmp_path) == {"b.csv": "data/train/b.csv", "sub/c.csv": "data/train/sub/c.csv"}


def test_sharded_by_s3_key_gives_each_host_its_share(s3: Any, tmp_path: Path) -> None:
    channel = _channel("s3://bkt/data/train/", distribution="ShardedByS3Key")

    s3io.download_channel(s3, channel, tmp_path / "algo-1", host_index=0, host_count=2)
    s3io.download_channel(s3, channel, tmp_path / "algo-2", host_index=1, host_count=2)

    first, second = _files(tmp_path / "algo-1"), _files(tmp_path / "algo-2")
    assert sorted([*first, *second]) == ["a.csv", "b.csv", "sub/c.csv"]
    assert not set(first) & set(second)


def test_an_empty_prefix_fails_the_job_as_a_client_error(s3: Any, tmp_path: Path) -> None:
    with pytest.raises(s3io.S3InputError) as caught:
        s3io.download_channel(s3, _channel("s3://bkt/nothing/"), tmp_path)

    assert caught.value.code == "ClientError"
    assert caught.value.message.startswith(
        'No S3 objects found under S3 URL "s3://bkt/nothing/" given in input data source.')
