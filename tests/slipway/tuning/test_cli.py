from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from slipway.cli import main


def test_tune_prints_the_table_the_best_and_where_the_results_are(
        fake_spec: Callable[..., Path], data_file: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    spec = fake_spec({"strategy": "Random", "max_jobs": 10, "max_parallel": 2, "random_seed": 1})

    code = main(["--project", str(tmp_path), "tune", str(spec), "--channel",
                 f"train={data_file}", "--max-jobs", "3", "--job-name", "cli-tune"])

    out = capsys.readouterr().out
    work = tmp_path / ".slipway" / "tuning" / "cli-tune"
    assert code == 0
    assert out.startswith("tuning cli-tune: 3 trials, 2 at a time, Random search, minimize loss")
    assert "#   job           state     loss" in out
    assert f"candidate {work / 'candidate' / 'model.tar.gz'}" in out
    assert f"plot      {work / 'tuning.png'}" in out
    assert (work / "results.csv").is_file()


def test_a_search_where_every_trial_fails_exits_1(
        fake_spec: Callable[..., Path], data_file: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("FAKE_FAIL_ABOVE", "-1")
    spec = fake_spec({"strategy": "Random", "max_jobs": 5})

    code = main(["--project", str(tmp_path), "tune", str(spec), "--channel",
                 f"train={data_file}", "--job-name", "doomed"])

    assert code == 1
    assert capsys.readouterr().err.startswith(
        "slipway: TuningJobFailed: no trial of doomed finished; first failure: "
        "InvalidHyperparameter: x=")
