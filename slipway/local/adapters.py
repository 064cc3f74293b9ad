"""What each backend lacks, handled by the deployer: a template adjustment before deploy and the
completion of skipped pieces after it, each reported. The template stays the one description."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping, Protocol

from slipway.local.gaps import apply_bucket_gaps
from slipway.local.intrinsics import StackContext, dependencies, refers_to, replace_refs, resolve, target

EMULATED, RUN_BY_SLIPWAY, COMPLETED_BY_SLIPWAY, NOT_EMULATED = (
    "emulated", "run by Slipway", "emulated + completed by Slipway", "not emulated")


@dataclass(frozen=True)
class Coverage:
    """Who makes one resource type real locally; `slipway local report` reads it from the adapter."""

    status: str
    detail: str
    created_by_backend: bool = True  # False: the backend's CloudFormation skips the type


_GATEWAY = "local API Gateway on loopback (real HTTP, the route's payload format)"
_NOT_ENFORCED = "created; permissions are not enforced locally"
_FUNCTION = Coverage(RUN_BY_SLIPWAY, "in sandbox processes running AWS's runtime interface client on the "
                     "function's runtime Python, with its synthesized asset as the task root (the emulator gets a "
                     "placeholder bundle), the deployed configuration and Lambda's reserved variables; a pool per "
                     "function; timeouts and MemorySize enforced; provisioned concurrency and SnapStart have no "
                     "local effect; arm64 functions do not run on this machine")
APIGW_V2_COVERAGE: dict[str, Coverage] = {
    "AWS::ApiGatewayV2::Api": Coverage(RUN_BY_SLIPWAY, _GATEWAY, False),
    "AWS::ApiGatewayV2::Route": Coverage(RUN_BY_SLIPWAY, _GATEWAY, False),
    "AWS::ApiGatewayV2::Integration": Coverage(RUN_BY_SLIPWAY, "invokes the integrated function; 6 MB payload "
                                               "limit, 500 for a failed or malformed response, 30 s integration "
                                               "timeout", False),
    "AWS::ApiGatewayV2::Stage": Coverage(NOT_EMULATED, "throttling and access logging are not applied locally", False),
    "AWS::ApiGatewayV2::Authorizer": Coverage(NOT_EMULATED, "JWT and Lambda authorizers are not verified locally",
                                              False),
}
APIGW_V2_TYPES = frozenset(APIGW_V2_COVERAGE)


class BackendAdapter(Protocol):
    name: str
    uploads_code: bool  # False: Lambda code bundles are replaced by a placeholder (Slipway runs the source)
    coverage: Mapping[str, Coverage]  # what Slipway does per type; types not named: the backend's own

    def supports(self, resource_type: str) -> bool: ...

    def prepare(self, template: dict[str, Any]) -> list[str]: ...

    def complete(self, clients: Callable[[str], Any], context: StackContext) -> list[str]: ...


def strip_unreadable_outputs(template: dict[str, Any], skipped_types: frozenset[str]) -> list[str]:
    """Drop outputs that read attributes of resources the backend does not create (moto answers 500)."""
    skipped = {lid for lid, res in template.get("Resources", {}).items() if res.get("Type") in skipped_types}
    removed = []
    for name, output in list(template.get("Outputs", {}).items()):
        if refers_to(output, skipped):
            del template["Outputs"][name]
            removed.append(f"output {name} dropped: it reads a resource the backend does not create")
    return removed


class MotoAdapter:
    name = "moto"
    # moto runs no Lambda code (Slipway runs the deployed asset in sandboxes), but creating a function needs its
    # code object to exist; a placeholder saves uploading tens of MB at every bring-up.
    uploads_code = False
    coverage: dict[str, Coverage] = {
        "AWS::Lambda::Function": _FUNCTION,
        **APIGW_V2_COVERAGE,
        "AWS::S3::BucketPolicy": Coverage(NOT_EMULATED, "moto does not store or enforce bucket policies from "
                                          "CloudFormation; covered by template assertions and cdk-nag", False),
        "AWS::SQS::QueuePolicy": Coverage(NOT_EMULATED, "moto does not store or enforce queue policies from "
                                          "CloudFormation; covered by template assertions and cdk-nag", False),
        "AWS::IAM::Role": Coverage(EMULATED, _NOT_ENFORCED),
        "AWS::IAM::Policy": Coverage(EMULATED, _NOT_ENFORCED),
        "AWS::IAM::ManagedPolicy": Coverage(EMULATED, _NOT_ENFORCED),
        "AWS::Lambda::Permission": Coverage(EMULATED, "created; resource policies are not enforced locally"),
        "AWS::Lambda::Alias": Coverage(COMPLETED_BY_SLIPWAY, "moto's CloudFormation skips aliases: references use "
                                       "the function and the alias is created through the Lambda API after deploy",
                                       False),
        "AWS::S3::Bucket": Coverage(COMPLETED_BY_SLIPWAY, "notifications, versioning, public access block and "
                                    "lifecycle rules applied through the S3 API (lifecycle expiry does not run)"),
        "AWS::StepFunctions::StateMachine": Coverage(COMPLETED_BY_SLIPWAY, "executed by moto's ASL interpreter; Slipway adds "
                                                     "the SageMaker .sync integrations (waiting on the local "
                                                     "SageMaker's real jobs) and routes Lambda tasks to the "
                                                     "hosted functions"),
        "AWS::CloudWatch::Alarm": Coverage(NOT_EMULATED, "moto's CloudFormation has no alarms; they are checked by "
                                           "template assertions", False),
        "AWS::SNS::TopicPolicy": Coverage(NOT_EMULATED, "moto does not store topic policies from CloudFormation; "
                                          "covered by template assertions and cdk-nag", False),
        "AWS::SNS::Subscription": Coverage(NOT_EMULATED, "e-mail subscriptions are not delivered locally"),
        "AWS::Lambda::Version": Coverage(EMULATED, "published; Slipway runs the current asset for every "
                                         "version"),
    }
    # moto's CloudFormation skips these types (with a warning); Slipway runs or reports them.
    skipped_types = frozenset(kind for kind, entry in coverage.items() if not entry.created_by_backend)

    def supports(self, resource_type: str) -> bool:
        from moto.cloudformation.parsing import get_model_map

        return resource_type in get_model_map()

    def prepare(self, template: dict[str, Any]) -> list[str]:
        notes: list[str] = []
        resources = template.get("Resources", {})
        aliases = {lid: res for lid, res in resources.items() if res.get("Type") == "AWS::Lambda::Alias"}
        replacements = {}
        for lid, alias in aliases.items():
            function_id = target(alias["Properties"].get("FunctionName"))
            replacements[lid] = {"Fn::GetAtt": [function_id, "Arn"]}
            notes.append(f"alias {lid}: references use function {function_id}; the alias is created after deploy")
        if replacements:
            for lid, resource in resources.items():
                if lid not in aliases:
                    resources[lid] = replace_refs(resource, replacements)
            template["Outputs"] = replace_refs(template.get("Outputs", {}), replacements)
        return notes + strip_unreadable_outputs(template, self.skipped_types)

    def complete(self, clients: Callable[[str], Any], context: StackContext) -> list[str]:
        notes = apply_bucket_gaps(clients, context)
        for lid, resource in context.resources.items():
            if resource.get("Type") == "AWS::Lambda::Alias":
                notes.append(_create_alias(clients("lambda"), lid, resource, context))
        return notes


def _create_alias(lambda_client: Any, logical_id: str, resource: dict[str, Any], context: StackContext) -> str:
    properties = resource["Properties"]
    function = resolve(properties["FunctionName"], context)
    version = properties.get("FunctionVersion")
    if isinstance(version, dict):  # Fn::GetAtt [Version, Version]: the version the stack published
        published = [v["Version"] for v in lambda_client.list_versions_by_function(FunctionName=function)["Versions"]
                     if v["Version"] != "$LATEST"]
        version = max(published, key=int) if published else "$LATEST"
    lambda_client.create_alias(FunctionName=function, Name=properties["Name"], FunctionVersion=str(version))
    return f"alias {logical_id}: created {properties['Name']} -> version {version}"


class LocalStackAdapter:
    """LocalStack's free tier has no API Gateway v2: strip it (and what depends on it) from the
    deployed copy; Slipway's local gateway still serves the routes from the original template."""

    name = "localstack"
    uploads_code = True
    coverage: dict[str, Coverage] = {"AWS::Lambda::Function": _FUNCTION, **APIGW_V2_COVERAGE}
    skipped_types = APIGW_V2_TYPES

    def supports(self, resource_type: str) -> bool:
        return True  # LocalStack's CloudFormation answers for itself at deploy time

    def prepare(self, template: dict[str, Any]) -> list[str]:
        resources = template.get("Resources", {})
        removed = {lid for lid, res in resources.items() if res.get("Type") in self.skipped_types}
        while True:  # a permission naming the API, a deployment naming a stage, ...
            dependants = {lid for lid, res in resources.items() if lid not in removed and dependencies(res) & removed}
            if not dependants:
                break
            removed |= dependants
        notes = [f"{lid} ({resources[lid]['Type']}) not deployed: served by Slipway's local gateway" for lid in sorted(removed)]
        for lid in removed:
            del resources[lid]
        for name, output in list(template.get("Outputs", {}).items()):
            if refers_to(output, removed):
                del template["Outputs"][name]
                notes.append(f"output {name} dropped with the resources it reads")
        return notes

    def complete(self, clients: Callable[[str], Any], context: StackContext) -> list[str]:
        return []
