"""The commands as a user types them (in-process through slipway.cli.main)."""
from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from slipway.cli import main

from .conftest import ROLE, SHIPPED

CLOUD = ["--role", ROLE, "--output", "s3://models/jobs", "--channel", "train=s3://data/train/",
         "--region", "us-east-1", "--dry-run"]


def test_cloud_train_dry_run_prints_the_validated_request(capsys: pytest.CaptureFixture[str]
                                                          ) -> None:
    code = main(["cloud", "train", str(SHIPPED), *CLOUD, "--job-name", "xgb-cli-1",
                 "--hp", "num_round=50"])

    request = json.loads(capsys.readouterr().out)
    assert code == 0
    assert request["TrainingJobName"] == "xgb-cli-1"
    assert request["HyperParameters"]["num_round"] == '"50"'
    assert request["ResourceConfig"]["InstanceType"] == "ml.g5.xlarge"


def test_cloud_tune_dry_run_names_a_field_the_service_would_refuse(
        capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["cloud", "tune", str(SHIPPED), *CLOUD, "--job-name", "t" * 40])

    captured = capsys.readouterr()
    assert (code, captured.out) == (2, "")
    assert captured.err == ("slipway: ValidationException: CreateHyperParameterTuningJob "
                            "request: HyperParameterTuningJobName: is 40 characters long; "
                            "at most 32\n")


def test_a_bad_spec_exits_2_naming_file_and_key(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "bad.yaml"
    spec.write_text("name: x\nhyperparameters: {}\nresources: {instance_type: ml.nope}\n")

    code = main(["cloud", "train", str(spec), *CLOUD])

    assert code == 2
    assert capsys.readouterr().err.startswith(
        f"slipway: ValidationException: {spec}: resources.instance_type: 'ml.nope' is not a "
        "SageMaker training instance type")


def test_train_runs_a_spec_on_a_bundled_dataset(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--project", str(tmp_path), "train", str(SHIPPED), "--dataset", "breast_cancer",
                 "--hp", "num_round=10", "--job-name", "cli-train"])

    out = capsys.readouterr().out
    assert code == 0
    assert "trained cli-train in " in out
    assert "  validation:logloss = " in out
    assert f"model    {tmp_path / '.slipway' / 'jobs' / 'cli-train' / 'output' / 'model.tar.gz'}" \
        in out


def test_train_without_data_says_how_to_give_it(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["--project", str(tmp_path), "train", str(SHIPPED)])

    assert str(caught.value) == ("slipway: error: no train channel: pass --channel train=PATH, "
                                 "--dataset NAME, or set channels.local.train in the spec")


def test_cloud_dry_run_refuses_what_sagemaker_would_refuse_with_its_message(
        shipped: dict[str, Any], write_spec: Callable[[dict[str, Any]], Path],
        capsys: pytest.CaptureFixture[str]) -> None:
    """The request #3 landed: the first-party XGBoost image with our metric definitions. Source:
    https://github.com/aws/sagemaker-xgboost-container/issues/121 (SageMaker's answer)."""
    landed = write_spec({**shipped, "image": {"framework": "xgboost", "version": "3.0-5"}})

    code = main(["cloud", "train", str(landed), *CLOUD, "--job-name", "xgb-cli-3"])

    captured = capsys.readouterr()
    assert (code, captured.out) == (2, "")
    assert captured.err == ("slipway: ValidationException: You can't override the metric definitions "
                            "for Amazon SageMaker algorithms. Please retry the request without "
                            "specifying metric definitions.\n")
