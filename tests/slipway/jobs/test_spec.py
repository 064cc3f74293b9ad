from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from slipway.jobs import JobSpecError, load_job_spec

from .conftest import REPO, SHIPPED


def test_the_shipped_spec_is_a_gpu_xgboost_job_with_a_bayesian_search() -> None:
    spec = load_job_spec(SHIPPED)

    assert (spec.name, spec.algorithm, spec.instance_type) == (
        "xgboost-classifier", "xgboost", "ml.g5.xlarge")
    assert spec.source_dir == REPO / "training"
    assert (spec.image_framework, spec.image_version) == ("pytorch", "2.8.0")
    assert dict(spec.image_tags) == {"gpu": "2.8.0-gpu-py312-cu129-ubuntu22.04-sagemaker",
                                     "cpu": "2.8.0-cpu-py312-ubuntu22.04-sagemaker"}
    assert (spec.spot, spec.max_wait_seconds, spec.max_runtime_seconds) == (True, 7200, 3600)
    tuning = spec.tuning
    assert tuning is not None
    assert (tuning.strategy, tuning.objective_metric, tuning.objective_type) == (
        "Bayesian", "validation:logloss", "Minimize")
    assert (tuning.max_jobs, tuning.max_parallel, tuning.early_stopping) == (20, 2, "Auto")
    assert {r.name: (r.kind, r.scaling) for r in tuning.ranges} == {
        "eta": ("continuous", "Logarithmic"), "max_depth": ("integer", "Auto"),
        "min_child_weight": ("continuous", "Logarithmic"),
        "subsample": ("continuous", "ReverseLogarithmic"),
        "colsample_bytree": ("continuous", "Auto"), "lambda": ("continuous", "Logarithmic")}
    assert spec.metric("validation:logloss").regex == "validation:logloss=([-+0-9.eE]+)"


def test_the_spec_is_frozen() -> None:
    spec = load_job_spec(SHIPPED)

    with pytest.raises(AttributeError):
        spec.name = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        spec.hyperparameters["num_round"] = 1  # type: ignore[index]


def _set(document: dict[str, Any], dotted: str, value: Any) -> dict[str, Any]:
    *parents, last = dotted.split(".")
    node = document
    for key in parents:
        node = node.setdefault(key, {})
    if value is _DELETE:
        node.pop(last, None)
    else:
        node[last] = value
    return document


_DELETE = object()
BAD = [
    ("colour", "red", "colour", "unknown key; allowed here: name, description"),
    ("name", "bad_name", "name", "must be 1-48 letters, digits or hyphens"),
    ("resources.instance_type", "ml.g9.huge", "resources.instance_type",
     "'ml.g9.huge' is not a SageMaker training instance type"),
    ("resources.instance_count", 2, "resources.instance_count", "must be in [1, 1], got 2"),
    ("hyperparameters.num_round", [1, 2], "hyperparameters.num_round",
     "must be a string or a number"),
    ("spot.max_wait_seconds", 60, "spot.max_wait_seconds",
     "must be at least max_runtime_seconds (3600)"),
    ("stopping.max_runtime_seconds", 0, "stopping.max_runtime_seconds", "must be in [1, "),
    ("security.network_isolation", True, "security.network_isolation",
     "the container pip-installs"),
    ("tuning.strategy", "Annealing", "tuning.strategy", "must be one of ['Bayesian', 'Random'"),
    ("tuning.objective.type", "Min", "tuning.objective.type", "must be one of ['Minimize'"),
    ("tuning.max_parallel", 50, "tuning.max_parallel", "must not exceed max_jobs (20)"),
    ("tuning.ranges.eta.min", 0, "tuning.ranges.eta.scaling", "Logarithmic needs min > 0"),
    ("tuning.ranges.subsample.max", 1.0, "tuning.ranges.subsample.scaling",
     "ReverseLogarithmic needs a continuous range within 0 <= min < max < 1"),
    ("tuning.ranges.max_depth.max", 1, "tuning.ranges.max_depth.max",
     "must be greater than min (2), got 1"),
    ("tuning.ranges.max_depth.min", 2.5, "tuning.ranges.max_depth.min", "must be an integer"),
    ("tuning.ranges.num_round", {"type": "integer", "min": 10, "max": 20},
     "tuning.ranges.num_round", "is also a static hyperparameter"),
    ("tuning.ranges.booster", {"type": "categorical", "values": []},
     "tuning.ranges.booster.values", "must be a list of 1-30 values"),
    ("tuning.early_stopping", "Sometimes", "tuning.early_stopping", "must be one of ['Off'"),
    ("tuning.hyperband", {"max_resource": 10}, "tuning.hyperband",
     "applies to strategy Hyperband, not Bayesian"),
    ("tuning.objective.regex", "logloss=(\\d+)", "tuning.objective.regex",
     "differs from metrics' regex for 'validation:logloss'"),
    ("metrics", [{"name": "x", "regex": "x=\\d+"}], "metrics[0]",
     "must have exactly one capture group"),
    ("metrics", ["a", "a"], "metrics", "names repeat: ['a']"),
    ("source.entry_point", "missing.py", "source.dir", "missing.py does not exist"),
]


