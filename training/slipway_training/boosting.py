"""XGBoost: preprocessing fitted once, then a boosting loop that prints every round, checkpoints,
resumes after an interruption, continues a warm-started model, stops early, and runs on the GPU
when SageMaker gives it one."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import xgboost
from sklearn.pipeline import Pipeline

from . import families, warm_start
from .checkpoint import STOP, CheckpointStore, Monitor, config_key, fresh_state, stop_on_sigterm
from .data import Dataset
from .errors import Interrupted
from .fitted import FittedModel
from .hyperparameters import Hyperparameters
from .metric_names import PER_ROUND

log = logging.getLogger(__name__)


def cuda_built() -> bool:
    return bool(xgboost.build_info().get("USE_CUDA"))


def choose_device(num_gpus: int, *, has_cuda: bool | None = None) -> str:
    """`cuda` when SageMaker reports GPUs (SM_NUM_GPUS > 0) and this XGBoost build can use them;
    otherwise `cpu`, saying why, rather than failing the job."""
    if num_gpus <= 0:
        return "cpu"
    if not (cuda_built() if has_cuda is None else has_cuda):
        log.warning("SM_NUM_GPUS=%d but this xgboost build has no CUDA support: training on the "
                    "CPU", num_gpus)
        return "cpu"
    return "cuda"


def params(hp: Hyperparameters, n_classes: int | None, *, device: str, nthread: int
           ) -> tuple[dict[str, Any], str]:
    if n_classes is None:
        objective, metric = {"objective": "reg:squarederror"}, "rmse"
    elif n_classes == 2:
        objective, metric = {"objective": "binary:logistic"}, "logloss"
    else:
        objective, metric = {"objective": "multi:softprob", "num_class": n_classes}, "mlogloss"
    return {**objective, "eval_metric": metric, "tree_method": "hist", "device": device,
            "nthread": nthread, "seed": hp.seed, "seed_per_iteration": True,
            "max_depth": hp.value("max_depth"), "eta": hp.eta, "subsample": hp.subsample,
            "colsample_bytree": hp.colsample_bytree, "min_child_weight": hp.min_child_weight,
            "gamma": hp.gamma, "alpha": hp.value("alpha"), "lambda": hp.reg_lambda}, metric


def _wrap(booster: xgboost.Booster, task: str) -> xgboost.XGBModel:
    """The booster as a scikit-learn estimator (what the ONNX converter reads)."""
    model = xgboost.XGBClassifier() if task == "classification" else xgboost.XGBRegressor()
    model.load_model(bytearray(booster.save_raw("ubj")))
    return model


def train(data: Dataset, hp: Hyperparameters, *, device: str, nthread: int,
          checkpoint_dir: Path, model_channel: Path | None) -> FittedModel:
    preprocess = families.preprocessor(data.schema, algorithm="xgboost").fit(data.x_train)
    x_train, x_valid = preprocess.transform(data.x_train), preprocess.transform(data.x_valid)
    n_classes = len(data.classes) if data.classes else None
    settings, metric = params(hp, n_classes, device=device, nthread=nthread)
    warm = warm_start.load(model_channel, task=data.task,
                           features=[f.manifest() for f in data.schema.features],
                           classes=list(data.classes) if data.classes else None,
                           width=x_train.shape[1])
    base_rounds = warm.booster.num_boosted_rounds() if warm else 0
    target_rounds = base_rounds + hp.num_round
    key = config_key(data=data.fingerprint, width=x_train.shape[1],
                     warm=warm.sha256 if warm else None,
                     hyperparameters={k: v for k, v in hp.as_dict().items()
                                      if k not in ("num_round", "checkpoint_interval")})
    store = CheckpointStore(checkpoint_dir, key)
    resumed = store.load()
    if resumed is not None:
        booster, state = resumed
        log.info("resuming from checkpoint %s after round %d", store.path, state["rounds"])
        resumed_from: int | None = state["rounds"]
    else:
        resumed_from = None
        booster, state = (warm.booster if warm else None), fresh_state(base_rounds)
    remaining = 0 if state["stopped_early"] else target_rounds - state["rounds"]
    log.info("training xgboost: %d of %d rounds to go, device %s, %d threads", max(remaining, 0),
             target_rounds, device, nthread)
    if remaining > 0:
        monitor = Monitor(store=store, state=state, eval_metric=metric,
                          printed_name=PER_ROUND[data.task], interval=hp.checkpoint_interval,
                          patience=hp.early_stopping_rounds, target_rounds=target_rounds)
        with stop_on_sigterm():
            booster = xgboost.train(
                settings, xgboost.DMatrix(x_train, label=data.y_train, nthread=nthread),
                remaining, evals=[(xgboost.DMatrix(x_valid, label=data.y_valid,
                                                   nthread=nthread), "validation")],
                xgb_model=booster, callbacks=[monitor], verbose_eval=False)
            if STOP.is_set():
                raise Interrupted(f"SIGTERM after round {state['rounds']} of {target_rounds}; "
                                  f"checkpoint {store.path} resumes this run")
    if state["stopped_early"]:
        booster = booster[: state["best_round"] + 1]
    booster.set_param({"device": "cpu"})  # the saved model must not ask its reader for a GPU
    pipeline = Pipeline([("preprocess", preprocess), ("model", _wrap(booster, data.task))])
    details = {"rounds": booster.num_boosted_rounds(), "device": device,
               "warm_start_rounds": base_rounds, "resumed_from_round": resumed_from}
    if state["best_round"] is not None:
        details["best_round"] = state["best_round"] + 1
    return FittedModel(task=data.task, algorithm="xgboost", pipeline=pipeline, booster=booster,
                       details=details)

