"""The fixed problem both strategies search: XGBoost on a fixed synthetic table (2,000 rows, 20
features, 5 % label noise), validation logloss, over the shipped spec's search space
(training/jobs/xgboost-classifier.yaml) with its static hyperparameters but a smaller round
budget (STATIC_OVERRIDES), each trial trained in-process by the trainer's own code (data loading,
the boosting loop with early stopping, the metrics) without the subprocess and the ONNX export,
so hundreds of trials fit in minutes. The strategies come from slipway.tuning: the very samplers
`slipway tune` uses."""
from __future__ import annotations

import contextlib
import dataclasses
import io
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import optuna
import pandas as pd
from sklearn.datasets import make_classification

from slipway.jobs import JobSpec, load_job_spec
from slipway.tuning import space, strategy

REPO = Path(__file__).resolve().parents[2]
SPEC = REPO / "training" / "jobs" / "xgboost-classifier.yaml"
sys.path.insert(0, str(REPO / "training"))

from slipway_training import boosting, data, metrics  # noqa: E402
from slipway_training.hyperparameters import from_strings  # noqa: E402


# Fewer rounds than the spec's 300 (and no checkpoint writes): a trial costs ~0.1-2 s, not 6 s
STATIC_OVERRIDES = {"num_round": "100", "early_stopping_rounds": "10",
                    "checkpoint_interval": "1000"}


def table(directory: Path) -> Path:
    x, y = make_classification(n_samples=2000, n_features=20, n_informative=8, n_redundant=4,
                               flip_y=0.05, class_sep=0.8, random_state=2026)
    frame = pd.DataFrame(x, columns=[f"f{i:02d}" for i in range(20)]).assign(target=y)
    directory.mkdir(parents=True, exist_ok=True)
    frame.to_csv(directory / "train.csv", index=False)
    return directory


def objective(spec: JobSpec, channel: Path) -> Callable[[dict[str, Any]], float]:
    """Validation logloss for one configuration; memoised, the trainer is deterministic."""
    static = {**{k: str(v) for k, v in spec.hyperparameters.items()}, **STATIC_OVERRIDES}
    dataset = data.load(channel, None, from_strings(static))
    cache: dict[tuple[tuple[str, str], ...], float] = {}

    def evaluate(chosen: dict[str, Any]) -> float:
        values = {**static, **{k: str(v) for k, v in chosen.items()}}
        key = tuple(sorted(values.items()))
        if key not in cache:
            hp = from_strings(values)
            with tempfile.TemporaryDirectory() as checkpoints, \
                    contextlib.redirect_stdout(io.StringIO()):
                model = boosting.train(dataset, hp, device="cpu", nthread=1,
                                       checkpoint_dir=Path(checkpoints), model_channel=None)
            cache[key] = metrics.evaluate(model, dataset)["validation:logloss"]
        return cache[key]

    return evaluate


def _tuning(spec: JobSpec, name: str, trials: int) -> Any:
    assert spec.tuning is not None
    return dataclasses.replace(spec.tuning, strategy=name, max_jobs=trials, early_stopping="Off")


def startup_trials(spec: JobSpec, trials: int) -> int:
    return strategy.startup_trials(_tuning(spec, "Bayesian", trials))


def search(spec: JobSpec, name: str, seed: int, trials: int,
           evaluate: Callable[[dict[str, Any]], float]) -> list[float]:
    """One search of `trials` trials with the strategy `name`; the objective per trial."""
    tuning = _tuning(spec, name, trials)
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    study = optuna.create_study(direction=strategy.direction(tuning),
                                sampler=strategy.sampler(tuning, seed))
    study.optimize(lambda trial: evaluate(space.sample(trial, tuning.ranges)), n_trials=trials)
    return [float(t.value) for t in sorted(study.trials, key=lambda t: t.number)]


def load_spec() -> JobSpec:
    return load_job_spec(SPEC)