@pytest.mark.parametrize(("dotted", "value", "key", "problem"), BAD,
                         ids=[f"{b[0]}={b[1]!r}"[:60] for b in BAD])
def test_a_bad_spec_names_the_file_and_the_key(
        shipped: dict[str, Any], write_spec: Callable[..., Path], dotted: str, value: Any,
        key: str, problem: str) -> None:
    path = write_spec(_set(shipped, dotted, value))

    with pytest.raises(JobSpecError) as caught:
        load_job_spec(path)

    assert caught.value.code == "ValidationException"
    assert (caught.value.path, caught.value.key) == (path, key)
    assert problem in caught.value.problem
    assert str(caught.value).startswith(f"{path}: {key}: ")


def test_a_scikit_learn_algorithm_on_a_gpu_instance_is_refused(
        shipped: dict[str, Any], write_spec: Callable[..., Path]) -> None:
    shipped["hyperparameters"] = {"algorithm": "random_forest"}
    shipped.pop("tuning")

    with pytest.raises(JobSpecError) as caught:
        load_job_spec(write_spec(shipped))

    assert caught.value.key == "resources.instance_type"
    assert caught.value.problem == ("algorithm 'random_forest' cannot use the GPU of "
                                    "ml.g5.xlarge; choose a CPU instance type")


@pytest.mark.parametrize(("tuning", "key", "problem"), [
    ({"strategy": "Grid", "ranges": {"eta": {"type": "continuous", "min": 0.1, "max": 0.2}}},
     "tuning.ranges.eta", "Grid searches categorical ranges only"),
    ({"strategy": "Grid", "max_jobs": 4,
      "ranges": {"max_depth": {"type": "categorical", "values": [2, 4]}}},
     "tuning.max_jobs", "Grid runs every combination; leave max_jobs out"),
    ({"strategy": "Hyperband", "early_stopping": "Auto", "hyperband": {"max_resource": 50}},
     "tuning.early_stopping", "must be Off with Hyperband"),
    ({"strategy": "Hyperband", "early_stopping": "Off"}, "tuning.hyperband.max_resource",
     "is required"),
])
def test_strategy_rules_follow_sagemakers(
        shipped: dict[str, Any], write_spec: Callable[..., Path], tuning: dict[str, Any],
        key: str, problem: str) -> None:
    shipped["tuning"].update(tuning)

    with pytest.raises(JobSpecError) as caught:
        load_job_spec(write_spec(shipped))

    assert caught.value.key == key
    assert caught.value.problem.startswith(problem)


def test_a_grid_runs_every_combination(shipped: dict[str, Any],
                                       write_spec: Callable[..., Path]) -> None:
    shipped["tuning"] = {"strategy": "Grid", "objective": shipped["tuning"]["objective"],
                         "ranges": {"max_depth": {"type": "categorical", "values": [2, 4, 6]},
                                    "eta": {"type": "categorical", "values": [0.1, 0.3]}}}

    tuning = load_job_spec(write_spec(shipped)).tuning

    assert tuning is not None
    assert (tuning.max_jobs, tuning.grid_size(), tuning.total_jobs()) == (None, 6, 6)


def test_an_objective_outside_metrics_gets_its_own_definition(
        shipped: dict[str, Any], write_spec: Callable[..., Path]) -> None:
    shipped["tuning"]["objective"] = {"metric": "validation:f1", "type": "Maximize"}
    shipped["metrics"] = ["validation:logloss"]

    spec = load_job_spec(write_spec(shipped))

    assert [m.name for m in spec.metrics] == ["validation:logloss", "validation:f1"]
    assert spec.tuning is not None and spec.tuning.minimize is False


def test_yaml_that_does_not_parse_or_a_missing_file_is_named(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: [unclosed\n")

    with pytest.raises(JobSpecError) as caught:
        load_job_spec(broken)
    assert caught.value.message.startswith(f"{broken}: is not valid YAML: ")

    with pytest.raises(JobSpecError) as caught:
        load_job_spec(tmp_path / "nowhere.yaml")
    assert caught.value.message == f"{tmp_path / 'nowhere.yaml'}: cannot be read: No such file " \
        "or directory"


def test_the_tuning_runtime_covers_every_wave_of_trials_spot_waits_included(
        shipped: dict[str, Any], write_spec: Callable[[dict[str, Any]], Path]) -> None:
    """A tuning job's MaxRuntimeInSeconds bounds the whole search; when it runs out SageMaker
    stops the tuning job and its running trials. Source:
    https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ResourceLimits.html."""
    spec = load_job_spec(SHIPPED)
    assert spec.tuning is not None and spec.job_limit_seconds == 7200
    assert spec.tuning.max_runtime_seconds == 10 * 7200  # 20 trials, 2 at a time

    shipped["tuning"]["max_runtime_seconds"] = 14400
    with pytest.raises(JobSpecError) as caught:
        load_job_spec(write_spec(shipped))
    assert caught.value.key == "tuning.max_runtime_seconds"
    assert caught.value.problem == ("14400 s cannot finish 20 trials 2 at a time when each may "
                                    "take 7200 s (spot wait included): at least 72000 s, or leave "
                                    "it out")
