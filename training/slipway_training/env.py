"""The SageMaker training environment, read once from the SM_* variables into a typed object.

Every unset variable falls back to the `/opt/ml` layout under SAGEMAKER_BASE_DIR, so the script runs
unchanged in the container, under the local runner, and by hand.
"""
from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from .errors import InvalidEnvironment

DEFAULT_BASE_DIR = "/opt/ml"
CHANNEL_PREFIX = "SM_CHANNEL_"


@dataclass(frozen=True)
class TrainingEnv:
    base_dir: Path
    model_dir: Path
    output_dir: Path
    output_data_dir: Path
    checkpoint_dir: Path
    channels: Mapping[str, Path] = field(default_factory=lambda: MappingProxyType({}))
    num_gpus: int = 0
    num_cpus: int = 1
    hosts: tuple[str, ...] = ("localhost",)
    current_host: str = "localhost"

    def channel(self, name: str) -> Path | None:
        return self.channels.get(name)

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> TrainingEnv:
        base = base_dir(environ)
        return cls(
            base_dir=base,
            model_dir=Path(environ.get("SM_MODEL_DIR", base / "model")),
            output_dir=output_dir(environ),
            output_data_dir=Path(environ.get("SM_OUTPUT_DATA_DIR", base / "output" / "data")),
            # SageMaker syncs <base>/checkpoints with S3 (spot resumption); no SM_* names it
            checkpoint_dir=base / "checkpoints",
            channels=MappingProxyType(_channels(environ, base)),
            num_gpus=_count(environ, "SM_NUM_GPUS", 0),
            num_cpus=_count(environ, "SM_NUM_CPUS", os.cpu_count() or 1, minimum=1),
            hosts=_hosts(environ),
            current_host=environ.get("SM_CURRENT_HOST", "localhost"),
        )


def base_dir(environ: Mapping[str, str]) -> Path:
    return Path(environ.get("SAGEMAKER_BASE_DIR", DEFAULT_BASE_DIR))


def output_dir(environ: Mapping[str, str]) -> Path:
    """Separate from TrainingEnv so the failure file has a home even when the rest is invalid."""
    return Path(environ.get("SM_OUTPUT_DIR", base_dir(environ) / "output"))


def _channels(environ: Mapping[str, str], base: Path) -> dict[str, Path]:
    channels = {
        key[len(CHANNEL_PREFIX):].lower(): Path(value)
        for key, value in environ.items()
        if key.startswith(CHANNEL_PREFIX)
    }
    # By hand there may be no SM_CHANNEL_* at all: every folder under input/data is a channel
    data_dir = base / "input" / "data"
    if data_dir.is_dir():
        for child in sorted(data_dir.iterdir()):
            if child.is_dir():
                channels.setdefault(child.name.lower(), child)
    channels.setdefault("train", data_dir / "train")
    return channels


def _count(environ: Mapping[str, str], key: str, default: int, minimum: int = 0) -> int:
    raw = environ.get(key)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidEnvironment(f"{key} must be an integer, got {raw!r}") from None
    if value < minimum:
        raise InvalidEnvironment(f"{key} must be >= {minimum}, got {raw!r}")
    return value


def _hosts(environ: Mapping[str, str]) -> tuple[str, ...]:
    raw = environ.get("SM_HOSTS")
    if not raw:
        return ("localhost",)
    try:
        hosts = json.loads(raw)
    except json.JSONDecodeError:
        raise InvalidEnvironment(f"SM_HOSTS must be a JSON list of host names, got {raw!r}") from None
    if not isinstance(hosts, list) or not hosts or not all(isinstance(h, str) for h in hosts):
        raise InvalidEnvironment(f"SM_HOSTS must be a non-empty JSON list of strings, got {raw!r}")
    return tuple(hosts)
