"""Serving configuration: read and validated once, at cold start, from the environment."""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath

from .errors import ConfigError

_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
DEFAULT_METRICS_NAMESPACE = "Slipway"


@dataclass(frozen=True)
class Limits:
    """Hard limits; not configurable through the environment (docs/contracts.md §5)."""

    max_body_bytes: int = 6 * 1024 * 1024  # Lambda's synchronous payload limit
    # The response as Lambda returns it (body escaped inside the JSON envelope) must stay under
    # the same 6 MB; 16 KiB is left for the envelope and headers.
    max_response_bytes: int = 6 * 1024 * 1024 - 16 * 1024
    max_instances: int = 10_000
    max_csv_bytes: int = 100 * 1000 * 1000  # one CSV object dropped in the batch/ inbox
    csv_chunk_rows: int = 20_000  # rows of a CSV converted and predicted per ONNX call
    max_artifact_bytes: int = 256 * 1024 * 1024  # model.tar.gz as downloaded
    max_member_bytes: int = 256 * 1024 * 1024  # one file inside it, uncompressed
    max_members: int = 32


@dataclass(frozen=True)
class ServingConfig:
    model_bucket: str
    pointer_key: str
    cache_dir: str
    results_bucket: str | None = None
    results_prefix: str = "results/"
    rejects_prefix: str = "rejects/"
    predictions_prefix: str = "predictions/"
    batch_prefix: str = "batch/"
    pointer_ttl_s: float = 60.0
    service: str = "slipway-serving"
    metrics_namespace: str = DEFAULT_METRICS_NAMESPACE
    limits: Limits = Limits()

    @classmethod
    def from_env(cls, environ: Mapping[str, str], *, scorer: bool = False,
                 service: str = "slipway-serving") -> ServingConfig:
        """Validate the variables of docs/contracts.md §5 and docs/serving.md.

        ``scorer`` (the stream scorer and CSV predictions) also requires the results bucket;
        ``service`` names the function in logs and metrics unless POWERTOOLS_SERVICE_NAME is set.
        """
        has_results = scorer or environ.get("SLIPWAY_RESULTS_BUCKET", "").strip()
        results_bucket = _bucket(environ, "SLIPWAY_RESULTS_BUCKET") if has_results else None
        return cls(
            model_bucket=_bucket(environ, "SLIPWAY_MODEL_BUCKET"),
            pointer_key=_key(environ, "SLIPWAY_MODEL_POINTER_KEY"),
            cache_dir=_cache_dir(environ),
            results_bucket=results_bucket,
            results_prefix=_prefix(environ, "SLIPWAY_RESULTS_PREFIX", "results/"),
            rejects_prefix=_prefix(environ, "SLIPWAY_REJECTS_PREFIX", "rejects/"),
            predictions_prefix=_prefix(environ, "SLIPWAY_PREDICTIONS_PREFIX", "predictions/"),
            batch_prefix=_prefix(environ, "SLIPWAY_BATCH_PREFIX", "batch/"),
            pointer_ttl_s=_seconds(environ, "SLIPWAY_POINTER_TTL_SECONDS", 60.0),
            service=environ.get("POWERTOOLS_SERVICE_NAME", "").strip() or service,
            metrics_namespace=environ.get("POWERTOOLS_METRICS_NAMESPACE", "").strip() or DEFAULT_METRICS_NAMESPACE,
        )


def _required(environ: Mapping[str, str], name: str) -> str:
    value = environ.get(name, "").strip()
    if not value:
        raise ConfigError(f"{name} is required but is not set")
    return value


def _bucket(environ: Mapping[str, str], name: str) -> str:
    value = _required(environ, name)
    if not _BUCKET.match(value) or ".." in value:
        raise ConfigError(f"{name} must be an S3 bucket name (3-63 of a-z 0-9 . -), got {value!r}")
    return value


def _key(environ: Mapping[str, str], name: str) -> str:
    value = _required(environ, name)
    if value.startswith("/") or value.endswith("/") or len(value.encode()) > 1024:
        raise ConfigError(f"{name} must be an S3 object key (no leading or trailing '/'), got {value!r}")
    return value


def _prefix(environ: Mapping[str, str], name: str, default: str) -> str:
    value = environ.get(name, default).strip()
    if value.startswith("/") or len(value.encode()) > 512:
        raise ConfigError(f"{name} must be an S3 key prefix without a leading '/', got {value!r}")
    return value


def _cache_dir(environ: Mapping[str, str]) -> str:
    value = environ.get("SLIPWAY_MODEL_CACHE_DIR", "/tmp/slipway-model").strip()
    if not PurePosixPath(value).is_absolute() or ".." in PurePosixPath(value).parts:
        raise ConfigError(f"SLIPWAY_MODEL_CACHE_DIR must be an absolute path, got {value!r}")
    return value


def _seconds(environ: Mapping[str, str], name: str, default: float) -> float:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 24 * 3600:
        raise ConfigError(f"{name} must be a number of seconds between 0 and 86400, got {raw!r}")
    return value
