"""Properties moto's CloudFormation accepts but does not apply, re-applied through the service APIs.

moto creates an S3 bucket from a template with its encryption and tags only. The deployer applies
the rest that local behaviour depends on — event notifications (S3 -> SQS/SNS, which batch
predictions use), versioning, public access blocks, lifecycle rules — and reports each step, so
the template stays the single description of the stack.
"""
from __future__ import annotations

from typing import Any, Callable

from slipway.local.intrinsics import StackContext, resolve


def _notification_configuration(properties: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    source = properties.get("NotificationConfiguration") or {}
    skipped = []
    config: dict[str, Any] = {}
    for cfn_key, api_key, target_key in (("QueueConfigurations", "QueueConfigurations", "Queue"),
                                         ("TopicConfigurations", "TopicConfigurations", "Topic")):
        entries = []
        for entry in source.get(cfn_key, []):
            item: dict[str, Any] = {f"{target_key}Arn": entry[target_key], "Events": [entry["Event"]]}
            rules = (entry.get("Filter") or {}).get("S3Key", {}).get("Rules")
            if rules:
                item["Filter"] = {"Key": {"FilterRules": [{"Name": r["Name"], "Value": r["Value"]} for r in rules]}}
            entries.append(item)
        if entries:
            config[api_key] = entries
    if source.get("LambdaConfigurations"):
        skipped.append("S3 -> Lambda notifications are not emulated (route them through SQS)")
    if (source.get("EventBridgeConfiguration") or {}).get("EventBridgeEnabled"):
        skipped.append("S3 -> EventBridge notifications are not emulated")
    return config, skipped


def apply_bucket_gaps(clients: Callable[[str], Any], context: StackContext) -> list[str]:
    s3 = clients("s3")
    notes: list[str] = []
    for logical_id, resource in context.resources.items():
        if resource.get("Type") != "AWS::S3::Bucket":
            continue
        bucket = context.ref(logical_id)
        properties = resolve(resource.get("Properties", {}), context)
        if "VersioningConfiguration" in properties:
            s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={
                "Status": properties["VersioningConfiguration"]["Status"]})
            notes.append(f"{logical_id}: versioning applied")
        if "PublicAccessBlockConfiguration" in properties:
            s3.put_public_access_block(Bucket=bucket,
                                       PublicAccessBlockConfiguration=properties["PublicAccessBlockConfiguration"])
        if "LifecycleConfiguration" in properties:
            rules = [_lifecycle_rule(rule) for rule in properties["LifecycleConfiguration"]["Rules"]]
            s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": rules})
            notes.append(f"{logical_id}: lifecycle rules stored (moto does not expire objects)")
        notification, skipped = _notification_configuration(properties)
        if notification:
            s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=notification)
            notes.append(f"{logical_id}: event notifications applied")
        notes += [f"{logical_id}: {note}" for note in skipped]
    return notes


def _lifecycle_rule(rule: dict[str, Any]) -> dict[str, Any]:
    converted: dict[str, Any] = {"ID": rule.get("Id", "rule"), "Status": rule.get("Status", "Enabled"),
                                 "Filter": {"Prefix": rule.get("Prefix", "")}}
    if "ExpirationInDays" in rule:
        converted["Expiration"] = {"Days": rule["ExpirationInDays"]}
    if "NoncurrentVersionExpiration" in rule:
        converted["NoncurrentVersionExpiration"] = {
            "NoncurrentDays": rule["NoncurrentVersionExpiration"]["NoncurrentDays"]}
    if "AbortIncompleteMultipartUpload" in rule:
        converted["AbortIncompleteMultipartUpload"] = {
            "DaysAfterInitiation": rule["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"]}
    return converted
