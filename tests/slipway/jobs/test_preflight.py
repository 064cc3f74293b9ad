from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from slipway.jobs import PreflightError, load_job_spec
from slipway.jobs.preflight import preflight, script_values

from .conftest import SHIPPED


def test_the_shipped_spec_agrees_with_the_trainer() -> None:
    report = preflight(load_job_spec(SHIPPED))

    assert (report.task, report.algorithm) == ("classification", "xgboost")
    assert "round=1 validation:logloss=0.654321" in report.sample_lines


def test_a_metric_regex_that_matches_nothing_fails_before_anything_runs(
        shipped: dict[str, Any], write_spec: Callable[..., Path]) -> None:
    shipped["metrics"].append({"name": "validation:auc-typo",
                               "regex": "validation-auc=([0-9.]+)"})
    path = write_spec(shipped)

    with pytest.raises(PreflightError) as caught:
        preflight(load_job_spec(path))

    assert caught.value.message.startswith(
        f"{path}: metrics[5] (validation:auc-typo): regex 'validation-auc=([0-9.]+)' matches "
        "none of the lines the trainer prints for this job, e.g. ['round=1 validation:logloss=")


def test_a_regex_capturing_something_else_than_a_number_fails(
        shipped: dict[str, Any], write_spec: Callable[..., Path]) -> None:
    shipped["metrics"] = [{"name": "split", "regex": r"(\w+):logloss="}]
    shipped.pop("tuning")

    with pytest.raises(PreflightError) as caught:
        preflight(load_job_spec(write_spec(shipped)))

    assert "captures 'validation', not a number" in caught.value.message


@pytest.mark.parametrize(("dotted", "value", "where", "reason"), [
    ("hyperparameters.num_round", 0, "hyperparameters.num_round",
     "InvalidHyperparameter: hyperparameter 'num_round' must be an integer >= 1, got '0'"),
    ("hyperparameters.C", 1.0, "hyperparameters.C",
     "InapplicableHyperparameter: hyperparameter 'C' does not apply to algorithm 'xgboost'"),
    ("tuning.ranges.eta", {"type": "continuous", "min": 0.5, "max": 2.0},
     "tuning.ranges.eta", "hyperparameter 'eta' must be a number in (0, 1], got '2.0'"),
])
def test_the_trainers_own_rules_judge_the_hyperparameters(
        shipped: dict[str, Any], write_spec: Callable[..., Path], dotted: str, value: Any,
        where: str, reason: str) -> None:
    section, key = dotted.rsplit(".", 1)
    node = shipped
    for part in section.split("."):
        node = node[part]
    node[key] = value
    path = write_spec(shipped)

    with pytest.raises(PreflightError) as caught:
        preflight(load_job_spec(path))

    assert caught.value.message.startswith(f"{path}: {where}: ")
    assert reason in caught.value.message


def test_values_reach_the_script_as_the_toolkit_hands_them_over() -> None:
    assert script_values({"eta": 0.1, "num_round": 20, "target": "y", "tiny": 1e-9}) == {
        "eta": "0.1", "num_round": "20", "target": "y", "tiny": "1e-09"}
