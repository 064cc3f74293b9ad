"""The user-facing knobs, read once from CDK context into one typed, validated object.

Every value may arrive as a string (``cdk synth -c batch_size=50``), so each field parses its own
type; a bad value fails synth with a message that names the key and what is allowed. The defaults
live in cdk.json, so that users see every knob in one place; docs/operations.md describes each.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Callable, Mapping

from stacks.config_parsers import (
    ConfigError,
    as_bool,
    audiences,
    choice,
    email_or_empty,
    https_url_or_empty,
    int_between,
    int_choice,
    name,
    number_between,
    relative_path,
)

RUNTIMES = ("python3.12", "python3.13", "python3.14")
LATEST_RUNTIME = RUNTIMES[-1]
ARCHITECTURES = ("x86_64", "arm64")
API_AUTH_MODES = ("iam", "jwt", "none")
COLD_START_MODES = ("none", "provisioned", "snapstart")
REMOVAL_POLICIES = ("retain", "destroy")
STARTING_POSITIONS = ("TRIM_HORIZON", "LATEST")
# CloudWatch Logs accepts only these retention periods.
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557,
                      2922, 3288, 3653)
# SageMaker GPU training instances that the XGBoost container's CUDA build runs on.
GPU_INSTANCE_TYPES = (
    "ml.g4dn.xlarge", "ml.g4dn.2xlarge", "ml.g4dn.4xlarge", "ml.g4dn.8xlarge", "ml.g4dn.12xlarge",
    "ml.g5.xlarge", "ml.g5.2xlarge", "ml.g5.4xlarge", "ml.g5.8xlarge", "ml.g5.12xlarge",
    "ml.g6.xlarge", "ml.g6.2xlarge", "ml.g6.4xlarge", "ml.g6.8xlarge", "ml.g6.12xlarge",
    "ml.p3.2xlarge", "ml.p3.8xlarge",
)
ALIAS_NAME = "live"


def _knob(parse: Callable[[str, Any], Any]) -> Any:
    return field(metadata={"parse": parse})


@dataclass(frozen=True)
class SlipwayConfig:
    # the model and the deployment
    model_name: str = _knob(name)
    removal_policy: str = _knob(choice(REMOVAL_POLICIES))
    compliance_checks: bool = _knob(as_bool)
    # every function
    lambda_runtime: str = _knob(choice(RUNTIMES))
    lambda_architecture: str = _knob(choice(ARCHITECTURES))
    bundle_dependencies: bool = _knob(as_bool)
    log_retention_days: int = _knob(int_choice(LOG_RETENTION_DAYS))
    tracing: bool = _knob(as_bool)
    # the HTTP API
    api_memory_mb: int = _knob(int_between(128, 10240))
    api_timeout_seconds: int = _knob(int_between(1, 29))
    api_auth: str = _knob(choice(API_AUTH_MODES))
    jwt_issuer: str = _knob(https_url_or_empty)
    jwt_audience: tuple[str, ...] = _knob(audiences)
    api_throttle_rate_limit: int = _knob(int_between(1, 10000))
    api_throttle_burst_limit: int = _knob(int_between(1, 5000))
    api_cold_start: str = _knob(choice(COLD_START_MODES))
    api_provisioned_concurrency: int = _knob(int_between(1, 1000))
    # the Kinesis stream and its scorer
    stream_shards: int = _knob(int_between(1, 500))
    scorer_memory_mb: int = _knob(int_between(128, 10240))
    scorer_timeout_seconds: int = _knob(int_between(1, 900))
    batch_size: int = _knob(int_between(1, 10000))
    max_batching_window_seconds: int = _knob(int_between(0, 300))
    starting_position: str = _knob(choice(STARTING_POSITIONS))
    retry_attempts: int = _knob(int_between(0, 10000))
    max_record_age_seconds: int = _knob(int_between(60, 604800))
    parallelization_factor: int = _knob(int_between(1, 10))
    # batch predictions (CSV files under batch/ in the data bucket)
    batch_memory_mb: int = _knob(int_between(128, 10240))
    batch_timeout_seconds: int = _knob(int_between(1, 900))
    batch_files_per_invocation: int = _knob(int_between(1, 10))
    batch_max_receive_count: int = _knob(int_between(1, 1000))
    batch_max_concurrency: int = _knob(int_between(2, 1000))
    # storage lifecycles
    results_expiration_days: int = _knob(int_between(1, 3650))
    access_logs_expiration_days: int = _knob(int_between(1, 3650))
    models_noncurrent_expiration_days: int = _knob(int_between(1, 3650))
    # alarms
    alarm_email: str = _knob(email_or_empty)
    iterator_age_alarm_seconds: int = _knob(int_between(1, 604800))
    # the training pipeline
    training_job_spec: str = _knob(relative_path)
    training_instance_type: str = _knob(choice(GPU_INSTANCE_TYPES))
    promotion_tolerance: float = _knob(number_between(0.0, 1e9))

    @property
    def pointer_key(self) -> str:
        return f"pointers/{self.model_name}.json"

    @property
    def python_version(self) -> str:
        return self.lambda_runtime.removeprefix("python")

    @property
    def alias_name(self) -> str:
        return ALIAS_NAME

    def __post_init__(self) -> None:
        """Rules that span keys; each error still names the key to change."""
        if self.api_auth == "jwt" and not self.jwt_issuer:
            raise ConfigError("jwt_issuer", "is required when api_auth is jwt; set the https:// issuer URL")
        if self.api_auth == "jwt" and not self.jwt_audience:
            raise ConfigError("jwt_audience", "is required when api_auth is jwt; set one or more audiences")

    @classmethod
    def from_context(cls, get: Callable[[str], Any]) -> "SlipwayConfig":
        """Build from a context getter (``app.node.try_get_context``); every key must be set."""
        values: dict[str, Any] = {}
        for knob in fields(cls):
            raw = get(knob.name)
            if raw is None:
                raise ConfigError(knob.name, "is missing; set it in cdk.json or with -c")
            values[knob.name] = knob.metadata["parse"](knob.name, raw)
        return cls(**values)

    @classmethod
    def from_mapping(cls, context: Mapping[str, Any]) -> "SlipwayConfig":
        return cls.from_context(context.get)


def knob_names() -> tuple[str, ...]:
    return tuple(knob.name for knob in fields(SlipwayConfig))
