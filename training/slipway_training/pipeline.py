"""One training run, start to finish: data -> model -> metrics -> ONNX (verified) -> model dir."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from . import boosting, export, fitted, manifest, metrics
from . import data as data_module
from .env import TrainingEnv
from .errors import UnsupportedConfiguration
from .hyperparameters import Hyperparameters

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunResult:
    manifest_path: Path
    model: fitted.FittedModel
    dataset: data_module.Dataset
    metrics: dict[str, float]
    gaps: dict[str, float]  # ONNX vs native, per output (export.verify)


def fit(env: TrainingEnv, hp: Hyperparameters, dataset: data_module.Dataset
        ) -> fitted.FittedModel:
    if hp.algorithm == "xgboost":
        return boosting.train(dataset, hp, device=boosting.choose_device(env.num_gpus),
                              nthread=env.num_cpus, checkpoint_dir=env.checkpoint_dir,
                              model_channel=env.channel("model"))
    return fitted.fit(dataset, hp, num_cpus=env.num_cpus)


def check_configuration(env: TrainingEnv, hp: Hyperparameters) -> None:
    """What can be refused before a single row is read."""
    if len(env.hosts) > 1:
        # Every host would train the same model on the same data; refuse rather than waste them
        raise UnsupportedConfiguration(
            f"distributed training is not supported: got {len(env.hosts)} hosts; use 1 instance")
    model_channel = env.channel("model")
    if hp.algorithm != "xgboost" and model_channel is not None and model_channel.exists():
        raise UnsupportedConfiguration(
            f"warm start through the 'model' channel is for xgboost; {hp.algorithm} trains "
            "from scratch (drop the channel)")


def run(env: TrainingEnv, hp: Hyperparameters, *, created_at: datetime | None = None
        ) -> RunResult:
    """Writes model.onnx (+ model.ubj for XGBoost), metrics.json and, last, manifest.json."""
    check_configuration(env, hp)
    train_dir = env.channel("train")
    assert train_dir is not None  # env always defaults a train channel
    dataset = data_module.load(train_dir, env.channel("validation"), hp)
    model = fit(env, hp, dataset)
    values = metrics.evaluate(model, dataset)
    metrics.emit(values)

    onnx_bytes = export.to_onnx(model, len(dataset.feature_names))
    gaps = export.verify(onnx_bytes, model, dataset.x_valid)

    model_dir = env.model_dir
    model_dir.mkdir(parents=True, exist_ok=True)
    (model_dir / manifest.ONNX_FILE).write_bytes(onnx_bytes)
    if model.booster is not None:
        model.booster.save_model(str(model_dir / manifest.NATIVE_FILE))
    metrics.write_json(model_dir / manifest.METRICS_FILE, values)
    # The manifest goes last: its presence means every file it lists is complete
    document = manifest.build(hp=hp, data=dataset, metrics=values,
                              files=manifest.describe_files(model_dir),
                              created_at=created_at or manifest.now(), training=model.details)
    path = manifest.write(model_dir, document)
    log.info("wrote %s", path)
    return RunResult(manifest_path=path, model=model, dataset=dataset, metrics=values, gaps=gaps)
