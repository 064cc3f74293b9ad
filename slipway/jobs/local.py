"""`slipway train SPEC`: one job from a spec, run on this machine by the local runner exactly as
SageMaker would run it (same hyperparameter text, same metric regexes, same limits)."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from slipway.sagemaker.runner import TrainingJobResult, run_training_job

from .preflight import preflight
from .render import encode_hyperparameters
from .spec import JobSpec

MAX_JOB_NAME = 63


def unique_job_name(base: str, *, limit: int = MAX_JOB_NAME, now: datetime | None = None) -> str:
    stamp = (now or datetime.now(timezone.utc)).strftime("%Y%m%d-%H%M%S")
    return f"{base[:limit - len(stamp) - 1].rstrip('-')}-{stamp}"


def hyperparameters(spec: JobSpec, overrides: Mapping[str, Any] | None = None) -> dict[str, str]:
    """The JSON text SageMaker would hand the container, so the script sees what it sees there."""
    return encode_hyperparameters({**spec.hyperparameters, **dict(overrides or {})})


def train_locally(spec: JobSpec, *, channels: Mapping[str, Path], base_dir: Path,
                  job_name: str | None = None, overrides: Mapping[str, Any] | None = None,
                  on_line: Callable[[str], None] | None = None, num_cpus: int | None = None,
                  checkpoint_dir: Path | None = None) -> TrainingJobResult:
    preflight(spec)
    return run_training_job(
        job_name or unique_job_name(spec.name), base_dir=base_dir, channels=channels,
        hyperparameters=hyperparameters(spec, overrides),
        metric_definitions=[m.as_request() for m in spec.metrics], source_dir=spec.source_dir,
        entry_point=spec.entry_point, max_runtime_s=spec.max_runtime_seconds, on_line=on_line,
        num_cpus=num_cpus, checkpoint_dir=checkpoint_dir)
