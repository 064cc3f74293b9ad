"""Evaluate: is the candidate model at least as good as the one serving now?

Both sides are read the same way, from the `metrics` of their manifests (the validation metrics
training computed), on the tuning job's objective metric. A candidate is promoted when there is no
serving model yet, or when it is not worse by more than the configured tolerance.
"""
from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from typing import Any

from .artifacts import metric, parse_s3_uri, read_manifest, read_pointer
from .clients import s3_client
from .config import PipelineConfig
from .errors import InvalidInput


@dataclass(frozen=True)
class Verdict:
    promote: bool
    reason: str
    metric: str
    objective_type: str
    candidate: float
    current: float | None
    current_version: str | None
    candidate_model_uri: str


def not_worse(candidate: float, current: float | None, *, objective_type: str, tolerance: float) -> bool:
    if current is None:
        return True
    if objective_type == "Maximize":
        return candidate >= current - tolerance
    return candidate <= current + tolerance


def candidate_uri(event: Any, config: PipelineConfig) -> str:
    uri = event.get("candidate_model_uri") if isinstance(event, dict) else None
    bucket, key = parse_s3_uri(uri)
    if bucket != config.model_bucket or not key.startswith(config.candidate_prefix):
        raise InvalidInput(f"candidate_model_uri must be under s3://{config.model_bucket}/"
                           f"{config.candidate_prefix}, got {uri!r}")
    return uri  # type: ignore[return-value]


def evaluate(s3: Any, config: PipelineConfig, uri: str) -> Verdict:
    bucket, key = parse_s3_uri(uri)
    candidate = metric(read_manifest(s3, bucket, key), config.objective_metric, where=uri)
    pointer = read_pointer(s3, config.model_bucket, config.pointer_key)
    current = current_version = None
    if pointer is not None:
        current_bucket, current_key = parse_s3_uri(pointer["uri"])
        current = metric(read_manifest(s3, current_bucket, current_key), config.objective_metric,
                         where=pointer["uri"])
        current_version = pointer.get("version")
    promote = not_worse(candidate, current, objective_type=config.objective_type, tolerance=config.tolerance)
    if current is None:
        reason = "no model is serving yet"
    else:
        comparison = "not worse than" if promote else "worse than"
        reason = (f"{config.objective_metric} {candidate:.6g} is {comparison} the serving model's {current:.6g} "
                  f"({config.objective_type}, tolerance {config.tolerance:g})")
    return Verdict(promote=promote, reason=reason, metric=config.objective_metric,
                   objective_type=config.objective_type, candidate=candidate, current=current,
                   current_version=current_version, candidate_model_uri=uri)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    config = PipelineConfig.from_env(os.environ)
    return asdict(evaluate(s3_client(), config, candidate_uri(event, config)))
