from __future__ import annotations

import io
import json
import tarfile
from datetime import datetime, timezone

import boto3
import pytest
from moto import mock_aws

from slipway.promote import PromotionError, promote, sha256_file


def _tar(path, files: dict[str, bytes]):
    with tarfile.open(path, "w:gz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


@mock_aws
def test_the_artifact_is_written_under_its_version_and_the_pointer_names_it(tmp_path):
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="models")
    tar = _tar(tmp_path / "model.tar.gz", {"manifest.json": json.dumps({"model_name": "iris"}).encode()})
    written_keys = []
    real_put = s3.put_object
    s3.put_object = lambda **kwargs: (written_keys.append(kwargs["Key"]), real_put(**kwargs))[1]

    pointer = promote(lambda service: s3, bucket="models", pointer_key="pointers/model.json", tar_path=tar,
                      now=datetime(2026, 11, 21, 9, 0, tzinfo=timezone.utc))

    assert written_keys == [f"models/iris/{pointer.version}/model.tar.gz", "pointers/model.json"]
    assert pointer.version == f"20261121T090000Z-{sha256_file(tar)[:8]}"
    assert pointer.uri == f"s3://models/models/iris/{pointer.version}/model.tar.gz"
    stored = json.loads(s3.get_object(Bucket="models", Key="pointers/model.json")["Body"].read())
    assert stored == {"schema_version": 1, "model_name": "iris", "version": pointer.version, "uri": pointer.uri,
                      "sha256": sha256_file(tar), "promoted_at": "2026-11-21T09:00:00Z"}


def test_a_tar_without_a_manifest_is_refused_before_anything_is_uploaded(tmp_path):
    tar = _tar(tmp_path / "model.tar.gz", {"model.onnx": b"x"})

    with pytest.raises(PromotionError, match="has no manifest.json at its root"):
        promote(lambda service: pytest.fail("nothing may be uploaded"), bucket="b", pointer_key="p", tar_path=tar)
