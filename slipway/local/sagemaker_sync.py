"""SageMaker's `.sync` integrations for moto's Step Functions interpreter.

Step Functions documents `createTrainingJob.sync` and `createHyperParameterTuningJob.sync` as "Run
a Job": it calls the Create API, then waits until the job ends and returns the job's Describe
response as the task's result; a job that ends Failed or Stopped fails the task
(https://docs.aws.amazon.com/step-functions/latest/dg/connect-sagemaker.html,
https://docs.aws.amazon.com/step-functions/latest/dg/connect-to-resource.html#connect-sync).
The interpreter's Batch and Glue integrations do the same by polling their Describe call from
`_build_sync_resolver`; this class does it for SageMaker. Other SageMaker actions are forwarded
to the service as the interpreter does for every service it does not know.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Final

from botocore.exceptions import ClientError
from moto.stepfunctions.parser.api import HistoryEventType, TaskFailedEventDetails
from moto.stepfunctions.parser.asl.component.common.error_name.custom_error_name import CustomErrorName
from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
    FailureEvent,
    FailureEventException,
)
from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import StatesErrorName
from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import StatesErrorNameType
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.resource import ResourceCondition
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_callback import (
    StateTaskServiceCallback,
)
from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails
from moto.stepfunctions.parser.asl.utils.boto_client import boto_client_for
from moto.stepfunctions.parser.asl.utils.encoding import to_json_str


@dataclass(frozen=True)
class SyncJob:
    """How one `.sync` action names its job, reads its status, and says it has ended."""

    name_parameter: str
    describe: str  # boto3 method
    stop: str
    status_field: str

    def describe_job(self, client: Any, name: str) -> dict[str, Any]:
        response = getattr(client, self.describe)(**{self.name_parameter: name})
        response.pop("ResponseMetadata", None)
        return response


SYNC_JOBS: Final[dict[str, SyncJob]] = {
    "create_training_job": SyncJob("TrainingJobName", "describe_training_job", "stop_training_job",
                                   "TrainingJobStatus"),
    "create_hyper_parameter_tuning_job": SyncJob("HyperParameterTuningJobName",
                                                 "describe_hyper_parameter_tuning_job",
                                                 "stop_hyper_parameter_tuning_job",
                                                 "HyperParameterTuningJobStatus"),
}
SUCCEEDED: Final = "Completed"
FAILED: Final = frozenset({"Failed", "Stopped"})


@functools.cache
def request_fields(api_action: str) -> set[str] | None:
    import botocore.session

    model = botocore.session.get_session().get_service_model("sagemaker")
    operation = api_action[:1].upper() + api_action[1:]
    if operation not in model.operation_names:
        return None
    return set(model.operation_model(operation).input_shape.members)


def json_safe(value: Any) -> Any:
    """Describe output as Step Functions hands it on: timestamps as epoch milliseconds."""
    if isinstance(value, datetime):
        return int(value.timestamp() * 1000)
    if isinstance(value, dict):
        return {key: json_safe(item) for key, item in value.items()}
    if isinstance(value, list):
        return [json_safe(item) for item in value]
    return value


def job_outcome(job: SyncJob, description: dict[str, Any]) -> str | None:
    """'succeeded', 'failed', or None while the job runs."""
    status = description.get(job.status_field)
    if status == SUCCEEDED:
        return "succeeded"
    if status in FAILED:
        return "failed"
    return None


class StateTaskServiceSageMaker(StateTaskServiceCallback):
    def __init__(self) -> None:
        super().__init__(supported_integration_patterns={ResourceCondition.Sync, ResourceCondition.WaitForTaskToken})

    _stop_job: Callable[[], Any] | None = None

    def _eval_sync(self, env: Any, *args: Any, **kwargs: Any) -> Any:
        """A stopped (or timed-out) execution stops the job it waits for, as Step Functions does for
        `.sync` jobs (why the policies it generates for SageMaker `.sync` grant Stop*:
        https://docs.aws.amazon.com/step-functions/latest/dg/sagemaker-iam.html)."""
        outcome = super()._eval_sync(env, *args, **kwargs)
        if not env.is_running() and self._stop_job is not None:
            try:
                self._stop_job()
            except ClientError:
                pass  # best effort: the job may have ended meanwhile
        return outcome

    def _get_supported_parameters(self) -> set[str] | None:
        """The API's request fields: Step Functions passes `Parameters` to SageMaker as its request."""
        return request_fields(self.resource.api_action)

    def _client(self, region: str, credentials: Any) -> Any:
        return boto_client_for(service="sagemaker", region=region, state_credentials=credentials)

    def _from_error(self, env: Any, ex: Exception) -> FailureEvent:
        # An API refusal is named as Step Functions names it: "SageMaker.<error code>".
        if isinstance(ex, ClientError):
            error = f"SageMaker.{ex.response['Error']['Code']}"
            return FailureEvent(
                env=env, error_name=CustomErrorName(error), event_type=HistoryEventType.TaskFailed,
                event_details=EventDetails(taskFailedEventDetails=TaskFailedEventDetails(
                    error=error, cause=ex.response["Error"].get("Message", ""),
                    resource=self._get_sfn_resource(), resourceType=self._get_sfn_resource_type())))
        return super()._from_error(env=env, ex=ex)

    def _eval_service_task(self, env: Any, resource_runtime_part: Any, normalised_parameters: dict,
                           state_credentials: Any) -> None:
        client = self._client(resource_runtime_part.region, state_credentials)
        response = getattr(client, self._get_boto_service_action())(**normalised_parameters)
        response.pop("ResponseMetadata", None)
        env.stack.append(json_safe(response))

    def _build_sync_resolver(self, env: Any, resource_runtime_part: Any, normalised_parameters: dict,
                             state_credentials: Any) -> Callable[[], Any]:
        action = self._get_boto_service_action()
        job = SYNC_JOBS.get(action)
        if job is None:
            raise RuntimeError(f"Unsupported .sync callback procedure in resource {self.resource.resource_arn}")
        env.stack.pop()  # the Create response; the result is the Describe response
        name = normalised_parameters[job.name_parameter]
        client = self._client(resource_runtime_part.region, state_credentials)
        self._stop_job = lambda: getattr(client, job.stop)(**{job.name_parameter: name})

        def resolve() -> dict[str, Any] | None:
            description = json_safe(job.describe_job(client, name))
            outcome = job_outcome(job, description)
            if outcome is None:
                return None
            if outcome == "succeeded":
                return description
            raise FailureEventException(FailureEvent(
                env=env, error_name=StatesErrorName(typ=StatesErrorNameType.StatesTaskFailed),
                event_type=HistoryEventType.TaskFailed,
                event_details=EventDetails(taskFailedEventDetails=TaskFailedEventDetails(
                    error=StatesErrorNameType.StatesTaskFailed.to_name(), cause=to_json_str(description),
                    resource=self._get_sfn_resource(), resourceType=self._get_sfn_resource_type()))))

        return resolve
