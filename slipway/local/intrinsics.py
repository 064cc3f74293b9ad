"""CloudFormation intrinsic functions, walked in one place: which resources a value refers to,
replacing references, and resolving a value against a deployed stack.

Enough of CloudFormation's semantics to read CDK-synthesized templates: Ref, Fn::GetAtt (Arn and
the common attributes), Fn::ImportValue, Fn::Join, Fn::Sub and the pseudo parameters.
"""
from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any, Callable, Iterator

_SUB_NAME = re.compile(r"\$\{([^}!]+)\}")

from slipway.errors import SlipwayError


class UnresolvableError(SlipwayError):
    pass


def _sub_names(argument: Any) -> Iterator[str]:
    template, variables = (argument, {}) if isinstance(argument, str) else argument
    for name in _SUB_NAME.findall(template):
        if name not in variables:
            yield name.split(".", 1)[0]


def references(value: Any) -> Iterator[str]:
    """Every logical id (or pseudo parameter) a value refers to, in order, through any nesting."""
    if isinstance(value, list):
        for item in value:
            yield from references(item)
    elif isinstance(value, dict):
        if len(value) == 1:
            (name, argument), = value.items()
            if name == "Ref" and isinstance(argument, str):
                yield argument
                return
            if name == "Fn::GetAtt":
                yield argument[0] if isinstance(argument, list) else argument.split(".", 1)[0]
                return
            if name == "Fn::Sub":
                yield from _sub_names(argument)
                if isinstance(argument, list):
                    yield from references(argument[1])
                return
        for item in value.values():
            yield from references(item)


def target(value: Any) -> str | None:
    """The resource a value points at: the first logical id it refers to that is not a pseudo parameter
    (CDK renders integration targets and function names this way)."""
    return next((name for name in references(value) if not name.startswith("AWS::")), None)


def refers_to(value: Any, logical_ids: set[str]) -> bool:
    return any(name in logical_ids for name in references(value))


def replace_refs(value: Any, replacements: dict[str, Any]) -> Any:
    """A copy of value with each {"Ref": id} in replacements swapped for its replacement."""
    if isinstance(value, list):
        return [replace_refs(v, replacements) for v in value]
    if isinstance(value, dict):
        if set(value) == {"Ref"} and value["Ref"] in replacements:
            return copy.deepcopy(replacements[value["Ref"]])
        return {k: replace_refs(v, replacements) for k, v in value.items()}
    return value


def resources_of(template: dict[str, Any], kind: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """(logical id, Properties) of each resource of one type."""
    for logical_id, resource in template.get("Resources", {}).items():
        if resource.get("Type") == kind:
            yield logical_id, resource.get("Properties") or {}


def referenced_resource(value: Any, stack: str, templates: dict[str, dict[str, Any]]) -> tuple[str, str] | None:
    """(stack, logical id) of the resource a value names, across the app's stacks (Fn::ImportValue
    followed to the exporting stack's output)."""
    if isinstance(value, dict) and "Fn::ImportValue" in value:
        for other, template in templates.items():
            for output in template.get("Outputs", {}).values():
                if (output.get("Export") or {}).get("Name") == value["Fn::ImportValue"]:
                    return referenced_resource(output.get("Value"), other, templates)
        return None
    logical_id = target(value)
    if logical_id is None or logical_id not in templates[stack].get("Resources", {}):
        return None
    return stack, logical_id


def referenced_type(value: Any, stack: str, templates: dict[str, dict[str, Any]]) -> str | None:
    """The type of the resource a value names, across the app's stacks."""
    found = referenced_resource(value, stack, templates)
    return templates[found[0]]["Resources"][found[1]].get("Type") if found else None


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
        handler: Callable[[Any, StackContext], Any] | None = _FUNCTIONS.get(name)
        if handler is not None:
            return handler(argument, context)
    return {key: resolve(item, context) for key, item in value.items()}


def _get_att(argument: Any, context: StackContext) -> str:
    logical_id, attribute = argument if isinstance(argument, list) else argument.split(".", 1)
    return context.get_att(logical_id, attribute)


def _import_value(argument: Any, context: StackContext) -> str:
    export = resolve(argument, context)
    if export not in context.exports:
        raise UnresolvableError(f"Fn::ImportValue {export}: no such export")
    return context.exports[export]


def _join(argument: Any, context: StackContext) -> str:
    separator, parts = argument
    return separator.join(str(resolve(part, context)) for part in parts)


def _sub(argument: Any, context: StackContext) -> str:
    template, variables = (argument, {}) if isinstance(argument, str) else argument
    resolved = {k: resolve(v, context) for k, v in variables.items()}

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in resolved:
            return str(resolved[name])
        if "." in name:
            return context.get_att(*name.split(".", 1))
        return context.ref(name)

    return _SUB_NAME.sub(substitute, template)


_FUNCTIONS: dict[str, Callable[[Any, StackContext], Any]] = {
    "Ref": lambda argument, context: context.ref(argument),
    "Fn::GetAtt": _get_att,
    "Fn::ImportValue": _import_value,
    "Fn::Join": _join,
    "Fn::Sub": _sub,
}


def dependencies(resource: dict[str, Any]) -> set[str]:
    """The logical ids a resource needs: those its properties refer to and those it DependsOn."""
    depends_on = resource.get("DependsOn") or []
    return set(references(resource.get("Properties"))) | set([depends_on] if isinstance(depends_on, str) else depends_on)
