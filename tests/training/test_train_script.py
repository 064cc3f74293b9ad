"""train.py's own job: turn every outcome into an exit code and, on failure, output/failure."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

import train
from slipway_training import pipeline


def _environ(base_dir: Path) -> dict[str, str]:
    return {"SAGEMAKER_BASE_DIR": str(base_dir), "SM_NUM_CPUS": "1"}


def test_success_exits_zero_and_clears_a_stale_failure(base_dir: Path, iris_channel: Path) -> None:
    failure = base_dir / "output" / "failure"
    failure.parent.mkdir(parents=True)
    failure.write_text("from an earlier run")

    code = train.main(["--num_round", "5"], _environ(base_dir))

    assert code == 0
    assert not failure.exists()
    assert (base_dir / "model" / "manifest.json").is_file()


def test_a_training_error_exits_one_with_its_code_in_the_failure_file(
        base_dir: Path, iris_channel: Path) -> None:
    code = train.main(["--target", "species"], _environ(base_dir))

    assert code == train.EXIT_TRAINING_ERROR
    reason = (base_dir / "output" / "failure").read_text()
    assert reason.startswith("MissingTargetColumn: target column 'species' is not in ")
    assert "'petal width (cm)', 'target'" in reason


def test_a_bad_environment_still_leaves_a_reason(base_dir: Path) -> None:
    code = train.main([], {**_environ(base_dir), "SM_NUM_GPUS": "many"})

    assert code == train.EXIT_TRAINING_ERROR
    assert (base_dir / "output" / "failure").read_text() == (
        "InvalidEnvironment: SM_NUM_GPUS must be an integer, got 'many'")


def test_an_unexpected_error_exits_two_as_an_internal_error(
        base_dir: Path, iris_channel: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(pipeline, "run", explode)

    code = train.main([], _environ(base_dir))

    assert code == train.EXIT_INTERNAL_ERROR
    assert (base_dir / "output" / "failure").read_text() == (
        "InternalError: RuntimeError: disk on fire")


def test_the_failure_reason_is_cut_to_sagemakers_limit(tmp_path: Path) -> None:
    train.write_failure(tmp_path / "output" / "failure", "x" * 5000)

    assert len((tmp_path / "output" / "failure").read_text()) == train.FAILURE_LIMIT


@pytest.mark.parametrize(("argv", "task"), [
    (["--algorithm", "kmeans", "--n_clusters", "3"], "clustering"),
    (["--algorithm", "svm", "-C", "2"], "classification"),
    (["--algorithm", "isolation_forest", "--n_estimators", "5"], "anomaly_detection"),
])
def test_any_family_runs_from_the_command_line(base_dir: Path, iris_channel: Path,
                                               argv: list[str], task: str) -> None:
    code = train.main(argv, _environ(base_dir))

    manifest = json.loads((base_dir / "model" / "manifest.json").read_text())
    assert code == 0
    assert (manifest["task"], manifest["algorithm"]) == (task, argv[1])
