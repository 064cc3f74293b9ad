"""Sending, against moto's SageMaker and S3: the code lands where sagemaker_submit_directory
points, then the job is created with the very request that was rendered."""
from __future__ import annotations

import json
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from slipway.jobs import load_job_spec, render_training_job, render_tuning_job
from slipway.jobs.send import send_training_job, send_tuning_job

from .conftest import ROLE, SHIPPED

pytestmark = pytest.mark.e2e
REGION = "us-east-1"


@pytest.fixture
def clients(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for key in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        cache: dict[str, Any] = {}

        def client(service: str) -> Any:
            return cache.setdefault(service, boto3.client(service, region_name=REGION))

        client("s3").create_bucket(Bucket="models")
        yield client


def _kwargs(job_name: str) -> dict[str, Any]:
    return {"job_name": job_name, "role_arn": ROLE, "output_s3_uri": "s3://models/jobs",
            "channels": {"train": "s3://data/train/"}, "region": REGION}


def test_a_training_job_is_created_after_its_code_is_uploaded(clients: Any,
                                                              tmp_path: Path) -> None:
    spec = load_job_spec(SHIPPED)
    request = render_training_job(spec, **_kwargs("xgb-send-1"))

    arn = send_training_job(clients, request, spec.source_dir)

    assert arn.endswith(":training-job/xgb-send-1")
    body = clients("s3").get_object(Bucket="models", Key="jobs/xgb-send-1/source/sourcedir.tar.gz")
    (tmp_path / "code.tar.gz").write_bytes(body["Body"].read())
    with tarfile.open(tmp_path / "code.tar.gz") as archive:
        assert "train.py" in archive.getnames()
        installed = archive.extractfile("requirements.txt").read().decode()  # type: ignore[union-attr]
    # the container installs the lock's exact versions, as the pipeline's wheelhouse does
    locked = [line.split(" ", 1)[0] for line in (spec.source_dir / "requirements.lock").read_text()
              .splitlines() if line and not line.startswith("#")]
    assert installed.split() == locked and any(p.startswith("xgboost-cu12==") for p in locked)
    described = clients("sagemaker").describe_training_job(TrainingJobName="xgb-send-1")
    assert described["HyperParameters"] == request["HyperParameters"]
    assert described["ResourceConfig"]["InstanceType"] == "ml.g5.xlarge"


def test_a_tuning_job_is_created(clients: Any) -> None:
    spec = load_job_spec(SHIPPED)
    request = render_tuning_job(spec, **_kwargs("xgb-tune-send"))

    arn = send_tuning_job(clients, request, spec.source_dir)

    assert arn.endswith(":hyper-parameter-tuning-job/xgb-tune-send")
    described = clients("sagemaker").describe_hyper_parameter_tuning_job(
        HyperParameterTuningJobName="xgb-tune-send")
    assert described["HyperParameterTuningJobConfig"]["Strategy"] == "Bayesian"
    static = described["TrainingJobDefinition"]["StaticHyperParameters"]
    assert json.loads(static["sagemaker_submit_directory"]) == \
        "s3://models/jobs/xgb-tune-send/source/sourcedir.tar.gz"


def test_slipway_cloud_train_uploads_and_creates_the_job(clients: Any,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    from slipway.cli import main

    code = main(["cloud", "train", str(SHIPPED), "--role", ROLE, "--output", "s3://models/jobs",
                 "--channel", "train=s3://data/train/", "--region", REGION,
                 "--job-name", "xgb-cli-send"])

    assert code == 0
    assert capsys.readouterr().out.strip().endswith(":training-job/xgb-cli-send")
    listed = clients("s3").list_objects_v2(Bucket="models", Prefix="jobs/xgb-cli-send/source/")
    assert [o["Key"] for o in listed["Contents"]] == ["jobs/xgb-cli-send/source/sourcedir.tar.gz"]
    assert clients("sagemaker").describe_training_job(
        TrainingJobName="xgb-cli-send")["EnableManagedSpotTraining"] is True
