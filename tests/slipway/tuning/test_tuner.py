"""The tuner's mechanics, driven by the stand-in trainer (conftest.py) so a search takes seconds."""
from __future__ import annotations

import csv
import itertools
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from slipway.jobs import load_job_spec
from slipway.jobs.errors import JobError
from slipway.tuning import ObjectiveNotFound, TuningFailed, run_tuning

from .conftest import peaks


def _tune(spec: Path, data_file: Path, tmp_path: Path, **options: object):  # type: ignore[no-untyped-def]
    lines: list[str] = []
    result = run_tuning(load_job_spec(spec), channels={"train": data_file},
                        work_dir=tmp_path / "tuning", job_name="fake-1", say=lines.append,
                        **options)  # type: ignore[arg-type]
    return result, lines


def test_a_random_search_runs_its_trials_in_parallel_and_keeps_the_best(
        fake_spec: Callable[..., Path], data_file: Path, tmp_path: Path) -> None:
    spec = fake_spec({"strategy": "Random", "max_jobs": 6, "max_parallel": 2, "random_seed": 3},
                     delay=0.2)

    result, lines = _tune(spec, data_file, tmp_path)

    assert [t.state for t in result.trials] == ["complete"] * 6
    assert max(peaks(tmp_path)) == 2  # two trials at a time, never three
    best = min(result.trials, key=lambda t: t.value)  # type: ignore[arg-type, return-value]
    assert result.best == best
    assert best.value == pytest.approx((best.hyperparameters["x"] - 0.3) ** 2, abs=1e-6)
    assert lines[0] == "tuning fake-1: 6 trials, 2 at a time, Random search, minimize loss"
    assert len(lines) == 7 and all(" complete: loss=" in line for line in lines[1:])
    assert f"*{best.number}  fake-1-{best.number:03d}  complete" in result.table
    with result.csv_path.open() as handle:
        assert [row["state"] for row in csv.DictReader(handle)] == ["complete"] * 6
    assert result.plot_path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    candidate = json.loads((result.candidate.parent / "candidate.json").read_text())
    assert (candidate["trial"], candidate["value"]) == (best.number, best.value)
    assert result.candidate.read_bytes() == Path(best.model_artifact).read_bytes()  # type: ignore[arg-type]


def test_a_grid_runs_every_combination_once(fake_spec: Callable[..., Path], data_file: Path,
                                            tmp_path: Path) -> None:
    spec = fake_spec({"strategy": "Grid", "max_parallel": 2,
                      "ranges": {"x": {"type": "categorical", "values": [0.1, 0.3, 0.5]},
                                 "tag": {"type": "categorical", "values": ["a", "b"]}}})

    result, _ = _tune(spec, data_file, tmp_path)

    combos = sorted((t.hyperparameters["x"], t.hyperparameters["tag"]) for t in result.trials)
    assert combos == sorted(itertools.product([0.1, 0.3, 0.5], ["a", "b"]))
    assert result.best.hyperparameters["x"] == 0.3


def test_hyperband_stops_weak_trials_at_a_few_rounds(fake_spec: Callable[..., Path],
                                                    data_file: Path, tmp_path: Path) -> None:
    spec = fake_spec({"strategy": "Hyperband", "max_jobs": 12, "max_parallel": 1,
                      "random_seed": 5, "hyperband": {"min_resource": 1, "max_resource": 27}},
                     steps=27)

    result, lines = _tune(spec, data_file, tmp_path)

    pruned = [t for t in result.trials if t.state == "pruned"]
    assert pruned, result.table
    assert all(t.steps < 27 for t in pruned)
    assert result.best.state == "complete"
    assert any(" pruned after " in line for line in lines)


def test_early_stopping_auto_stops_trials_worse_than_the_median(
        fake_spec: Callable[..., Path], data_file: Path, tmp_path: Path) -> None:
    spec = fake_spec({"strategy": "Random", "max_jobs": 8, "max_parallel": 1, "random_seed": 2,
                      "early_stopping": "Auto"})

    result, _ = _tune(spec, data_file, tmp_path)

    pruned = [t for t in result.trials if t.state == "pruned"]
    assert pruned, result.table
    assert all(5 <= t.steps < 10 for t in pruned)  # after the warm-up, before the end
    assert all(t.value is not None and t.value > result.best.value for t in pruned)  # type: ignore[operator]


def test_failed_trials_are_recorded_and_the_search_goes_on(
        fake_spec: Callable[..., Path], data_file: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_FAIL_ABOVE", "0.6")
    # One at a time: optuna reseeds its sampler per worker thread when trials run in parallel
    spec = fake_spec({"strategy": "Random", "max_jobs": 6, "max_parallel": 1, "random_seed": 3})

    result, lines = _tune(spec, data_file, tmp_path)

    failed = [t for t in result.trials if t.state == "failed"]
    assert [t.number for t in failed] == [2, 5, 6]
    assert all(t.hyperparameters["x"] > 0.6 for t in failed)
    assert all(t.reason and t.reason.startswith("InvalidHyperparameter: x=") for t in failed)
    assert any(" failed (InvalidHyperparameter: x=" in line for line in lines)
    assert result.best.hyperparameters["x"] <= 0.6


def test_a_search_whose_first_trials_all_fail_stops(
        fake_spec: Callable[..., Path], data_file: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_FAIL_ABOVE", "-1")
    spec = fake_spec({"strategy": "Random", "max_jobs": 10, "max_parallel": 1})

    with pytest.raises(TuningFailed) as caught:
        _tune(spec, data_file, tmp_path)

    assert caught.value.message.startswith("no trial of fake-1 finished; first failure: "
                                           "InvalidHyperparameter: x=")
    assert len(list((tmp_path / "tuning" / "fake-1" / "trials").iterdir())) == 3


def test_an_objective_that_never_shows_stops_the_search_after_the_first_trial(
        fake_spec: Callable[..., Path], data_file: Path, tmp_path: Path) -> None:
    spec = fake_spec({"strategy": "Random", "max_jobs": 6, "max_parallel": 1}, quiet="yes")

    with pytest.raises(ObjectiveNotFound) as caught:
        _tune(spec, data_file, tmp_path)

    assert "the objective 'loss' (regex 'loss=([-+0-9.eE]+)') matched nothing in the output " \
        "of fake-1-001" in caught.value.message
    assert len(list((tmp_path / "tuning" / "fake-1" / "trials").iterdir())) == 1


def test_a_tuning_job_name_in_use_is_refused(fake_spec: Callable[..., Path], data_file: Path,
                                            tmp_path: Path) -> None:
    spec = fake_spec({"strategy": "Random", "max_jobs": 1})
    _tune(spec, data_file, tmp_path)

    with pytest.raises(JobError) as caught:
        _tune(spec, data_file, tmp_path)

    assert caught.value.message == (f"tuning job 'fake-1' already exists at "
                                    f"{tmp_path / 'tuning' / 'fake-1'}")
    result, _ = _tune(spec, data_file, tmp_path, overwrite=True)
    assert len(result.trials) == 1
