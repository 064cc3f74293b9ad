"""What each backend lacks, handled by the deployer: a template adjustment before deploy and the
completion of skipped pieces after it, each reported. The template stays the one description."""
from __future__ import annotations

import copy
from typing import Any, Callable, Protocol

import orjson

from slipway.local.gaps import apply_bucket_gaps
from slipway.local.intrinsics import StackContext, resolve
from slipway.local.routes import _logical_id

APIGW_V2_TYPES = frozenset({"AWS::ApiGatewayV2::Api", "AWS::ApiGatewayV2::Stage", "AWS::ApiGatewayV2::Route",
                            "AWS::ApiGatewayV2::Integration", "AWS::ApiGatewayV2::Authorizer"})


class BackendAdapter(Protocol):
    name: str
    uploads_code: bool  # False: Lambda code bundles are replaced by a placeholder (Slipway runs the source)

    def prepare(self, template: dict[str, Any]) -> list[str]: ...

    def complete(self, clients: Callable[[str], Any], context: StackContext) -> list[str]: ...


def _references(value: Any, logical_ids: set[str]) -> bool:
    text = orjson.dumps(value).decode()
    return any(f'"{lid}"' in text for lid in logical_ids)


def strip_unreadable_outputs(template: dict[str, Any], skipped_types: frozenset[str]) -> list[str]:
    """Drop outputs that read attributes of resources the backend does not create (moto answers 500)."""
    skipped = {lid for lid, res in template.get("Resources", {}).items() if res.get("Type") in skipped_types}
    removed = []
    for name, output in list(template.get("Outputs", {}).items()):
        if _references(output, skipped):
            del template["Outputs"][name]
            removed.append(f"output {name} dropped: it reads a resource the backend does not create")
    return removed


def _replace_refs(value: Any, replacements: dict[str, Any]) -> Any:
    if isinstance(value, list):
        return [_replace_refs(v, replacements) for v in value]
    if isinstance(value, dict):
        if set(value) == {"Ref"} and value["Ref"] in replacements:
            return copy.deepcopy(replacements[value["Ref"]])
        return {k: _replace_refs(v, replacements) for k, v in value.items()}
    return value


class MotoAdapter:
    name = "moto"
    # moto runs no Lambda code (Slipway runs the project's source), but creating a function needs its
    # code object to exist; a placeholder saves uploading tens of MB at every bring-up.
    uploads_code = False
    # moto's CloudFormation skips these types (with a warning); Slipway runs or reports them.
    skipped_types = APIGW_V2_TYPES | {"AWS::S3::BucketPolicy", "AWS::SQS::QueuePolicy", "AWS::Lambda::Alias",
                                      "AWS::SNS::TopicPolicy", "AWS::CloudWatch::Alarm"}

    def prepare(self, template: dict[str, Any]) -> list[str]:
        notes: list[str] = []
        resources = template.get("Resources", {})
        aliases = {lid: res for lid, res in resources.items() if res.get("Type") == "AWS::Lambda::Alias"}
        replacements = {}
        for lid, alias in aliases.items():
            function_id = _logical_id(alias["Properties"].get("FunctionName"))
            replacements[lid] = {"Fn::GetAtt": [function_id, "Arn"]}
            notes.append(f"alias {lid}: references use function {function_id}; the alias is created after deploy")
        if replacements:
            for lid, resource in resources.items():
                if lid not in aliases:
                    resources[lid] = _replace_refs(resource, replacements)
            template["Outputs"] = _replace_refs(template.get("Outputs", {}), replacements)
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
    skipped_types = APIGW_V2_TYPES

    def prepare(self, template: dict[str, Any]) -> list[str]:
        resources = template.get("Resources", {})
        removed = {lid for lid, res in resources.items() if res.get("Type") in self.skipped_types}
        while True:  # a permission naming the API, a deployment naming a stage, ...
            dependants = {lid for lid, res in resources.items() if lid not in removed and _references(res, removed)}
            if not dependants:
                break
            removed |= dependants
        notes = [f"{lid} ({resources[lid]['Type']}) not deployed: served by Slipway's local gateway" for lid in sorted(removed)]
        for lid in removed:
            del resources[lid]
        for name, output in list(template.get("Outputs", {}).items()):
            if _references(output, removed):
                del template["Outputs"][name]
                notes.append(f"output {name} dropped with the resources it reads")
        return notes

    def complete(self, clients: Callable[[str], Any], context: StackContext) -> list[str]:
        return []
