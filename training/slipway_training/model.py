"""The XGBoost classifier: hyperparameters in, a fitted estimator out."""
from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import xgboost

from .data import Dataset
from .hyperparameters import Hyperparameters

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrainedModel:
    estimator: xgboost.XGBClassifier
    n_classes: int

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        """(n, n_classes) for binary too, so callers never special-case two classes."""
        return np.asarray(self.estimator.predict_proba(x))

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Indices into the manifest's classes; labels were encoded before fitting."""
        return np.asarray(self.estimator.predict(x)).astype(np.int64)

    def save_native(self, path: str) -> None:
        self.estimator.get_booster().save_model(path)


def train(data: Dataset, hp: Hyperparameters, *, device: str, nthread: int) -> TrainedModel:
    estimator = xgboost.XGBClassifier(
        n_estimators=hp.num_round,
        max_depth=hp.max_depth,
        learning_rate=hp.eta,
        subsample=hp.subsample,
        colsample_bytree=hp.colsample_bytree,
        min_child_weight=hp.min_child_weight,
        random_state=hp.seed,
        tree_method="hist",
        device=device,
        n_jobs=nthread,
    )
    log.info("training xgboost: %d rounds, depth %d, device %s, %d threads",
             hp.num_round, hp.max_depth, device, nthread)
    estimator.fit(data.x_train, data.y_train)
    return TrainedModel(estimator=estimator, n_classes=len(data.classes))
