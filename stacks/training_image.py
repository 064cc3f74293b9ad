"""The training image per region, from the sagemaker package's own lookup (slipway.jobs.images),
as a CloudFormation mapping: the stacks stay region-agnostic and the image follows the region
they are deployed to. The repository ARN scopes the execution role's ECR pulls."""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass

import aws_cdk as cdk
from constructs import Construct

from slipway.jobs.images import training_image


@dataclass(frozen=True)
class RegionalImage:
    uri: str  # a token: Fn::FindInMap on the stack's region
    repository_arn: str


def _regions(framework: str, version: str) -> list[str]:
    os.environ.setdefault("SAGEMAKER_SUPPRESS_V2_WARNING", "1")
    logging.getLogger("sagemaker.config").setLevel(logging.WARNING)
    from sagemaker import image_uris

    registries = image_uris.config_for_framework(framework)["training"]["versions"][version]["registries"]
    return sorted(registries)


def regional_image(scope: Construct, construct_id: str, *, framework: str, version: str,
                   instance_type: str) -> RegionalImage:
    rows: dict[str, dict[str, str]] = {}
    for region in _regions(framework, version):
        uri = training_image(framework, version, region, instance_type)
        registry, _, rest = uri.partition("/")
        if not registry.endswith(".amazonaws.com"):
            continue  # other partitions (China, GovCloud isolated regions) are out of target-partitions
        rows[region] = {"uri": uri, "account": registry.split(".", 1)[0], "repository": rest.split(":", 1)[0]}
    mapping = cdk.CfnMapping(scope, construct_id, mapping=rows, lazy=True)
    stack = cdk.Stack.of(scope)
    region = stack.region
    return RegionalImage(
        uri=mapping.find_in_map(region, "uri"),
        repository_arn=(f"arn:{stack.partition}:ecr:{region}:{mapping.find_in_map(region, 'account')}:"
                        f"repository/{mapping.find_in_map(region, 'repository')}"),
    )
