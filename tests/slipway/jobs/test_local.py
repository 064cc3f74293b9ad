from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from slipway.jobs import PreflightError, load_job_spec
from slipway.jobs.local import hyperparameters, train_locally, unique_job_name
from tests.training.datasets import breast_cancer_frame, write_csv

from .conftest import SHIPPED


def test_job_names_get_a_timestamp_within_the_limit() -> None:
    now = datetime(2026, 11, 21, 9, 45, 0, tzinfo=timezone.utc)

    assert unique_job_name("xgboost-classifier", now=now) == "xgboost-classifier-20261121-094500"
    assert unique_job_name("a-long-spec-name-for-tuning", limit=32, now=now) == \
        "a-long-spec-name-20261121-094500"


def test_the_script_gets_the_json_text_sagemaker_would_send() -> None:
    assert hyperparameters(load_job_spec(SHIPPED), {"num_round": "5"}) | {} == {
        "algorithm": '"xgboost"', "target": '"target"', "model_name": '"xgboost-classifier"',
        "num_round": '"5"', "early_stopping_rounds": "20", "checkpoint_interval": "10"}


def test_a_spec_trains_locally_with_its_metrics_and_limits(tmp_path: Path) -> None:
    csv = write_csv(breast_cancer_frame(), tmp_path / "data" / "train.csv")

    result = train_locally(load_job_spec(SHIPPED), channels={"train": csv},
                           base_dir=tmp_path / "jobs", job_name="spec-local",
                           overrides={"num_round": 15}, num_cpus=1)

    assert set(result.metrics) == {"validation:logloss", "validation:auc",
                                   "validation:accuracy", "validation:f1", "train:accuracy"}
    assert result.unmatched_metrics == ()
    manifest = json.loads((result.model_dir / "manifest.json").read_text())
    assert (manifest["model_name"], manifest["hyperparameters"]["num_round"]) == (
        "xgboost-classifier", 15)


def test_a_spec_the_trainer_refuses_never_starts_a_job(tmp_path: Path, shipped, write_spec
                                                       ) -> None:
    shipped["hyperparameters"]["max_depth"] = 0
    shipped.pop("tuning")

    with pytest.raises(PreflightError):
        train_locally(load_job_spec(write_spec(shipped)), channels={"train": tmp_path},
                      base_dir=tmp_path / "runs")

    assert not (tmp_path / "runs").exists()
