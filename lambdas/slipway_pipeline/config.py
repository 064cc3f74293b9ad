"""The pipeline steps' configuration, read and validated once per cold start from the environment."""
from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

from .errors import ConfigError

MODEL_BUCKET = "SLIPWAY_MODEL_BUCKET"
MODELS_PREFIX = "SLIPWAY_MODELS_PREFIX"
POINTER_KEY = "SLIPWAY_MODEL_POINTER_KEY"
CANDIDATE_PREFIX = "SLIPWAY_CANDIDATE_PREFIX"
OBJECTIVE_METRIC = "SLIPWAY_OBJECTIVE_METRIC"
OBJECTIVE_TYPE = "SLIPWAY_OBJECTIVE_TYPE"
TOLERANCE = "SLIPWAY_PROMOTION_TOLERANCE"

OBJECTIVE_TYPES = ("Maximize", "Minimize")
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_MODELS_PREFIX = re.compile(r"^models/[a-zA-Z0-9][a-zA-Z0-9-]{0,62}/$")  # contracts/pointer.schema.json


@dataclass(frozen=True)
class PipelineConfig:
    model_bucket: str
    models_prefix: str  # "models/<model name>/": promoted versions live at <prefix><version>/model.tar.gz
    pointer_key: str
    candidate_prefix: str  # where training writes candidates, e.g. "training/model/"
    objective_metric: str  # a manifest metrics key, e.g. "validation:accuracy"
    objective_type: str  # Maximize | Minimize
    tolerance: float  # how much worse than the serving model a candidate may be and still be promoted

    def artifact_key(self, version: str) -> str:
        return f"{self.models_prefix}{version}/model.tar.gz"

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> PipelineConfig:
        bucket = _required(environ, MODEL_BUCKET)
        if not _BUCKET.match(bucket):
            raise ConfigError(f"{MODEL_BUCKET} must be an S3 bucket name, got {bucket!r}")
        models_prefix = _required(environ, MODELS_PREFIX)
        if not _MODELS_PREFIX.match(models_prefix):
            raise ConfigError(f"{MODELS_PREFIX} must be 'models/<model name>/', got {models_prefix!r}")
        objective_type = _required(environ, OBJECTIVE_TYPE)
        if objective_type not in OBJECTIVE_TYPES:
            raise ConfigError(f"{OBJECTIVE_TYPE} must be one of {', '.join(OBJECTIVE_TYPES)}, got {objective_type!r}")
        raw_tolerance = environ.get(TOLERANCE, "0").strip()
        try:
            tolerance = float(raw_tolerance)
        except ValueError:
            raise ConfigError(f"{TOLERANCE} must be a number, got {raw_tolerance!r}") from None
        if not math.isfinite(tolerance) or tolerance < 0:
            raise ConfigError(f"{TOLERANCE} must be a finite number >= 0, got {raw_tolerance!r}")
        prefix = _required(environ, CANDIDATE_PREFIX)
        if not prefix.endswith("/") or prefix.startswith("/"):
            raise ConfigError(f"{CANDIDATE_PREFIX} must be a key prefix ending in '/', got {prefix!r}")
        return cls(model_bucket=bucket, models_prefix=models_prefix, pointer_key=_required(environ, POINTER_KEY),
                   candidate_prefix=prefix, objective_metric=_required(environ, OBJECTIVE_METRIC),
                   objective_type=objective_type, tolerance=tolerance)


def _required(environ: Mapping[str, str], name: str) -> str:
    value = environ.get(name, "").strip()
    if not value:
        raise ConfigError(f"{name} is required but is not set")
    return value
