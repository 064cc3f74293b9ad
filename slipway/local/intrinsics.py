"""Resolve the intrinsic functions a deployed template's properties use, from the deployed stack.

Enough of CloudFormation's semantics to re-apply properties an emulator ignored: Ref, Fn::GetAtt
(Arn and the common attributes), Fn::ImportValue, Fn::Join, Fn::Sub and the pseudo parameters.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from slipway.errors import SlipwayError


class UnresolvableError(SlipwayError):
    pass


@dataclass(frozen=True)
class StackContext:
    resources: dict[str, dict[str, Any]]  # the template's Resources
    physical_ids: dict[str, str]
    exports: dict[str, str]
    region: str
    account_id: str

    def ref(self, logical_id: str) -> str:
        pseudo = {"AWS::Region": self.region, "AWS::AccountId": self.account_id, "AWS::Partition": "aws",
                  "AWS::URLSuffix": "amazonaws.com", "AWS::NoValue": ""}
        if logical_id in pseudo:
            return pseudo[logical_id]
        if logical_id not in self.physical_ids:
            raise UnresolvableError(f"Ref to {logical_id}, which the stack did not create")
        return self.physical_ids[logical_id]

    def get_att(self, logical_id: str, attribute: str) -> str:
        kind = self.resources.get(logical_id, {}).get("Type", "")
        physical = self.ref(logical_id)
        if attribute == "Arn":
            if kind == "AWS::SQS::Queue":  # the physical id is the queue URL
                return f"arn:aws:sqs:{self.region}:{self.account_id}:{physical.rstrip('/').rsplit('/', 1)[-1]}"
            if kind == "AWS::S3::Bucket":
                return f"arn:aws:s3:::{physical}"
            if kind == "AWS::SNS::Topic":
                return physical
            if kind == "AWS::Lambda::Function":
                return f"arn:aws:lambda:{self.region}:{self.account_id}:function:{physical}"
            if kind == "AWS::Kinesis::Stream":
                return f"arn:aws:kinesis:{self.region}:{self.account_id}:stream/{physical}"
        if kind == "AWS::SQS::Queue" and attribute == "QueueName":
            return physical.rstrip("/").rsplit("/", 1)[-1]
        raise UnresolvableError(f"Fn::GetAtt {logical_id}.{attribute} ({kind}) is not resolvable locally")


def resolve(value: Any, context: StackContext) -> Any:
    if isinstance(value, list):
        return [resolve(item, context) for item in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        (name, argument), = value.items()
        if name == "Ref":
            return context.ref(argument)
        if name == "Fn::GetAtt":
            logical_id, attribute = argument if isinstance(argument, list) else argument.split(".", 1)
            return context.get_att(logical_id, attribute)
        if name == "Fn::ImportValue":
            export = resolve(argument, context)
            if export not in context.exports:
                raise UnresolvableError(f"Fn::ImportValue {export}: no such export")
            return context.exports[export]
        if name == "Fn::Join":
            separator, parts = argument
            return separator.join(str(resolve(part, context)) for part in parts)
        if name == "Fn::Sub":
            template, variables = (argument, {}) if isinstance(argument, str) else argument
            resolved = {k: resolve(v, context) for k, v in variables.items()}

            def substitute(match: re.Match[str]) -> str:
                name = match.group(1)
                if name in resolved:
                    return str(resolved[name])
                if "." in name:
                    return context.get_att(*name.split(".", 1))
                return context.ref(name)

            return re.sub(r"\$\{([^}!]+)\}", substitute, template)
    return {key: resolve(item, context) for key, item in value.items()}
