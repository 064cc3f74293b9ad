"""A sandbox's environment: the function's deployed variables plus the ones Lambda sets, nothing else.

Lambda's reserved variables (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html
#configuration-envvars-runtime) are set by the runtime and a template cannot override them; no host
variable reaches the function (a developer's AWS profile, proxies, their PYTHONPATH).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# The keys Lambda reserves; a deployed value for one of them is ignored, as Lambda ignores it.
RESERVED = frozenset({
    "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
})


@dataclass(frozen=True)
class SandboxPlaces:
    task_root: Path  # the function's asset: LAMBDA_TASK_ROOT
    runtime_dir: Path  # the runtime's packages: LAMBDA_RUNTIME_DIR
    interpreter: Path
    tmp: Path  # this sandbox's private /tmp


def sandbox_environment(*, deployed: dict[str, str], handler: str, function_name: str, memory_mb: int,
                        runtime: str, log_group: str, log_stream: str, runtime_api: str,
                        places: SandboxPlaces, target_environment: dict[str, str]) -> dict[str, str]:
    """Exactly what the function sees: its deployed variables under Lambda's own.

    target_environment routes the function's AWS clients to the emulator (region, credentials,
    AWS_ENDPOINT_URL), as the execution role's credentials and the regional endpoints do in AWS.
    """
    lambda_own = {
        "_HANDLER": handler,
        "AWS_LAMBDA_FUNCTION_NAME": function_name,
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(memory_mb),
        "AWS_LAMBDA_LOG_GROUP_NAME": log_group,
        "AWS_LAMBDA_LOG_STREAM_NAME": log_stream,
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_LAMBDA_RUNTIME_API": runtime_api,
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{runtime}",
        "LAMBDA_TASK_ROOT": str(places.task_root),
        "LAMBDA_RUNTIME_DIR": str(places.runtime_dir),
        **{k: v for k, v in target_environment.items() if k in RESERVED},
    }
    unreserved_defaults = {  # Lambda sets these too, and a template may change them
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "PATH": f"{places.interpreter.parent}:/usr/local/bin:/usr/bin/:/bin",
        "LD_LIBRARY_PATH": f"{places.task_root}:{places.task_root / 'lib'}",
        "PYTHONPATH": f"{places.task_root}:{places.runtime_dir}",
        **{k: v for k, v in target_environment.items() if k not in RESERVED},  # AWS_ENDPOINT_URL
    }
    deployed_allowed = {k: v for k, v in deployed.items() if k not in RESERVED}
    # Not Lambda's: a private temporary directory, since /tmp is shared on this machine.
    private = {"TMPDIR": str(places.tmp), "PYTHONDONTWRITEBYTECODE": "1"}
    return {**unreserved_defaults, **deployed_allowed, **private, **lambda_own}
