"""moto's Step Functions interpreter on the embedded emulator, completed by slipway.local.stepfunctions:
SageMaker `.sync` waits for the job and returns its Describe response, Lambda tasks reach the hosted
functions, SNS publishes land in the emulator."""
from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from slipway.aws import Clients
from slipway.local import stepfunctions
from slipway.local.functions import Invocation
from slipway.local.sagemaker_sync import SYNC_JOBS, job_outcome, json_safe, request_fields

FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:evaluate"
JOB = {"AlgorithmSpecification": {"TrainingImage": "123456789012.dkr.ecr.us-east-1.amazonaws.com/t:1",
                                  "TrainingInputMode": "File"},
       "RoleArn": "arn:aws:iam::123456789012:role/sagemaker",
       "OutputDataConfig": {"S3OutputPath": "s3://models/out/"},
       "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 1},
       "StoppingCondition": {"MaxRuntimeInSeconds": 60}}


def definition(topic_arn: str) -> str:
    catch = [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Notify"}]
    return json.dumps({"StartAt": "Train", "States": {
        "Train": {"Type": "Task", "Resource": "arn:aws:states:::sagemaker:createTrainingJob.sync",
                  "Parameters": {**JOB, "TrainingJobName.$": "$.job"},
                  "ResultSelector": {"name.$": "$.TrainingJobName", "status.$": "$.TrainingJobStatus",
                                     "model_uri.$": "$.ModelArtifacts.S3ModelArtifacts"},
                  "ResultPath": "$.training", "Catch": catch, "Next": "Evaluate"},
        # The form CDK's LambdaInvoke(payload_response_only=True) synthesizes: the function ARN as resource.
        "Evaluate": {"Type": "Task", "Resource": FUNCTION_ARN,
                     "Parameters": {"candidate_model_uri.$": "$.training.model_uri"},
                     "ResultPath": "$.evaluation", "Catch": catch, "Next": "Notify"},
        "Notify": {"Type": "Task", "Resource": "arn:aws:states:::sns:publish",
                   "Parameters": {"TopicArn": topic_arn, "Message.$": "States.JsonToString($)"},
                   "ResultPath": None, "End": True},
    }})


class FakeSageMaker:
    """The SageMaker client the `.sync` task polls, scripted per job: statuses in turn, the last kept.

    Stands in for whichever SageMaker backs the emulator (moto's fakes, or the local SageMaker's
    real jobs), so these tests see only the integration's own behaviour.
    """

    def __init__(self) -> None:
        self.script: dict[str, list[tuple[str, str | None]]] = {}
        self.describes: dict[str, int] = {}
        self.stopped: list[str] = []

    def create_training_job(self, **request: Any) -> dict[str, Any]:
        self.script.setdefault(request["TrainingJobName"], [("Completed", None)])
        return {"TrainingJobArn": f"arn:aws:sagemaker:us-east-1:123456789012:training-job/{request['TrainingJobName']}",
                "ResponseMetadata": {}}

    def describe_training_job(self, TrainingJobName: str) -> dict[str, Any]:
        from datetime import datetime, timezone

        self.describes[TrainingJobName] = self.describes.get(TrainingJobName, 0) + 1
        steps = self.script[TrainingJobName]
        status, reason = steps.pop(0) if len(steps) > 1 else steps[0]
        return {"TrainingJobName": TrainingJobName, "TrainingJobStatus": status,
                "CreationTime": datetime(2026, 11, 28, tzinfo=timezone.utc),
                "ModelArtifacts": {"S3ModelArtifacts": f"s3://models/out/{TrainingJobName}/output/model.tar.gz"},
                **({"FailureReason": reason} if reason else {}), "ResponseMetadata": {}}

    def stop_training_job(self, TrainingJobName: str) -> dict[str, Any]:
        self.stopped.append(TrainingJobName)
        self.script[TrainingJobName] = [("Stopped", None)]
        return {}


@pytest.fixture(scope="module")
def statuses() -> Iterator[FakeSageMaker]:
    from slipway.local.sagemaker_sync import StateTaskServiceSageMaker

    fake = FakeSageMaker()
    original = StateTaskServiceSageMaker._client
    StateTaskServiceSageMaker._client = lambda self, region, credentials: fake
    yield fake
    StateTaskServiceSageMaker._client = original


@pytest.fixture(scope="module")
def events() -> list[Any]:
    return []


@pytest.fixture(scope="module")
def machine(clients: Clients, statuses: FakeSageMaker, events: list[Any]) -> dict[str, str]:
    def evaluate(event: Any, *, timeout_s: float | None = None) -> Invocation:
        events.append(event)
        if "broken" in event["candidate_model_uri"]:
            return Invocation(error_type="ArtifactError", error_message="no manifest.json in the archive")
        return Invocation(payload={"promote": True, "reason": "no model is serving yet"})

    stepfunctions.host({FUNCTION_ARN: evaluate, "evaluate": evaluate})
    sns, sqs = clients("sns"), clients("sqs")
    topic = sns.create_topic(Name="pipeline")["TopicArn"]
    queue = sqs.create_queue(QueueName="pipeline-notifications")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"})
    arn = clients("stepfunctions").create_state_machine(
        name="sync", definition=definition(topic), roleArn="arn:aws:iam::123456789012:role/sfn")["stateMachineArn"]
    return {"arn": arn, "queue": queue}


def run(clients: Clients, machine: dict[str, str], job: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    sfn = clients("stepfunctions")
    execution = sfn.start_execution(stateMachineArn=machine["arn"], name=job, input=json.dumps({"job": job}))
    deadline = time.monotonic() + 60
    while (described := sfn.describe_execution(executionArn=execution["executionArn"]))["status"] == "RUNNING":
        assert time.monotonic() < deadline, "the execution did not end within 60 s"
        time.sleep(0.2)
    return described, sfn.get_execution_history(executionArn=execution["executionArn"])["events"]


def notification(clients: Clients, machine: dict[str, str]) -> dict[str, Any]:
    messages = clients("sqs").receive_message(QueueUrl=machine["queue"], WaitTimeSeconds=5,
                                              MaxNumberOfMessages=1)["Messages"]
    clients("sqs").delete_message(QueueUrl=machine["queue"], ReceiptHandle=messages[0]["ReceiptHandle"])
    return json.loads(messages[0]["Body"])


def test_a_sync_training_task_waits_for_the_job_and_returns_its_describe_response(clients, machine, statuses,
                                                                                   events):
    """Step Functions' "Run a Job (.sync)" for SageMaker waits until the job is Completed and returns
    DescribeTrainingJob's response (https://docs.aws.amazon.com/step-functions/latest/dg/connect-sagemaker.html)."""
    statuses.script["job-ok"] = [("InProgress", None), ("InProgress", None), ("Completed", None)]

    described, history = run(clients, machine, "job-ok")

    assert described["status"] == "SUCCEEDED"
    assert statuses.describes["job-ok"] >= 3
    output = json.loads(described["output"])
    assert output["training"] == {"name": "job-ok", "status": "Completed",
                                  "model_uri": "s3://models/out/job-ok/output/model.tar.gz"}
    assert events[-1] == {"candidate_model_uri": "s3://models/out/job-ok/output/model.tar.gz"}
    assert output["evaluation"] == {"promote": True, "reason": "no model is serving yet"}
    types = [e["type"] for e in history]
    assert types.index("TaskSubmitted") < types.index("TaskSucceeded") < types.index("LambdaFunctionSucceeded")
    assert notification(clients, machine)["evaluation"]["promote"] is True


def test_a_failed_job_fails_the_task_with_its_describe_response_as_the_cause(clients, machine, statuses):
    """A `.sync` job that ends Failed fails the task with States.TaskFailed; the cause is the job's
    description, FailureReason included (connect-sagemaker.html; the Batch and Glue integrations of the
    same interpreter behave alike)."""
    statuses.script["job-bad"] = [("InProgress", None), ("Failed", "AlgorithmError: target column 'y' not found")]

    described, history = run(clients, machine, "job-bad")

    failed = next(e["taskFailedEventDetails"] for e in history if e["type"] == "TaskFailed")
    assert failed["error"] == "States.TaskFailed"
    assert json.loads(failed["cause"])["FailureReason"] == "AlgorithmError: target column 'y' not found"
    assert described["status"] == "SUCCEEDED"  # caught: the notification carries it
    message = notification(clients, machine)
    assert message["error"]["Error"] == "States.TaskFailed"
    assert "target column 'y' not found" in message["error"]["Cause"]


def test_a_function_error_fails_the_lambda_task_with_the_functions_error_type(clients, machine, statuses):
    """A function error reaches Step Functions as the runtime's errorType and the error document as cause
    (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html)."""
    statuses.script["job-broken"] = [("Completed", None)]  # the fake evaluate refuses "broken" candidates

    described, history = run(clients, machine, "job-broken")

    failed = next(e["lambdaFunctionFailedEventDetails"] for e in history if e["type"] == "LambdaFunctionFailed")
    assert failed["error"] == "ArtifactError"
    assert json.loads(failed["cause"])["errorMessage"] == "no manifest.json in the archive"
    assert notification(clients, machine)["error"]["Error"] == "ArtifactError"


def test_a_lambda_task_naming_a_function_slipway_does_not_host_fails_as_lambda_would():
    """Invoke on an unknown function is ResourceNotFoundException
    (https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html#API_Invoke_Errors)."""
    stepfunctions.host({"known": lambda event, timeout_s=None: Invocation(payload=1)})
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        stepfunctions._invoke_hosted({"FunctionName": "arn:aws:lambda:us-east-1:1:function:other",
                                      "Payload": b"{}"}, "us-east-1", None)
    hosted = stepfunctions._invoke_hosted({"FunctionName": "arn:aws:lambda:us-east-1:1:function:known:live",
                                           "Payload": b"{}"}, "us-east-1", None)
    assert hosted == {"StatusCode": 200, "ExecutedVersion": "$LATEST", "Payload": 1}


def test_describe_output_is_made_json_and_statuses_are_read_as_sagemaker_defines_them():
    """TrainingJobStatus: InProgress | Completed | Failed | Stopping | Stopped
    (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DescribeTrainingJob.html)."""
    from datetime import datetime, timezone

    job = SYNC_JOBS["create_training_job"]
    assert [job_outcome(job, {"TrainingJobStatus": s}) for s in ("InProgress", "Stopping", "Completed", "Failed",
                                                                  "Stopped")] == [None, None, "succeeded",
                                                                                  "failed", "failed"]
    moment = datetime(2026, 11, 28, tzinfo=timezone.utc)
    assert json_safe({"a": [moment]}) == {"a": [int(moment.timestamp() * 1000)]}
    assert "HyperParameterTuningJobConfig" in request_fields("createHyperParameterTuningJob")
    assert request_fields("createNothing") is None


def test_stopping_the_execution_stops_the_job_it_waits_for(clients, machine, statuses):
    """A stopped execution stops its `.sync` job (the generated IAM policies for SageMaker `.sync` grant
    StopTrainingJob: https://docs.aws.amazon.com/step-functions/latest/dg/sagemaker-iam.html)."""
    statuses.script["job-long"] = [("InProgress", None)]
    sfn = clients("stepfunctions")
    execution = sfn.start_execution(stateMachineArn=machine["arn"], name="job-long",
                                    input=json.dumps({"job": "job-long"}))["executionArn"]
    deadline = time.monotonic() + 30
    while statuses.describes.get("job-long", 0) < 2:
        assert time.monotonic() < deadline, "the task never polled the job"
        time.sleep(0.2)

    sfn.stop_execution(executionArn=execution, error="Operator", cause="stopped by the test")

    while not statuses.stopped:
        assert time.monotonic() < deadline, "the job was not stopped"
        time.sleep(0.2)
    assert statuses.stopped == ["job-long"]
    assert sfn.describe_execution(executionArn=execution)["status"] == "ABORTED"
