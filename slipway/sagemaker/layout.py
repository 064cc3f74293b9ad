"""The `/opt/ml`-shaped tree of one local training job, laid out under `<base>/<job>/` the way
SageMaker lays it out in the container before it starts the script."""
from __future__ import annotations

import json
import re
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import InvalidTrainingRequest

LOCAL_HOST = "localhost"  # "algo-1" makes the toolkit wait on DNS for minutes (FINDINGS.md)
CHANNEL_NAME = re.compile(r"^[A-Za-z0-9.\-_]{1,64}$")


@dataclass(frozen=True)
class JobLayout:
    root: Path  # plays /opt/ml

    @property
    def config_dir(self) -> Path:
        return self.root / "input" / "config"

    @property
    def data_dir(self) -> Path:
        return self.root / "input" / "data"

    @property
    def model_dir(self) -> Path:
        return self.root / "model"

    @property
    def output_dir(self) -> Path:
        return self.root / "output"

    @property
    def output_data_dir(self) -> Path:
        return self.output_dir / "data"

    @property
    def intermediate_dir(self) -> Path:
        return self.output_dir / "intermediate"

    @property
    def checkpoint_dir(self) -> Path:
        return self.root / "checkpoints"

    @property
    def failure_path(self) -> Path:
        return self.output_dir / "failure"

    @property
    def log_path(self) -> Path:
        return self.root / "training.log"

    @property
    def model_artifact(self) -> Path:
        # SageMaker's S3 key is <output path>/<job>/output/model.tar.gz; same relative place here
        return self.output_dir / "model.tar.gz"

    @property
    def output_artifact(self) -> Path:
        return self.output_dir / "output.tar.gz"

    def channel_dir(self, name: str) -> Path:
        return self.data_dir / name

    def resource_config(self) -> dict[str, Any]:
        return {"current_host": LOCAL_HOST, "hosts": [LOCAL_HOST],
                "network_interface_name": "lo", "current_instance_type": "local",
                "current_group_name": "homogeneousCluster",
                "instance_groups": [{"instance_group_name": "homogeneousCluster",
                                     "instance_type": "local", "hosts": [LOCAL_HOST]}]}


def input_data_config(channels: Mapping[str, Path]) -> dict[str, dict[str, str]]:
    return {name: {"TrainingInputMode": "File", "S3DistributionType": "FullyReplicated",
                   "RecordWrapperType": "None", **_content_type(source)}
            for name, source in channels.items()}


def _content_type(source: Path) -> dict[str, str]:
    files = [source] if source.is_file() else [p for p in source.rglob("*") if p.is_file()]
    return {"ContentType": "text/csv"} if files and all(
        p.suffix == ".csv" for p in files) else {}


def check_channels(channels: Mapping[str, Path]) -> None:
    for name, source in channels.items():
        if not CHANNEL_NAME.match(name):
            raise InvalidTrainingRequest(
                f"channel name {name!r} must be 1-64 letters, digits, '.', '-' or '_'")
        if not source.exists():
            raise InvalidTrainingRequest(f"channel {name!r}: {source} does not exist")


def prepare(root: Path, channels: Mapping[str, Path], hyperparameters: Mapping[str, str]
            ) -> JobLayout:
    """Creates the tree, writes input/config/*.json and copies every channel's data in."""
    layout = JobLayout(root)
    for directory in (layout.config_dir, layout.model_dir, layout.output_data_dir,
                      layout.intermediate_dir, layout.checkpoint_dir):
        directory.mkdir(parents=True, exist_ok=True)
    _write_json(layout.config_dir / "hyperparameters.json", dict(hyperparameters))
    _write_json(layout.config_dir / "resourceconfig.json", layout.resource_config())
    _write_json(layout.config_dir / "inputdataconfig.json", input_data_config(channels))
    for name, source in channels.items():
        target = layout.channel_dir(name)
        # File mode: the script sees a private copy, never the caller's files
        if source.is_dir():
            shutil.copytree(source, target)
        else:
            target.mkdir(parents=True)
            shutil.copy2(source, target / source.name)
    return layout


def _write_json(path: Path, document: object) -> None:
    path.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n", encoding="utf-8")
