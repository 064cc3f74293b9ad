"""The checks Lambda makes when CloudFormation creates functions and event source mappings, which the
emulator's CloudFormation skips, applied to the synthesized templates before anything is deployed,
with the messages Lambda answers.

Sources (each rule's test names its own):
- CreateFunction: https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html (Timeout 1-900,
  MemorySize 128-10240, EphemeralStorage 512-10240, Handler pattern, Runtime)
- Runtime deprecation: https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html
- PutFunctionConcurrency: https://docs.aws.amazon.com/lambda/latest/api/API_PutFunctionConcurrency.html
  ("UnreservedConcurrentExecution below its minimum value of [100]")
- CreateEventSourceMapping: https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html
  (BatchSize 1-10000, MaximumBatchingWindowInSeconds 0-300, ParallelizationFactor 1-10,
  MaximumRetryAttempts -1-10000, MaximumRecordAgeInSeconds -1-604800, MaximumConcurrency 2-1000;
  stream-only settings)
- "Using Lambda with Amazon SQS": https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html (a batch
  over 10 needs a batching window; the queue's visibility timeout must cover the function timeout)
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterator

from slipway.local.intrinsics import referenced_resource, resources_of

ACCOUNT_CONCURRENCY = 1000  # Lambda's default concurrency quota per Region
MINIMUM_UNRESERVED = 100
SQS_DEFAULT_VISIBILITY_TIMEOUT = 30
LAMBDA_DEFAULT_TIMEOUT = 3
_RUNTIME_FAMILY = re.compile(r"^(nodejs\d+\.x|python3\.\d+|java\d+(\.al2)?|dotnet\d+|ruby\d\.\d+|provided(\.al2(023)?)?)$")
# Runtimes whose deprecation blocks creating and updating functions, with the runtime Lambda names.
_BLOCKED_RUNTIMES = {
    "python2.7": "python3.12", "python3.6": "python3.12", "python3.7": "python3.12", "python3.8": "python3.12",
    "nodejs": "nodejs22.x", "nodejs4.3": "nodejs22.x", "nodejs6.10": "nodejs22.x", "nodejs8.10": "nodejs22.x",
    "nodejs10.x": "nodejs22.x", "nodejs12.x": "nodejs22.x", "nodejs14.x": "nodejs22.x", "nodejs16.x": "nodejs22.x",
    "dotnetcore1.0": "dotnet8", "dotnetcore2.0": "dotnet8", "dotnetcore2.1": "dotnet8", "dotnetcore3.1": "dotnet8",
    "dotnet6": "dotnet8", "ruby2.5": "ruby3.3", "ruby2.7": "ruby3.3", "go1.x": "provided.al2023",
    "java8": "java21", "provided": "provided.al2023",
}
_STREAM_ONLY = ("BisectBatchOnFunctionError", "ParallelizationFactor", "MaximumRetryAttempts",
                "MaximumRecordAgeInSeconds", "StartingPosition", "DestinationConfig", "TumblingWindowInSeconds")


@dataclass(frozen=True)
class Violation:
    stack: str
    logical_id: str
    resource_type: str
    message: str

    def __str__(self) -> str:
        # As `cdk deploy` prints a resource that failed on Lambda's side.
        return (f"{self.logical_id} ({self.resource_type}) CREATE_FAILED: Resource handler returned message: "
                f"\"{self.message}\"")


def _model_range(value: Any, field: str, low: int, high: int) -> str | None:
    """Lambda's model validation message for a number outside its range."""
    if not isinstance(value, int) or isinstance(value, bool):
        return None  # an intrinsic the emulator resolves; nothing to check offline
    if value < low:
        return (f"1 validation error detected: Value '{value}' at '{field}' failed to satisfy constraint: "
                f"Member must have value greater than or equal to {low}")
    if value > high:
        return (f"1 validation error detected: Value '{value}' at '{field}' failed to satisfy constraint: "
                f"Member must have value less than or equal to {high}")
    return None


def _function_checks(props: dict[str, Any]) -> Iterator[str | None]:
    yield _model_range(props.get("Timeout"), "timeout", 1, 900)
    yield _model_range(props.get("MemorySize"), "memorySize", 128, 10240)
    yield _model_range((props.get("EphemeralStorage") or {}).get("Size"), "ephemeralStorage.size", 512, 10240)
    yield _model_range(props.get("ReservedConcurrentExecutions"), "reservedConcurrentExecutions", 0, ACCOUNT_CONCURRENCY)
    if props.get("PackageType", "Zip") == "Zip":
        handler = props.get("Handler")
        if isinstance(handler, str) and (not re.fullmatch(r"[^\s]+", handler) or len(handler) > 128):
            yield (f"1 validation error detected: Value '{handler}' at 'handler' failed to satisfy constraint: "
                   "Member must satisfy regular expression pattern: [^\\s]+")
        runtime = props.get("Runtime")
        if isinstance(runtime, str):
            if runtime in _BLOCKED_RUNTIMES:
                yield (f"The runtime parameter of {runtime} is no longer supported for creating or updating AWS "
                       f"Lambda functions. We recommend you use the new runtime ({_BLOCKED_RUNTIMES[runtime]}) "
                       "while creating or updating functions.")
            elif not _RUNTIME_FAMILY.match(runtime):
                yield (f"1 validation error detected: Value '{runtime}' at 'runtime' failed to satisfy constraint: "
                       "Member must satisfy enum value set")


