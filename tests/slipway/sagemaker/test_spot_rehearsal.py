"""A spot interruption, rehearsed: SIGTERM reaches the real training script midway, the runner
syncs its checkpoints out (as SageMaker uploads them), and a restart of the same job resumes and
ends with the configured rounds and the very metrics of an uninterrupted run. Also: warm start
through the `model` channel, and SM_NUM_GPUS on a machine whose XGBoost cannot use a GPU."""
from __future__ import annotations

import json
import re
import signal
import subprocess
import tarfile
from pathlib import Path

import pandas as pd
import pytest
from sklearn.datasets import make_classification

from slipway.sagemaker import TrainingJobFailed, TrainingJobResult, run_training_job
from tests.training.datasets import write_csv

METRICS = [{"Name": n, "Regex": rf"{n}=([-+0-9.eE]+)"}
           for n in ("validation:logloss", "validation:accuracy", "validation:auc")]
ROUNDS = 300
# Subsampling on purpose: the resumed rounds must draw the samples the straight run drew
HYPERPARAMETERS = {"num_round": ROUNDS, "max_depth": 6, "eta": 0.05, "subsample": 0.8,
                   "colsample_bytree": 0.8, "checkpoint_interval": 25, "seed": 7}
SIGNAL_AT_ROUND = 10


@pytest.fixture(scope="module")
def csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Big enough that each round takes a moment: the signal lands long before the last round
    x, y = make_classification(n_samples=4000, n_features=20, n_informative=8, random_state=3)
    frame = pd.DataFrame(x, columns=[f"f{i}" for i in range(20)]).assign(target=y)
    return write_csv(frame, tmp_path_factory.mktemp("data") / "train.csv")


def _run(name: str, base: Path, csv: Path, **options: object) -> TrainingJobResult:
    return run_training_job(name, base_dir=base / "jobs", channels={"train": csv}, num_cpus=1,
                            hyperparameters={**HYPERPARAMETERS, "model_name": name},
                            metric_definitions=METRICS, **options)  # type: ignore[arg-type]


def _manifest(result: TrainingJobResult) -> dict:
    return json.loads((result.model_dir / "manifest.json").read_text())


def test_sigterm_midway_then_a_restart_matches_an_uninterrupted_run(
        csv: Path, tmp_path: Path) -> None:
    straight = _run("straight", tmp_path, csv, checkpoint_dir=tmp_path / "s3" / "straight")
    started: list[subprocess.Popen[str]] = []

    def interrupt_midway(line: str) -> None:
        if line.startswith(f"round={SIGNAL_AT_ROUND} "):
            started[0].send_signal(signal.SIGTERM)

    store = tmp_path / "s3" / "spot"
    with pytest.raises(TrainingJobFailed) as caught:
        _run("spot", tmp_path, csv, checkpoint_dir=store, on_start=started.append,
             on_line=interrupt_midway)
    stopped_at = int(re.match(r"Interrupted: SIGTERM after round (\d+) of 300; checkpoint ",
                              caught.value.reason).group(1))  # type: ignore[union-attr]
    resumed = _run("spot", tmp_path, csv, checkpoint_dir=store, overwrite=True)

    assert SIGNAL_AT_ROUND <= stopped_at < ROUNDS
    assert len(list(store.glob("xgboost-*.ubj"))) == 1
    resumed_rounds = [int(line.split()[0][6:]) for line in
                      resumed.log_path.read_text().splitlines() if line.startswith("round=")]
    assert resumed_rounds == list(range(stopped_at + 1, ROUNDS + 1))
    assert _manifest(resumed)["training"]["resumed_from_round"] == stopped_at
    assert _manifest(resumed)["training"]["rounds"] == _manifest(straight)["training"]["rounds"] \
        == ROUNDS
    assert resumed.metrics == straight.metrics
    assert (resumed.model_dir / "model.ubj").read_bytes() == \
        (straight.model_dir / "model.ubj").read_bytes()


def test_a_previous_model_tar_gz_in_the_model_channel_is_warm_started(
        csv: Path, tmp_path: Path) -> None:
    first = run_training_job("first", base_dir=tmp_path / "jobs", channels={"train": csv},
                             num_cpus=1, hyperparameters={"num_round": 10, "seed": 7})

    more = run_training_job("more", base_dir=tmp_path / "jobs", num_cpus=1,
                            channels={"train": csv, "model": first.model_artifact},
                            hyperparameters={"num_round": 5, "seed": 7})

    assert _manifest(more)["training"] | {"best_round": 0} == {
        "rounds": 15, "warm_start_rounds": 10, "device": "cpu", "resumed_from_round": None,
        "best_round": 0}
    with tarfile.open(more.model_artifact) as archive:
        assert "model.ubj" in archive.getnames()


def test_a_gpu_instance_with_a_cpu_only_xgboost_trains_on_the_cpu_and_says_so(
        csv: Path, tmp_path: Path) -> None:
    result = run_training_job("gpu", base_dir=tmp_path / "jobs", channels={"train": csv},
                              num_cpus=1, num_gpus=1, hyperparameters={"num_round": 3})

    log = result.log_path.read_text()
    assert "SM_NUM_GPUS=1 but this xgboost build has no CUDA support: training on the CPU" in log
    assert _manifest(result)["training"]["device"] == "cpu"
