"""The deployment's promoted versions: list with metrics and the serving mark, describe, promote an
existing version and roll back, each verifying the artifact before the pointer moves."""
from __future__ import annotations

import io
import json
import tarfile
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from slipway import models
from slipway.deployed import DeployedApp
from slipway.promote import PromotionError, promote

BUCKET = "models"
APP = DeployedApp(models_bucket=BUCKET, pointer_key="pointers/iris.json", models_prefix="models/iris/",
                  state_machine_arn="arn:aws:states:us-east-1:123456789012:stateMachine:p",
                  training_data_uri="s3://data/training/iris/", topic_arn="arn:aws:sns:us-east-1:123456789012:t")


def archive(path: Path, accuracy: float) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in {"manifest.json": json.dumps({"model_name": "iris", "task": "classification",
                                                        "metrics": {"validation:accuracy": accuracy}}).encode(),
                           "model.onnx": path.name.encode()}.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        yield client


@pytest.fixture
def three_versions(s3: Any, tmp_path: Path) -> list[str]:
    versions = []
    for day, accuracy in ((1, 0.90), (2, 0.95), (3, 0.93)):
        pointer = promote(lambda service: s3, bucket=BUCKET, pointer_key=APP.pointer_key, prefix=APP.models_prefix,
                          tar_path=archive(tmp_path / f"v{day}.tar.gz", accuracy),
                          now=datetime(2026, 11, day, tzinfo=timezone.utc))
        versions.append(pointer.version)
    return versions


def test_every_version_is_listed_oldest_first_with_the_serving_one_marked(s3, three_versions):
    listed = models.list_versions(s3, APP)

    assert [v.version for v in listed] == three_versions
    assert [v.serving for v in listed] == [False, False, True]
    assert models.describe(s3, APP, three_versions[1])["metrics"] == {"validation:accuracy": 0.95}


def test_rollback_serves_the_version_before_the_serving_one(s3, three_versions):
    pointer = models.rollback(s3, APP)

    assert pointer.version == three_versions[1]
    assert json.loads(s3.get_object(Bucket=BUCKET, Key=APP.pointer_key)["Body"].read())["version"] == three_versions[1]
    assert models.rollback(s3, APP).version == three_versions[0]
    with pytest.raises(PromotionError, match="is the oldest version; there is none to roll back to"):
        models.rollback(s3, APP)


def test_promoting_a_tampered_artifact_is_refused_and_the_pointer_stays(s3, three_versions):
    key = f"{APP.models_prefix}{three_versions[0]}/model.tar.gz"
    original = s3.head_object(Bucket=BUCKET, Key=key)["Metadata"]
    s3.put_object(Bucket=BUCKET, Key=key, Body=s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() + b"\0",
                  Metadata=original)

    with pytest.raises(PromotionError, match="does not match its recorded sha256"):
        models.promote_version(s3, APP, three_versions[0])

    assert json.loads(s3.get_object(Bucket=BUCKET, Key=APP.pointer_key)["Body"].read())["version"] == three_versions[2]


def test_promoting_a_version_that_does_not_exist_names_it(s3, three_versions):
    with pytest.raises(PromotionError, match="no version '20990101T000000Z-00000000' under s3://models/models/iris/"):
        models.promote_version(s3, APP, "20990101T000000Z-00000000")


def test_the_cli_reports_a_missing_deployment_in_one_line_without_a_traceback(s3, capsys):
    from slipway.cli import main

    code = main(["models", "list"])

    err = capsys.readouterr().err
    assert code == 1
    assert "stack SlipwayData is not deployed where boto3 looks" in err
    assert "Traceback" not in err


def test_the_cli_lists_versions_and_marks_the_serving_one(s3, three_versions, capsys, monkeypatch):
    from slipway import deployed
    from slipway.cli import main

    monkeypatch.setattr(deployed, "discover", lambda clients: APP)

    assert main(["models", "list"]) == 0

    lines = capsys.readouterr().out.splitlines()
    assert lines == [f"  {three_versions[0]}  validation:accuracy=0.9", f"  {three_versions[1]}  validation:accuracy=0.95",
                     f"* {three_versions[2]}  validation:accuracy=0.93"]
