"""A Lambda function with its own role, bounded logs, a published version and the `live` alias.

Event sources and integrations attach to the alias, so a deploy moves traffic by moving the alias
to the new version; provisioned concurrency (on the alias) or SnapStart (on published versions)
takes the cold start off the request path when asked for.
"""
from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from stacks.config import LATEST_RUNTIME, SlipwayConfig
from stacks.constructs.log_group import bounded_log_group
from stacks.nag import acknowledge

_RUNTIMES = {
    "python3.12": lambda_.Runtime.PYTHON_3_12,
    "python3.13": lambda_.Runtime.PYTHON_3_13,
    "python3.14": lambda_.Runtime.PYTHON_3_14,
}
_ARCHITECTURES = {"x86_64": lambda_.Architecture.X86_64, "arm64": lambda_.Architecture.ARM_64}


class SlipwayFunction(Construct):
    """Exposes `function`, `alias` (what callers invoke), `role` and `log_group`."""

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
        cold_start: str = "none",
        provisioned_concurrency: int = 0,
        failure_handling: str,
        description: str = "",
    ) -> None:
        super().__init__(scope, construct_id)
        self.log_group = bounded_log_group(self, "Logs", retention_days=config.log_retention_days)
        # Its own role instead of AWSLambdaBasicExecutionRole: write to its own log group, nothing else.
        self.role = iam.Role(self, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
                             description=f"{construct_id}: writes its own logs; data grants are added per use")
        self.log_group.grant_write(self.role)
        self.function = lambda_.Function(
            self,
            "Function",
            runtime=_RUNTIMES[config.lambda_runtime],
            architecture=_ARCHITECTURES[config.lambda_architecture],
            code=code,
            handler=handler,
            memory_size=memory_mb,
            timeout=cdk.Duration.seconds(timeout_seconds),
            environment=environment,
            log_group=self.log_group,
            role=self.role,
            description=description or None,
            tracing=lambda_.Tracing.ACTIVE if config.tracing else None,
            snap_start=lambda_.SnapStartConf.ON_PUBLISHED_VERSIONS if cold_start == "snapstart" else None,
        )
        self.alias = lambda_.Alias(
            self,
            "Live",
            alias_name=config.alias_name,
            version=self.function.current_version,
            provisioned_concurrent_executions=provisioned_concurrency if cold_start == "provisioned" else None,
        )
        acknowledge(self.function, "Serverless::Serverless-LambdaDLQ",
                    f"Never invoked asynchronously, and a DLQ only receives failed asynchronous events: "
                    f"{failure_handling}.")
        if not config.tracing:
            acknowledge(self.function, "Serverless::Serverless-LambdaTracing",
                        "tracing is false in cdk.json: the operator turned X-Ray off (cost or data residency); "
                        "logs and the alarms still cover every invocation.")
        if config.tracing:
            acknowledge(self.role, "AwsSolutions::AwsSolutions-IAM5[Resource::*]",
                        "X-Ray's PutTraceSegments and PutTelemetryRecords support no resource-level "
                        "permissions; CDK adds exactly these two actions for active tracing.")
        if config.lambda_runtime != LATEST_RUNTIME:
            for finding in ("AwsSolutions::AwsSolutions-L1", "Serverless::Serverless-LambdaLatestVersion"):
                acknowledge(self.function, finding,
                            f"lambda_runtime pins {config.lambda_runtime} in cdk.json: the bundle is installed and "
                            "byte-compiled for that Python, and local runs use the same version; raise it there.")