def _source_kind(value: Any, stack: str, templates: dict[str, dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    """("sqs" | "kinesis" | "dynamodb" | other, the source resource's properties when in the app)."""
    found = referenced_resource(value, stack, templates)
    if found:
        resource = templates[found[0]]["Resources"][found[1]]
        kind = {"AWS::SQS::Queue": "sqs", "AWS::Kinesis::Stream": "kinesis",
                "AWS::DynamoDB::Table": "dynamodb"}.get(resource.get("Type", ""), "other")
        return kind, resource.get("Properties") or {}
    if isinstance(value, str) and value.startswith("arn:"):
        return value.split(":")[2], {}
    return "other", {}


def _function_properties(value: Any, stack: str, templates: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    """The properties of the function a mapping's FunctionName reaches (through an alias or version)."""
    found = referenced_resource(value, stack, templates)
    seen = set()
    while found and found not in seen:
        seen.add(found)
        resource = templates[found[0]]["Resources"][found[1]]
        if resource.get("Type") == "AWS::Lambda::Function":
            return resource.get("Properties") or {}
        if resource.get("Type") not in ("AWS::Lambda::Alias", "AWS::Lambda::Version"):
            return None
        found = referenced_resource((resource.get("Properties") or {}).get("FunctionName"), found[0], templates)
    return None


def _mapping_checks(props: dict[str, Any], stack: str, templates: dict[str, dict[str, Any]]) -> Iterator[str | None]:
    batch_size = props.get("BatchSize")
    window = props.get("MaximumBatchingWindowInSeconds")
    yield _model_range(batch_size, "batchSize", 1, 10000)
    yield _model_range(window, "maximumBatchingWindowInSeconds", 0, 300)
    yield _model_range(props.get("ParallelizationFactor"), "parallelizationFactor", 1, 10)
    yield _model_range(props.get("MaximumRetryAttempts"), "maximumRetryAttempts", -1, 10000)
    yield _model_range(props.get("MaximumRecordAgeInSeconds"), "maximumRecordAgeInSeconds", -1, 604800)
    yield _model_range((props.get("ScalingConfig") or {}).get("MaximumConcurrency"),
                       "scalingConfig.maximumConcurrency", 2, 1000)
    kind, source = _source_kind(props.get("EventSourceArn"), stack, templates)
    if kind == "sqs":
        for name in _STREAM_ONLY:
            if props.get(name) is not None:
                yield f"Unsupported {name} parameter for given event source."
        if isinstance(batch_size, int) and batch_size > 10 and not window:
            yield "Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10"
        function = _function_properties(props.get("FunctionName"), stack, templates)
        visibility = source.get("VisibilityTimeout", SQS_DEFAULT_VISIBILITY_TIMEOUT)
        timeout = (function or {}).get("Timeout", LAMBDA_DEFAULT_TIMEOUT)
        if function is not None and isinstance(visibility, int) and isinstance(timeout, int) and visibility < timeout:
            yield f"Queue visibility timeout: {visibility} seconds is less than Function timeout: {timeout} seconds"
    elif kind in ("kinesis", "dynamodb") and props.get("ScalingConfig") is not None:
        yield "Unsupported ScalingConfig parameter for given event source."


def check_app(templates: dict[str, dict[str, Any]]) -> list[Violation]:
    """Every violation in the app's templates, in stack order."""
    violations: list[Violation] = []
    reserved = 0
    for stack, template in templates.items():
        for logical_id, props in resources_of(template, "AWS::Lambda::Function"):
            messages = list(_function_checks(props))
            concurrency = props.get("ReservedConcurrentExecutions")
            if isinstance(concurrency, int) and not isinstance(concurrency, bool) and concurrency >= 0:
                reserved += concurrency
                if ACCOUNT_CONCURRENCY - reserved < MINIMUM_UNRESERVED:
                    messages.append("Specified ReservedConcurrentExecutions for function decreases account's "
                                    f"UnreservedConcurrentExecution below its minimum value of [{MINIMUM_UNRESERVED}].")
            violations += [Violation(stack, logical_id, "AWS::Lambda::Function", m) for m in messages if m]
        for logical_id, props in resources_of(template, "AWS::Lambda::EventSourceMapping"):
            violations += [Violation(stack, logical_id, "AWS::Lambda::EventSourceMapping", m)
                           for m in _mapping_checks(props, stack, templates) if m]
    return violations
