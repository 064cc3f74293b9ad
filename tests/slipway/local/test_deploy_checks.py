"""Deploy-time checks Lambda makes and moto's CloudFormation skips, each with Lambda's message."""
from __future__ import annotations

import copy
import json

import pytest

from slipway.local.assembly import StackArtifact
from slipway.local.deploy_checks import check_app
from slipway.local.deployer import DeployError, Deployer

FUNCTION = {"Type": "AWS::Lambda::Function", "Properties": {
    "Handler": "app.handler", "Runtime": "python3.12", "Timeout": 60, "MemorySize": 512, "Code": {}}}
QUEUE = {"Type": "AWS::SQS::Queue", "Properties": {"VisibilityTimeout": 360}}
STREAM = {"Type": "AWS::Kinesis::Stream", "Properties": {"ShardCount": 1}}


def _app(mapping: dict | None = None, *, function: dict | None = None, queue: dict | None = None) -> dict:
    resources = {"Fn": copy.deepcopy(FUNCTION), "Queue": copy.deepcopy(QUEUE), "Stream": copy.deepcopy(STREAM)}
    resources["Fn"]["Properties"].update(function or {})
    resources["Queue"]["Properties"].update(queue or {})
    if mapping is not None:
        resources["Mapping"] = {"Type": "AWS::Lambda::EventSourceMapping", "Properties": {
            "FunctionName": {"Ref": "Fn"}, **mapping}}
    return {"App": {"Resources": resources}}


def _messages(app: dict) -> list[str]:
    return [v.message for v in check_app(app)]


SQS = {"EventSourceArn": {"Fn::GetAtt": ["Queue", "Arn"]}}
KINESIS = {"EventSourceArn": {"Fn::GetAtt": ["Stream", "Arn"]}, "StartingPosition": "TRIM_HORIZON"}


def test_a_valid_app_passes():
    assert _messages(_app({**SQS, "BatchSize": 10})) == []
    assert _messages(_app({**KINESIS, "BatchSize": 500, "ParallelizationFactor": 10})) == []


def test_an_sqs_batch_over_10_needs_a_batching_window():
    """"Using Lambda with Amazon SQS": with BatchSize above 10, MaximumBatchingWindowInSeconds must be at
    least 1 second (https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html)."""
    assert _messages(_app({**SQS, "BatchSize": 11})) == [
        "Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10"]
    assert _messages(_app({**SQS, "BatchSize": 11, "MaximumBatchingWindowInSeconds": 1})) == []


def test_the_queue_visibility_timeout_must_cover_the_function_timeout():
    """Lambda refuses the mapping: "Queue visibility timeout: 30 seconds is less than Function timeout:
    300 seconds" (InvalidParameterValueException; "Using Lambda with Amazon SQS",
    https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html#events-sqs-queueconfig)."""
    assert _messages(_app(SQS, function={"Timeout": 300}, queue={"VisibilityTimeout": 30})) == [
        "Queue visibility timeout: 30 seconds is less than Function timeout: 300 seconds"]


def test_without_a_visibility_timeout_the_queue_has_sqs_default_of_30_seconds():
    app = _app(SQS, function={"Timeout": 31})
    del app["App"]["Resources"]["Queue"]["Properties"]["VisibilityTimeout"]

    assert _messages(app) == ["Queue visibility timeout: 30 seconds is less than Function timeout: 31 seconds"]


@pytest.mark.parametrize(("setting", "value", "message"), [
    ("ParallelizationFactor", 11, "Value '11' at 'parallelizationFactor' failed to satisfy constraint: Member must "
                                  "have value less than or equal to 10"),
    ("ParallelizationFactor", 0, "Value '0' at 'parallelizationFactor' failed to satisfy constraint: Member must "
                                 "have value greater than or equal to 1"),
    ("BatchSize", 10001, "Value '10001' at 'batchSize' failed to satisfy constraint: Member must have value less "
                         "than or equal to 10000"),
    ("MaximumBatchingWindowInSeconds", 301, "Value '301' at 'maximumBatchingWindowInSeconds' failed to satisfy "
                                            "constraint: Member must have value less than or equal to 300"),
    ("MaximumRetryAttempts", 10001, "Value '10001' at 'maximumRetryAttempts' failed to satisfy constraint: Member "
                                    "must have value less than or equal to 10000"),
])
def test_mapping_settings_outside_the_api_references_ranges_are_refused(setting, value, message):
    """CreateEventSourceMapping's request parameters and their valid ranges
    (https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html)."""
    assert _messages(_app({**KINESIS, setting: value})) == [f"1 validation error detected: {message}"]


