"""What sagemaker-training-toolkit hands the script: the SM_* variables and the `--key value`
arguments, derived from the job's layout and hyperparameters the way the toolkit derives them."""
from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .errors import InvalidTrainingRequest
from .layout import LOCAL_HOST, JobLayout, input_data_config

MAX_HYPERPARAMETERS = 100
MAX_KEY_LENGTH = 256
MAX_VALUE_LENGTH = 2500
# The toolkit keeps these for itself and never passes them to the script
_RESERVED_PREFIX = "sagemaker_"
_RESERVED_KEYS = frozenset({"_tuning_objective_metric"})


def as_strings(hyperparameters: Mapping[str, object]) -> dict[str, str]:
    """CreateTrainingJob takes a string-to-string map: text stays as given (it is the request's),
    any other value is encoded as a job spec's is (slipway.jobs.ranges.encode, JSON text)."""
    from slipway.jobs.ranges import encode

    if len(hyperparameters) > MAX_HYPERPARAMETERS:
        raise InvalidTrainingRequest(
            f"HyperParameters has {len(hyperparameters)} entries; at most {MAX_HYPERPARAMETERS}")
    strings = {}
    for key, value in hyperparameters.items():
        text = value if isinstance(value, str) else encode(value)  # type: ignore[arg-type]
        if not 1 <= len(key) <= MAX_KEY_LENGTH or len(text) > MAX_VALUE_LENGTH:
            raise InvalidTrainingRequest(
                f"hyperparameter {key!r}: keys are 1-{MAX_KEY_LENGTH} and values at most "
                f"{MAX_VALUE_LENGTH} characters")
        strings[key] = text
    return strings


def decode(hyperparameters: Mapping[str, str]) -> dict[str, Any]:
    """The toolkit JSON-decodes each value on its own and keeps one that does not decode as text
    (sagemaker-training-toolkit, environment.read_hyperparameters): a tuning job's plain
    `_tuning_objective_metric` must not keep the JSON-quoted values beside it quoted."""
    return {key: _json_or_text(value) for key, value in hyperparameters.items()}


def _json_or_text(value: str) -> Any:
    try:
        return json.loads(value)
    except (ValueError, TypeError):
        return value


def user_hyperparameters(decoded: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in decoded.items()
            if not key.startswith(_RESERVED_PREFIX) and key not in _RESERVED_KEYS}


def script_args(user_hps: Mapping[str, Any]) -> list[str]:
    args: list[str] = []
    for key in sorted(user_hps):
        args += [f"--{key}" if len(key) > 1 else f"-{key}", _arg_value(user_hps[key])]
    return args


def _arg_value(value: Any) -> str:
    if isinstance(value, Mapping):
        return ",".join(f"{k}={v}" for k, v in sorted(value.items()))
    return "" if value is None else str(value)


def _env_value(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def build(layout: JobLayout, *, job_name: str, channels: Mapping[str, Path],
          hyperparameters: Mapping[str, str], num_cpus: int, source_dir: Path,
          entry_point: str, num_gpus: int = 0) -> dict[str, str]:
    user_hps = user_hyperparameters(decode(hyperparameters))
    channel_dirs = {name: str(layout.channel_dir(name)) for name in sorted(channels)}
    module = Path(entry_point).stem
    settings: dict[str, Any] = {
        "channel_input_dirs": channel_dirs,
        "current_host": LOCAL_HOST,
        "hosts": [LOCAL_HOST],
        "hyperparameters": user_hps,
        "input_config_dir": str(layout.config_dir),
        "input_data_config": input_data_config(channels),
        "input_dir": str(layout.root / "input"),
        "is_master": True,
        "job_name": job_name,
        "log_level": 20,
        "master_hostname": LOCAL_HOST,
        "model_dir": str(layout.model_dir),
        "module_dir": str(source_dir),
        "module_name": module,
        "network_interface_name": layout.resource_config()["network_interface_name"],
        "num_cpus": num_cpus,
        "num_gpus": num_gpus,
        "output_data_dir": str(layout.output_data_dir),
        "output_dir": str(layout.output_dir),
        "output_intermediate_dir": str(layout.intermediate_dir),
        "resource_config": layout.resource_config(),
        "user_entry_point": entry_point,
    }
    variables = {key: value for key, value in settings.items()
                 if key not in ("channel_input_dirs", "hyperparameters")}
    variables |= {"channels": sorted(channels), "hps": user_hps,
                  "user_args": script_args(user_hps), "training_env": settings}
    variables |= {f"channel_{name}": path for name, path in channel_dirs.items()}
    variables |= {f"hp_{key}": value for key, value in user_hps.items()}
    environ = {f"SM_{key.upper()}": _env_value(value) for key, value in variables.items()}
    environ["SAGEMAKER_BASE_DIR"] = str(layout.root)
    return environ
