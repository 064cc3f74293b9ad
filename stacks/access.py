"""Least-privilege grants written out action by action, with the nag acknowledgement a prefix
wildcard needs, so that a role's policy reads as the list of what it may do and why."""
from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3

from stacks.nag import acknowledge, wildcard_resource_finding


def allow_objects(role: iam.IRole, *, bucket: s3.IBucket, keys: str, actions: Sequence[str], why: str = "") -> None:
    """Allow `actions` on the objects matching `keys` (an exact key or a prefix ending in '*')."""
    resource = bucket.arn_for_objects(keys)
    role.add_to_principal_policy(iam.PolicyStatement(actions=list(actions), resources=[resource]))
    if "*" in keys:
        acknowledge(role, wildcard_resource_finding(role, resource),
                    f"Scoped to the key prefix '{keys}' of one bucket, whose object names are not known at "
                    f"deploy time: {why}")


def allow_list(role: iam.IRole, *, bucket: s3.IBucket, prefixes: Sequence[str]) -> None:
    """s3:ListBucket on the bucket, for keys under `prefixes` only."""
    role.add_to_principal_policy(iam.PolicyStatement(
        actions=["s3:ListBucket"],
        resources=[bucket.bucket_arn],
        conditions={"StringLike": {"s3:prefix": [f"{prefix}*" for prefix in prefixes]}},
    ))
