"""Event source mappings name their target by ARN.

CDK names an alias target as `Fn::Select(6, Fn::Split(":", <alias ARN>)) + ":live"`; the alias ARN
itself (`Ref` of the alias) is what Lambda accepts too, reads plainly in the template, and lets
tools that stand an alias in for its function (the local emulator) resolve it.
"""
from __future__ import annotations

from aws_cdk import aws_lambda as lambda_


def target_mappings_by_arn(function: lambda_.IFunction) -> int:
    """Point every event source mapping created under `function` at its ARN; returns how many."""
    mappings = [child for child in function.node.find_all() if isinstance(child, lambda_.CfnEventSourceMapping)]
    for mapping in mappings:
        mapping.function_name = function.function_arn
    return len(mappings)
