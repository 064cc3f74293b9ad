"""The training image per region as a CloudFormation mapping: the registry from the sagemaker
package's own lookup, the tag pinned by the job spec (slipway.jobs.images). The stacks stay
region-agnostic and the image follows the region they are deployed to; every row carries the
same tag, so one wheelhouse (built for the tag's Python) fits every region. The repository ARN
scopes the execution role's ECR pulls."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import aws_cdk as cdk
from constructs import Construct

from slipway.jobs.images import registries, training_image


@dataclass(frozen=True)
class RegionalImage:
    uri: str  # a token: Fn::FindInMap on the stack's region
    repository_arn: str
    sample_uri: str  # one region's concrete URI: the tag (Python, OS) every region shares


def regional_image(scope: Construct, construct_id: str, *, framework: str, version: str,
                   instance_type: str, tags: Mapping[str, str]) -> RegionalImage:
    rows: dict[str, dict[str, str]] = {}
    for region in registries(framework, version):
        uri = training_image(framework, version, region, instance_type, tags)
        registry, _, rest = uri.partition("/")
        if not registry.endswith(".amazonaws.com"):
            continue  # other partitions (China, GovCloud isolated regions) are out of target-partitions
        rows[region] = {"uri": uri, "account": registry.split(".", 1)[0], "repository": rest.split(":", 1)[0]}
    mapping = cdk.CfnMapping(scope, construct_id, mapping=rows, lazy=True)
    stack = cdk.Stack.of(scope)
    region = stack.region
    return RegionalImage(
        uri=mapping.find_in_map(region, "uri"),
        sample_uri=rows["us-east-1"]["uri"] if "us-east-1" in rows else next(iter(rows.values()))["uri"],
        repository_arn=(f"arn:{stack.partition}:ecr:{region}:{mapping.find_in_map(region, 'account')}:"
                        f"repository/{mapping.find_in_map(region, 'repository')}"),
    )
