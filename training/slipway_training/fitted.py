"""A fitted model of any family: one scikit-learn Pipeline (preprocessing + model) that both the
ONNX converter and the fidelity check read, plus the native booster for XGBoost."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.pipeline import Pipeline

from . import families
from .data import Dataset
from .errors import UnsupportedConfiguration
from .hyperparameters import Hyperparameters
from .tasks import OUTPUTS

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FittedModel:
    task: str
    algorithm: str
    pipeline: Pipeline
    booster: Any = None  # xgboost.Booster for XGBoost; saved as model.ubj
    details: dict[str, Any] = field(default_factory=dict)  # rounds, best round, device, ...

    @property
    def model(self) -> Any:
        return self.pipeline.steps[-1][1]

    def outputs(self, x: np.ndarray) -> dict[str, np.ndarray]:
        """The native model's answer for every ONNX output of its task, by output name."""
        p = self.pipeline
        if self.task == "classification":
            values = [p.predict(x), p.predict_proba(x)]
        elif self.task == "regression":
            values = [p.predict(x)]
        elif self.task == "clustering":
            values = [p.predict(x), p.transform(x)]
        elif self.task == "dimensionality_reduction":
            values = [p.transform(x)]
        else:  # anomaly_detection: decision_function >= 0 is an inlier, so higher is more normal
            values = [p.predict(x), p.decision_function(x)]
        return {name: np.asarray(value) for name, value in zip(OUTPUTS[self.task], values)}


def fit(data: Dataset, hp: Hyperparameters, *, num_cpus: int) -> FittedModel:
    """A scikit-learn family (XGBoost trains in boosting.py)."""
    pipeline = families.pipeline(hp, data.schema, num_cpus=num_cpus)
    log.info("training %s (%s) on %d rows", hp.algorithm, hp.task, len(data.x_train))
    try:
        pipeline.fit(data.x_train, data.y_train)
    except ValueError as error:
        # e.g. more components or clusters than the data can give: a configuration problem
        raise UnsupportedConfiguration(f"{hp.algorithm} cannot be fitted with these "
                                       f"hyperparameters: {error}") from None
    return FittedModel(task=hp.task, algorithm=hp.algorithm, pipeline=pipeline)
