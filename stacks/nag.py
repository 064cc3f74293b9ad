"""cdk-nag's AwsSolutions and Serverless packs, and the one way this app acknowledges a finding.

cdk-nag 3 reports through CDK's validation plugins: a finding that is not acknowledged fails synth,
and every finding with its acknowledgement and reason lands in the assembly's
validation-report.json. An acknowledgement names one exact finding (e.g.
"AwsSolutions::AwsSolutions-IAM5[Action::s3:GetObject*]"), never a rule as a whole, and says why.
"""
from __future__ import annotations

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks, ServerlessChecks
from constructs import IConstruct

PACKS = ("AwsSolutions", "Serverless")


def add_compliance_checks(app: cdk.App) -> None:
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app), ServerlessChecks(app))


def acknowledge(scope: IConstruct, finding: str, reason: str) -> None:
    """Acknowledge one finding on `scope` (and the resources under it); the reason is mandatory."""
    namespace, _, rule = finding.partition("::")
    if namespace not in PACKS or not rule.startswith(f"{namespace}-") or len(reason.strip()) < 20:
        raise ValueError(f"acknowledge {finding!r}: name the pack and exact finding and give a real reason")
    cdk.Validations.of(scope).acknowledge(cdk.Acknowledgment(id=finding, reason=reason))


def flatten_reference(value: object) -> str:
    """A resolved CloudFormation value as cdk-nag names it in a finding (utils/flatten-cfn-reference)."""
    if isinstance(value, str):
        return value.replace("${", "<").replace("}", ">")
    if isinstance(value, dict):
        if "Fn::Join" in value:
            delimiter, items = value["Fn::Join"]
            return delimiter.join(flatten_reference(item) for item in items)
        if "Fn::Sub" in value:
            return flatten_reference(value["Fn::Sub"])
        if "Fn::GetAtt" in value:
            resource, attribute = value["Fn::GetAtt"]
            return f"<{flatten_reference(resource)}.{flatten_reference(attribute)}>"
        if "Fn::ImportValue" in value:
            return flatten_reference(value["Fn::ImportValue"])
        if "Ref" in value:
            return f"<{flatten_reference(value['Ref'])}>"
    raise ValueError(f"cannot name a finding for {value!r}")


def wildcard_resource_finding(scope: IConstruct, resource: str) -> str:
    """The exact AwsSolutions-IAM5 finding that an Allow on `resource` (containing '*') raises."""
    resolved = cdk.Stack.of(scope).resolve(resource)
    return f"AwsSolutions::AwsSolutions-IAM5[Resource::{flatten_reference(resolved)}]"
