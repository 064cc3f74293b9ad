"""A Lambda function that runs the serving package, bundled without docker."""
from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from stacks.bundling import BundleSpec, build_bundle
from stacks.config import SlipwayConfig

LAMBDAS_DIR = Path(__file__).resolve().parents[2] / "lambdas"
_RUNTIMES = {
    "python3.12": lambda_.Runtime.PYTHON_3_12,
    "python3.13": lambda_.Runtime.PYTHON_3_13,
    "python3.14": lambda_.Runtime.PYTHON_3_14,
}
_ARCHITECTURES = {"x86_64": lambda_.Architecture.X86_64, "arm64": lambda_.Architecture.ARM_64}


def serving_code(config: SlipwayConfig) -> lambda_.Code:
    spec = BundleSpec(
        source=LAMBDAS_DIR / "slipway_serving",
        requirements=LAMBDAS_DIR / "requirements.txt",
        python_version=config.python_version,
        architecture=config.lambda_architecture,
    )
    bundle = build_bundle(spec, with_dependencies=config.bundle_dependencies)
    return lambda_.Code.from_asset(str(bundle.path))


class ServingFunction(lambda_.Function):
    """One serving entry point; its log group is owned by the stack so retention is bounded."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: SlipwayConfig,
        code: lambda_.Code,
        handler: str,
        memory_mb: int,
        timeout_seconds: int,
        environment: dict[str, str],
    ) -> None:
        log_group = logs.LogGroup(
            scope,
            f"{construct_id}Logs",
            retention=logs.RetentionDays.ONE_MONTH,
            removal_policy=cdk.RemovalPolicy.DESTROY,
        )
        super().__init__(
            scope,
            construct_id,
            runtime=_RUNTIMES[config.lambda_runtime],
            architecture=_ARCHITECTURES[config.lambda_architecture],
            code=code,
            handler=handler,
            memory_size=memory_mb,
            timeout=cdk.Duration.seconds(timeout_seconds),
            environment=environment,
            log_group=log_group,
        )
