"""`slipway local report`: every resource of the synthesized templates, and who makes it real locally.

Each resource is emulated by the backend, run (or completed) by Slipway, or not emulated — with
the reason. Nothing is left unaccounted: a type this module has no rule for falls back to whether
the backend's CloudFormation supports it at all.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

EMULATED, RUN_BY_SLIPWAY, COMPLETED_BY_SLIPWAY, NOT_EMULATED = (
    "emulated", "run by Slipway", "emulated + completed by Slipway", "not emulated")

_GATEWAY = "local API Gateway on loopback (real HTTP, the route's payload format)"
_RULES: dict[str, tuple[str, str]] = {
    "AWS::Lambda::Function": (RUN_BY_SLIPWAY, "in-process on this Python from the project's source (the emulator "
                              "gets a placeholder bundle), with the deployed configuration and environment; own "
                              "module state per function; timeouts enforced; provisioned concurrency and "
                              "SnapStart have no local effect"),
    "AWS::ApiGatewayV2::Api": (RUN_BY_SLIPWAY, _GATEWAY),
    "AWS::ApiGatewayV2::Route": (RUN_BY_SLIPWAY, _GATEWAY),
    "AWS::ApiGatewayV2::Integration": (RUN_BY_SLIPWAY, "invokes the integrated function; 6 MB payload limit, "
                                       "502 for a failed or malformed response, 30 s integration timeout"),
    "AWS::ApiGatewayV2::Stage": (NOT_EMULATED, "throttling and access logging are not applied locally"),
    "AWS::ApiGatewayV2::Authorizer": (NOT_EMULATED, "JWT and Lambda authorizers are not verified locally"),
    "AWS::S3::BucketPolicy": (NOT_EMULATED, "moto does not store or enforce bucket policies from CloudFormation; "
                              "covered by template assertions and cdk-nag"),
    "AWS::SQS::QueuePolicy": (NOT_EMULATED, "moto does not store or enforce queue policies from CloudFormation; "
                              "covered by template assertions and cdk-nag"),
    "AWS::IAM::Role": (EMULATED, "created; permissions are not enforced locally"),
    "AWS::IAM::Policy": (EMULATED, "created; permissions are not enforced locally"),
    "AWS::IAM::ManagedPolicy": (EMULATED, "created; permissions are not enforced locally"),
    "AWS::Lambda::Permission": (EMULATED, "created; resource policies are not enforced locally"),
    "AWS::Lambda::Alias": (COMPLETED_BY_SLIPWAY, "moto's CloudFormation skips aliases: references use the "
                           "function and the alias is created through the Lambda API after deploy"),
    "AWS::S3::Bucket": (COMPLETED_BY_SLIPWAY, "notifications, versioning, public access block and lifecycle "
                        "rules applied through the S3 API (lifecycle expiry does not run)"),
    "AWS::StepFunctions::StateMachine": (EMULATED, "created; SageMaker .sync states cannot run locally — "
                                         "use `slipway train` / `slipway tune` for the same job specs"),
    "AWS::CloudWatch::Alarm": (NOT_EMULATED, "moto's CloudFormation has no alarms; they are checked by template "
                               "assertions"),
    "AWS::SNS::TopicPolicy": (NOT_EMULATED, "moto does not store topic policies from CloudFormation; covered by "
                              "template assertions and cdk-nag"),
    "AWS::SNS::Subscription": (NOT_EMULATED, "e-mail subscriptions are not delivered locally"),
    "AWS::Lambda::Version": (EMULATED, "published; Slipway runs the project's current source for every version"),
}


@dataclass(frozen=True)
class Capability:
    stack: str
    logical_id: str
    resource_type: str
    status: str
    detail: str


def _referenced_type(value: Any, stack: str, templates: dict[str, dict[str, Any]]) -> str | None:
    """The type of the resource a Ref/GetAtt/ImportValue names, across the app's stacks."""
    if not isinstance(value, dict):
        return None
    if "Fn::GetAtt" in value or "Ref" in value:
        target = value["Fn::GetAtt"][0] if "Fn::GetAtt" in value else value["Ref"]
        return templates[stack].get("Resources", {}).get(target, {}).get("Type")
    if "Fn::ImportValue" in value:
        for other, template in templates.items():
            for output in template.get("Outputs", {}).values():
                if (output.get("Export") or {}).get("Name") == value["Fn::ImportValue"]:
                    return _referenced_type(output.get("Value"), other, templates)
    return None


def _mapping(source_type: str | None) -> tuple[str, str]:
    if source_type == "AWS::Kinesis::Stream":
        return RUN_BY_SLIPWAY, ("Kinesis poller: batch size, batching window, starting position, retries, record "
                                "age, bisect, ReportBatchItemFailures, parallelization, on-failure destination")
    if source_type == "AWS::SQS::Queue":
        return RUN_BY_SLIPWAY, "SQS poller: batch size, batching window, ReportBatchItemFailures; redrive by SQS"
    return NOT_EMULATED, f"only Kinesis and SQS sources are polled locally (this one is {source_type or 'unknown'})"


def classify(resource: dict[str, Any], *, backend_supports: Callable[[str], bool],
             source_type: str | None = None) -> tuple[str, str]:
    kind = resource.get("Type", "")
    if kind == "AWS::Lambda::EventSourceMapping":
        return _mapping(source_type)
    if kind == "AWS::ApiGatewayV2::Route":
        authorization = resource.get("Properties", {}).get("AuthorizationType", "NONE")
        status, detail = _RULES[kind]
        if authorization != "NONE":
            detail += f"; {authorization} authorization is not verified locally"
        return status, detail
    if kind in _RULES:
        return _RULES[kind]
    if kind.startswith("Custom::") or kind == "AWS::CloudFormation::CustomResource":
        return NOT_EMULATED, "custom resources run Lambda code during deployment, which the emulator cannot do"
    if backend_supports(kind):
        return EMULATED, "created by the backend's CloudFormation"
    return NOT_EMULATED, f"the backend's CloudFormation has no support for {kind}"


def report(templates: dict[str, dict[str, Any]], *, backend_supports: Callable[[str], bool]) -> list[Capability]:
    rows = []
    for stack, template in templates.items():
        for logical_id, resource in template.get("Resources", {}).items():
            source = _referenced_type(resource.get("Properties", {}).get("EventSourceArn"), stack, templates)
            status, detail = classify(resource, backend_supports=backend_supports, source_type=source)
            rows.append(Capability(stack, logical_id, resource.get("Type", "?"), status, detail))
    return rows


def moto_supports(resource_type: str) -> bool:
    from moto.cloudformation.parsing import get_model_map

    return resource_type in get_model_map()


def render_table(rows: list[Capability]) -> str:
    widths = [max(len(getattr(r, f)) for r in rows) for f in ("stack", "logical_id", "resource_type", "status")]
    lines = []
    for row in rows:
        cells = [row.stack, row.logical_id, row.resource_type, row.status]
        lines.append("  ".join(c.ljust(w) for c, w in zip(cells, widths)) + "  " + row.detail)
    counts = {status: sum(r.status == status for r in rows)
              for status in (EMULATED, COMPLETED_BY_SLIPWAY, RUN_BY_SLIPWAY, NOT_EMULATED)}
    lines.append("")
    lines.append(f"{len(rows)} resources: " + ", ".join(f"{n} {s}" for s, n in counts.items()))
    return "\n".join(lines)
