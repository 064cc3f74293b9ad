"""Boosting checkpoints that survive a spot interruption.

SageMaker syncs the checkpoint directory with S3 and, after an interruption, restores it before it
starts the script again. A checkpoint is one UBJ booster file whose attributes carry the loop's
state (rounds done, early-stopping bookkeeping), written atomically, so there is never a booster
without its state. Its name holds a digest of everything that shapes the model but the number of
rounds: a run only ever resumes its own configuration, even when tuning trials share a directory.

SIGTERM (what SageMaker sends on a spot interruption or a stop) sets a flag; after the round in
flight, the monitor saves a checkpoint and stops the loop. `seed_per_iteration` (boosting.py)
makes the resumed rounds draw the very samples the uninterrupted run would have drawn.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import xgboost

from .metric_names import round_line

log = logging.getLogger(__name__)
STATE_ATTRIBUTE = "slipway_checkpoint"
STOP = threading.Event()


@contextmanager
def stop_on_sigterm() -> Iterator[None]:
    STOP.clear()
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers belong to the main thread; a thread stops by setting STOP
        return
    previous = signal.signal(signal.SIGTERM, lambda _signum, _frame: STOP.set())
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def config_key(**parts: Any) -> str:
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class CheckpointStore:
    directory: Path
    key: str

    @property
    def path(self) -> Path:
        return self.directory / f"xgboost-{self.key}.ubj"

    def load(self) -> tuple[xgboost.Booster, dict[str, Any]] | None:
        if not self.path.is_file():
            return None
        try:
            booster = xgboost.Booster(model_file=str(self.path))
            state = json.loads(booster.attr(STATE_ATTRIBUTE) or "")
        except (xgboost.core.XGBoostError, ValueError) as error:
            # A torn or foreign file must not end the job: start over, and say so
            log.warning("ignoring unreadable checkpoint %s: %s", self.path, error)
            return None
        if state.get("rounds") != booster.num_boosted_rounds():
            log.warning("ignoring checkpoint %s: its state does not match its booster", self.path)
            return None
        return booster, state

    def save(self, booster: xgboost.Booster, state: dict[str, Any]) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        booster.set_attr(**{STATE_ATTRIBUTE: json.dumps(state, sort_keys=True)})
        partial = self.path.with_suffix(".partial.ubj")
        booster.save_model(str(partial))
        os.replace(partial, self.path)  # atomic: a reader sees the old file or the new one
        booster.set_attr(**{STATE_ATTRIBUTE: None})


def fresh_state(rounds: int) -> dict[str, Any]:
    return {"rounds": rounds, "best_round": None, "best_score": None, "stopped_early": False}


class Monitor(xgboost.callback.TrainingCallback):
    """Prints each round's validation metric, keeps early-stopping state, checkpoints, and stops
    on SIGTERM or when the metric has not improved for `patience` rounds."""

    def __init__(self, *, store: CheckpointStore, state: dict[str, Any], eval_metric: str,
                 printed_name: str, interval: int, patience: int, target_rounds: int) -> None:
        super().__init__()
        self.store, self.state = store, state
        self.eval_metric, self.printed_name = eval_metric, printed_name
        self.interval, self.patience, self.target_rounds = interval, patience, target_rounds

    def after_iteration(self, model: xgboost.Booster, epoch: int, evals_log: Any) -> bool:
        rounds = model.num_boosted_rounds()
        value = float(evals_log["validation"][self.eval_metric][-1])
        print(round_line(rounds, self.printed_name, value), flush=True)
        state = self.state
        state["rounds"] = rounds
        if state["best_score"] is None or value < state["best_score"]:
            state["best_score"], state["best_round"] = value, rounds - 1
        if self.patience and rounds - 1 - state["best_round"] >= self.patience:
            state["stopped_early"] = True
            log.info("early stopping after round %d: best round %d", rounds,
                     state["best_round"] + 1)
        stop = STOP.is_set() or state["stopped_early"]
        if stop or rounds % self.interval == 0 or rounds >= self.target_rounds:
            self.store.save(model, state)
        return stop
