"""One training run, start to finish: data -> model -> metrics -> ONNX (verified) -> model dir."""
from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

from . import data as data_module
from . import export, manifest, metrics
from . import model as model_module
from .env import TrainingEnv
from .errors import UnsupportedConfiguration
from .hyperparameters import Hyperparameters

log = logging.getLogger(__name__)


def run(env: TrainingEnv, hp: Hyperparameters, *, created_at: datetime | None = None) -> Path:
    """Writes model.onnx, model.ubj, metrics.json and (last) manifest.json to env.model_dir."""
    if len(env.hosts) > 1:
        # Every host would train the same model on the same data; refuse rather than waste them
        raise UnsupportedConfiguration(
            f"distributed training is not supported: got {len(env.hosts)} hosts; use 1 instance")
    train_dir = env.channel("train")
    assert train_dir is not None  # env always defaults a train channel
    dataset = data_module.load(train_dir, env.channel("validation"), hp.target,
                               hp.validation_fraction, hp.seed)
    model = model_module.train(dataset, hp, device=env.device, nthread=env.num_cpus)
    values = metrics.evaluate(model, dataset)
    metrics.emit(values)

    onnx_bytes = export.to_onnx(model, len(dataset.feature_names))
    export.verify(onnx_bytes, model, dataset.x_valid)

    model_dir = env.model_dir
    model_dir.mkdir(parents=True, exist_ok=True)
    (model_dir / manifest.ONNX_FILE).write_bytes(onnx_bytes)
    model.save_native(str(model_dir / manifest.NATIVE_FILE))
    metrics.write_json(model_dir / manifest.METRICS_FILE, values)
    # The manifest goes last: its presence means every file it lists is complete
    document = manifest.build(hp=hp, data=dataset, metrics=values,
                              files=manifest.describe_files(model_dir),
                              created_at=created_at or manifest.now())
    path = manifest.write(model_dir, document)
    log.info("wrote %s", path)
    return path