@pytest.mark.parametrize("concurrency", [1, 1001])
def test_maximum_concurrency_is_between_2_and_1000(concurrency):
    """ScalingConfig.MaximumConcurrency: "Minimum value of 2. Maximum value of 1000"
    (https://docs.aws.amazon.com/lambda/latest/api/API_ScalingConfig.html)."""
    [message] = _messages(_app({**SQS, "ScalingConfig": {"MaximumConcurrency": concurrency}}))

    assert message.startswith(f"1 validation error detected: Value '{concurrency}' at "
                              "'scalingConfig.maximumConcurrency' failed to satisfy constraint")


@pytest.mark.parametrize("setting", [{"BisectBatchOnFunctionError": True}, {"ParallelizationFactor": 2},
                                     {"MaximumRetryAttempts": 2}])
def test_stream_only_settings_are_refused_on_an_sqs_mapping(setting):
    """BisectBatchOnFunctionError, ParallelizationFactor, MaximumRetryAttempts, ... apply to streams
    only ("Kinesis, DynamoDB Streams" in the API reference's parameter list)."""
    [name] = setting

    assert _messages(_app({**SQS, **setting})) == [f"Unsupported {name} parameter for given event source."]


@pytest.mark.parametrize(("properties", "message"), [
    ({"Timeout": 901}, "1 validation error detected: Value '901' at 'timeout' failed to satisfy constraint: Member "
                       "must have value less than or equal to 900"),
    ({"MemorySize": 64}, "1 validation error detected: Value '64' at 'memorySize' failed to satisfy constraint: "
                         "Member must have value greater than or equal to 128"),
    ({"Handler": "app handler"}, "1 validation error detected: Value 'app handler' at 'handler' failed to satisfy "
                                 "constraint: Member must satisfy regular expression pattern: [^\\s]+"),
    ({"Runtime": "python3.7"}, "The runtime parameter of python3.7 is no longer supported for creating or updating "
                               "AWS Lambda functions. We recommend you use the new runtime (python3.12) while "
                               "creating or updating functions."),
    ({"Runtime": "cobol1.0"}, "1 validation error detected: Value 'cobol1.0' at 'runtime' failed to satisfy "
                              "constraint: Member must satisfy enum value set"),
])
def test_function_settings_lambda_refuses(properties, message):
    """CreateFunction's constraints (https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html)
    and the runtime deprecation policy (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html)."""
    assert _messages(_app(function=properties)) == [message]


def test_reserved_concurrency_must_leave_100_unreserved_in_the_account():
    """PutFunctionConcurrency: the account keeps at least 100 unreserved executions
    (https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html)."""
    app = _app(function={"ReservedConcurrentExecutions": 600})
    app["App"]["Resources"]["Other"] = copy.deepcopy(FUNCTION)
    app["App"]["Resources"]["Other"]["Properties"]["ReservedConcurrentExecutions"] = 301

    [violation] = check_app(app)

    assert violation.logical_id == "Other"
    assert violation.message == ("Specified ReservedConcurrentExecutions for function decreases account's "
                                 "UnreservedConcurrentExecution below its minimum value of [100].")


def test_the_deployer_refuses_the_app_before_deploying_anything_and_names_the_resource(tmp_path):
    template = _app({**SQS, "BatchSize": 11})["App"]
    path = tmp_path / "App.template.json"
    path.write_text(json.dumps(template))
    stack = StackArtifact(name="App", template_path=path, dependencies=(), assets=(), bootstrap_parameter=None)
    deployer = Deployer.__new__(Deployer)  # no target needed: the check runs before any call

    with pytest.raises(DeployError) as refused:
        deployer.check([stack])

    assert str(refused.value) == (
        "stack App failed to deploy: Mapping (AWS::Lambda::EventSourceMapping) CREATE_FAILED: Resource handler "
        "returned message: \"Maximum batch window in seconds must be greater than 0 if maximum batch size is "
        "greater than 10\"")
