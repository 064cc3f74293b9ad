"""Serving configuration: read and validated once, at cold start, from the environment."""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath

from .errors import ConfigError

_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")

MODEL_BUCKET = "SLIPWAY_MODEL_BUCKET"
MODEL_POINTER_KEY = "SLIPWAY_MODEL_POINTER_KEY"
RESULTS_BUCKET = "SLIPWAY_RESULTS_BUCKET"
RESULTS_PREFIX = "SLIPWAY_RESULTS_PREFIX"
REJECTS_PREFIX = "SLIPWAY_REJECTS_PREFIX"
MODEL_CACHE_DIR = "SLIPWAY_MODEL_CACHE_DIR"


@dataclass(frozen=True)
class Limits:
    """Hard limits; not configurable through the environment (docs/contracts.md §5)."""

    max_body_bytes: int = 6 * 1024 * 1024  # Lambda's synchronous payload limit
    max_instances: int = 10_000
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
    limits: Limits = Limits()

    @classmethod
    def from_env(cls, environ: Mapping[str, str], *, scorer: bool = False) -> ServingConfig:
        """Validate the variables of docs/contracts.md §5; ``scorer`` also requires the results bucket."""
        results_bucket = _bucket(environ, RESULTS_BUCKET) if scorer else _optional_bucket(environ)
        return cls(
            model_bucket=_bucket(environ, MODEL_BUCKET),
            pointer_key=_key(environ, MODEL_POINTER_KEY),
            cache_dir=_cache_dir(environ),
            results_bucket=results_bucket,
            results_prefix=_prefix(environ, RESULTS_PREFIX, "results/"),
            rejects_prefix=_prefix(environ, REJECTS_PREFIX, "rejects/"),
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


def _optional_bucket(environ: Mapping[str, str]) -> str | None:
    return _bucket(environ, RESULTS_BUCKET) if environ.get(RESULTS_BUCKET, "").strip() else None


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
    value = environ.get(MODEL_CACHE_DIR, "/tmp/slipway-model").strip()
    if not PurePosixPath(value).is_absolute() or ".." in PurePosixPath(value).parts:
        raise ConfigError(f"{MODEL_CACHE_DIR} must be an absolute path, got {value!r}")
    return value
