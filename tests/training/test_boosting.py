"""The XGBoost loop in-process: device choice, checkpoints, resume after SIGTERM, early stopping
and warm start. (The same rehearsal through the real script and runner: tests/slipway/sagemaker.)"""
from __future__ import annotations

import json
import logging
import os
import signal
from pathlib import Path

import numpy as np
import pytest
import xgboost

from slipway_training import boosting, checkpoint, data
from slipway_training.data import Dataset
from slipway_training.errors import Interrupted, WarmStartMismatch
from slipway_training.fitted import FittedModel
from slipway_training.hyperparameters import Hyperparameters

from .datasets import breast_cancer_frame, write_csv


@pytest.fixture(scope="module")
def cancer(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    channel = tmp_path_factory.mktemp("cancer")
    write_csv(breast_cancer_frame(), channel / "d.csv")
    return data.load(channel, None, Hyperparameters())


def _train(dataset: Dataset, checkpoints: Path, model_channel: Path | None = None,
           **hp: object) -> FittedModel:
    return boosting.train(dataset, Hyperparameters(**hp), device="cpu", nthread=1,
                          checkpoint_dir=checkpoints, model_channel=model_channel)


def _proba(model: FittedModel, dataset: Dataset) -> np.ndarray:
    return model.pipeline.predict_proba(dataset.x_valid)


def _sigterm_after(monkeypatch: pytest.MonkeyPatch, rounds: int) -> None:
    original = checkpoint.Monitor.after_iteration

    def after_iteration(self, model, epoch, evals_log):  # type: ignore[no-untyped-def]
        if model.num_boosted_rounds() == rounds:
            os.kill(os.getpid(), signal.SIGTERM)  # what SageMaker sends on a spot interruption
        return original(self, model, epoch, evals_log)

    monkeypatch.setattr(checkpoint.Monitor, "after_iteration", after_iteration)


@pytest.mark.parametrize(("num_gpus", "has_cuda", "device"), [
    (0, True, "cpu"), (0, False, "cpu"), (1, True, "cuda"), (4, True, "cuda"), (1, False, "cpu")])
def test_the_gpu_is_used_when_sagemaker_gives_one_and_xgboost_can_use_it(
        num_gpus: int, has_cuda: bool, device: str) -> None:
    assert boosting.choose_device(num_gpus, has_cuda=has_cuda) == device


def test_without_cuda_support_the_fallback_to_the_cpu_is_said(
        caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        assert boosting.choose_device(1, has_cuda=False) == "cpu"

    assert "SM_NUM_GPUS=1 but this xgboost build has no CUDA support: training on the CPU" \
        in caplog.text


def test_the_booster_is_told_the_chosen_device(cancer: Dataset) -> None:
    settings, metric = boosting.params(Hyperparameters(), 2, device="cuda", nthread=4)

    assert (settings["device"], settings["objective"], metric) == (
        "cuda", "binary:logistic", "logloss")
    assert settings["seed_per_iteration"] is True


def test_every_round_prints_the_validation_metric(
        cancer: Dataset, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _train(cancer, tmp_path, num_round=3)

    lines = capsys.readouterr().out.splitlines()
    assert [line.split(" ")[0] for line in lines] == ["round=1", "round=2", "round=3"]
    assert all(line.split(" ")[1].startswith("validation:logloss=") for line in lines)


def test_sigterm_checkpoints_and_a_restart_ends_where_an_uninterrupted_run_ends(
        cancer: Dataset, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = {"num_round": 30, "subsample": 0.8, "colsample_bytree": 0.8, "checkpoint_interval": 4}
    uninterrupted = _train(cancer, tmp_path / "straight", **settings)
    _sigterm_after(monkeypatch, 13)

    with pytest.raises(Interrupted) as caught:
        _train(cancer, tmp_path / "spot", **settings)
    monkeypatch.undo()
    resumed = _train(cancer, tmp_path / "spot", **settings)

    assert caught.value.message.startswith("SIGTERM after round 13 of 30; checkpoint ")
    assert resumed.details["resumed_from_round"] == 13
    assert resumed.details["rounds"] == uninterrupted.details["rounds"] == 30
    assert np.array_equal(_proba(resumed, cancer), _proba(uninterrupted, cancer))
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL  # the handler is given back


def test_a_checkpoint_belongs_to_one_configuration(cancer: Dataset, tmp_path: Path) -> None:
    _train(cancer, tmp_path, num_round=4)
    other = _train(cancer, tmp_path, num_round=4, eta=0.1)

    assert len(list(tmp_path.glob("xgboost-*.ubj"))) == 2
    assert other.details["resumed_from_round"] is None


def test_a_finished_checkpoint_is_not_trained_again(cancer: Dataset, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    first = _train(cancer, tmp_path, num_round=6)
    capsys.readouterr()

    again = _train(cancer, tmp_path, num_round=6)

    assert capsys.readouterr().out == ""
    assert again.details["resumed_from_round"] == 6
    assert np.array_equal(_proba(again, cancer), _proba(first, cancer))


def test_a_torn_checkpoint_is_ignored(cancer: Dataset, tmp_path: Path,
                                      caplog: pytest.LogCaptureFixture) -> None:
    _train(cancer, tmp_path, num_round=4)
    [path] = tmp_path.glob("xgboost-*.ubj")
    path.write_bytes(path.read_bytes()[:100])

    with caplog.at_level(logging.WARNING):
        model = _train(cancer, tmp_path, num_round=4)

    assert model.details["resumed_from_round"] is None
    assert f"ignoring unreadable checkpoint {path}" in caplog.text


def test_early_stopping_keeps_the_best_round(cancer: Dataset, tmp_path: Path) -> None:
    model = _train(cancer, tmp_path, num_round=300, eta=0.5, early_stopping_rounds=5)

    assert model.details["rounds"] == model.details["best_round"] < 300
    assert model.booster.num_boosted_rounds() == model.details["best_round"]


def _save_model_dir(model: FittedModel, dataset: Dataset, directory: Path) -> Path:
    directory.mkdir(parents=True)
    model.booster.save_model(str(directory / "model.ubj"))
    manifest = {"task": "classification", "algorithm": "xgboost", "classes": [0, 1],
                "features": [f.manifest() for f in dataset.schema.features]}
    (directory / "manifest.json").write_text(json.dumps(manifest))
    return directory


def test_warm_start_continues_a_previous_model(cancer: Dataset, tmp_path: Path) -> None:
    previous = _train(cancer, tmp_path / "c1", num_round=10)
    channel = _save_model_dir(previous, cancer, tmp_path / "model")

    model = _train(cancer, tmp_path / "c2", model_channel=channel, num_round=5)

    assert (model.details["rounds"], model.details["warm_start_rounds"]) == (15, 10)
    first_ten = model.booster[:10].predict(xgboost.DMatrix(cancer.x_valid))
    assert np.array_equal(first_ten, previous.booster.predict(xgboost.DMatrix(cancer.x_valid)))


def test_warm_start_from_a_model_with_other_features_is_refused(
        cancer: Dataset, tmp_path: Path) -> None:
    previous = _train(cancer, tmp_path / "c1", num_round=2)
    channel = _save_model_dir(previous, cancer, tmp_path / "model")
    manifest = json.loads((channel / "manifest.json").read_text())
    manifest["features"][0]["name"] = "radius"
    (channel / "manifest.json").write_text(json.dumps(manifest))

    with pytest.raises(WarmStartMismatch) as caught:
        _train(cancer, tmp_path / "c2", model_channel=channel, num_round=2)

    assert caught.value.message.startswith(f"the features of {channel / 'model.ubj'} differ")
