"""Local tuning with the real trainer on a bundled dataset (scikit-learn's breast cancer table)."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from slipway.jobs import PreflightError, load_job_spec
from slipway.sagemaker import run_training_job
from slipway.tuning import ObjectiveNotFound, run_tuning
from tests.training.datasets import breast_cancer_frame, iris_frame, write_csv

REPO = Path(__file__).resolve().parents[3]
OBJECTIVE = "validation:logloss"


def _spec(tmp_path: Path, **tuning: object) -> Path:
    document = {
        "name": "bc", "source": {"dir": str(REPO / "training")},
        "hyperparameters": {"algorithm": "xgboost", "target": "target", "num_round": 200,
                            "early_stopping_rounds": 15},
        "metrics": [OBJECTIVE, "validation:auc"],
        "resources": {"instance_type": "ml.m5.xlarge"},
        "tuning": {"strategy": "Bayesian", "objective": {"metric": OBJECTIVE, "type": "Minimize"},
                   "max_jobs": 4, "max_parallel": 1, "random_seed": 1,
                   "ranges": {"eta": {"type": "continuous", "min": 0.05, "max": 0.5,
                                      "scaling": "Logarithmic"},
                              "max_depth": {"type": "integer", "min": 2, "max": 4},
                              "min_child_weight": {"type": "continuous", "min": 0.5, "max": 10,
                                                   "scaling": "Logarithmic"}},
                   **tuning}}
    path = tmp_path / "bc.yaml"
    path.write_text(yaml.safe_dump(document))
    return path


def test_local_tuning_beats_the_default_hyperparameters(tmp_path: Path) -> None:
    csv = write_csv(breast_cancer_frame(), tmp_path / "data" / "train.csv")
    metric = [{"Name": OBJECTIVE, "Regex": rf"{OBJECTIVE}=([-+0-9.eE]+)"}]
    default = run_training_job("defaults", base_dir=tmp_path / "jobs", channels={"train": csv},
                               metric_definitions=metric)  # the trainer's defaults throughout

    result = run_tuning(load_job_spec(_spec(tmp_path)), channels={"train": csv},
                        work_dir=tmp_path / "tuning", job_name="bc-tune", say=lambda _: None)

    assert result.best.value < default.metrics[OBJECTIVE]  # type: ignore[operator]
    assert result.plot_path.is_file() and result.plot_path.stat().st_size > 10_000
    assert result.candidate.is_file()
    assert len(result.trials) == 4


def test_an_objective_this_data_never_prints_fails_after_the_first_trial(
        tmp_path: Path) -> None:
    # validation:auc exists for two classes only: the preflight cannot know iris has three
    csv = write_csv(iris_frame(), tmp_path / "data" / "train.csv")
    spec = load_job_spec(_spec(tmp_path, objective={"metric": "validation:auc",
                                                    "type": "Maximize"}))

    with pytest.raises(ObjectiveNotFound) as caught:
        run_tuning(spec, channels={"train": csv}, work_dir=tmp_path / "tuning",
                   job_name="iris-tune", say=lambda _: None)

    assert "the objective 'validation:auc' (regex 'validation:auc=([-+0-9.eE]+)') matched " \
        "nothing in the output of iris-tune-001" in caught.value.message
    assert [p.name for p in (tmp_path / "tuning" / "iris-tune" / "trials").iterdir()] == [
        "iris-tune-001"]


def test_a_typo_in_the_objective_regex_fails_before_any_trial(tmp_path: Path) -> None:
    spec = load_job_spec(_spec(tmp_path, objective={
        "metric": "logloss", "type": "Minimize", "regex": "validation-logloss=([0-9.]+)"}))

    with pytest.raises(PreflightError) as caught:
        run_tuning(spec, channels={"train": tmp_path}, work_dir=tmp_path / "tuning",
                   say=lambda _: None)

    assert "regex 'validation-logloss=([0-9.]+)' matches none of the lines" in \
        caught.value.message
    assert not (tmp_path / "tuning").exists()
