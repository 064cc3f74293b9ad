"""The training pipeline: tune on GPUs -> train the best configuration -> evaluate against the
serving model -> promote the pointer only if the candidate is not worse -> notify.

The SageMaker steps are `.sync` service integrations written as CustomState (CDK's task has no
spot, checkpoint or max-wait settings, FINDINGS.md), so their IAM is written here: the jobs by
name prefix (unique to the stack), iam:PassRole for the execution role only, and the EventBridge
rules Step Functions manages to learn when a job ends. Any failure notifies and then fails the
execution.

A tuning job can complete without a best training job (no trial reported the objective):
DescribeHyperParameterTuningJob then has no BestTrainingJob, and a ResultSelector path into it
would fail the state with States.Runtime, which no Catch catches: "A retry or catch on States.ALL
won't catch States.Runtime errors" (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html). So the Tune state selects only what is always there, a Choice on
ObjectiveStatusCounters.Succeeded routes "no best" to the failure notification, and only then is
the best job read (DescribeHyperParameterTuningJob through the AWS SDK integration).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from stacks.nag import acknowledge, wildcard_resource_finding
from stacks.training_requests import PipelineJobs

RUN_ID = "States.ArrayGetItem(States.StringSplit(States.UUID(), '-'), 0)"
_EVENT_RULES = ("StepFunctionsGetEventsForSageMakerTrainingJobsRule", "StepFunctionsGetEventsForSageMakerTuningJobsRule")


@dataclass(frozen=True)
class JobNaming:
    """Job names are `<prefix>-<run id>-hpo|final` (tuning job names allow 32 characters, and the
    tuning job names its trials `<its name>-NNN-<8 hex>`). The prefix is the model name's start and
    a digest of the stack's name, so the IAM statements scoped to `<prefix>-*` reach this stack's
    jobs only, not another deployment's (or anyone's) `model-*` jobs in the account."""

    prefix: str  # lower-case letters, digits and hyphens, at most 18 characters

    @classmethod
    def for_stack(cls, model_name: str, stack_name: str) -> "JobNaming":
        digest = hashlib.sha256(stack_name.encode()).hexdigest()[:6]
        return cls(prefix=f"{model_name[:11].rstrip('-').lower() or 'slipway'}-{digest}")

    def sample(self, suffix: str) -> str:
        """A name as an execution makes it, for checks at synth."""
        return f"{self.prefix}-0123abcd-{suffix}"

    @property
    def tuning_job_name(self) -> str:
        return f"States.Format('{self.prefix}-{{}}-hpo', $.run.id)"

    @property
    def training_job_name(self) -> str:
        return f"States.Format('{self.prefix}-{{}}-final', $.run.id)"

    def checkpoint_uri(self, bucket_name: str, prefix: str, stage: str) -> str:
        return f"States.Format('s3://{bucket_name}/{prefix}{{}}/{stage}/', $.run.id)"


class TrainingPipeline(Construct):
    """Exposes `state_machine` and `log_group`."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        jobs: PipelineJobs,
        naming: JobNaming,
        execution_role: iam.IRole,
        evaluate: lambda_.IFunction,
        promote: lambda_.IFunction,
        topic: sns.ITopic,
        log_group: logs.ILogGroup,
        timeout: cdk.Duration,
        tracing: bool,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = cdk.Stack.of(self)
        partition = stack.partition

        failed = self._notify(topic, "NotifyFailed", "failed", {"error.$": "$.error"}).next(
            sfn.Fail(self, "Failed", cause="A pipeline step failed; the notification carries the error"))
        name_run = sfn.Pass(self, "NameRun", parameters={"id.$": RUN_ID}, result_path="$.run")
        static = sfn.Pass(self, "StaticHyperparameters", result=sfn.Result.from_object(jobs.static_hyperparameters),
                          result_path="$.static_hyperparameters")
        tune = self._sagemaker("Tune", f"arn:{partition}:states:::sagemaker:createHyperParameterTuningJob.sync",
                               jobs.tuning, "$.tuning", {
                                   "job_name.$": "$.HyperParameterTuningJobName",
                                   "objectives.$": "$.ObjectiveStatusCounters",
                                   "trials.$": "$.TrainingJobStatusCounters",
                               }, failed)
        best = sfn.CustomState(self, "DescribeBest", state_json={
            "Type": "Task", "Resource": f"arn:{partition}:states:::aws-sdk:sagemaker:describeHyperParameterTuningJob",
            "Parameters": {"HyperParameterTuningJobName.$": "$.tuning.job_name"},
            "ResultSelector": {
                "training_job.$": "$.BestTrainingJob.TrainingJobName",
                "hyperparameters.$": "$.BestTrainingJob.TunedHyperParameters",
                "objective.$": "$.BestTrainingJob.FinalHyperParameterTuningJobObjectiveMetric",
            },
            "ResultPath": "$.best",
        })
        best.add_catch(failed, result_path="$.error")
        no_best = sfn.Pass(self, "NoBestTrainingJob", result_path="$.error", parameters={
            "Error": "Slipway.NoBestTrainingJob",
            "Cause.$": ("States.Format('Tuning job {} ended without a best training job: no trial reported the "
                        "objective metric (ObjectiveStatusCounters {}, TrainingJobStatusCounters {})', "
                        "$.tuning.job_name, States.JsonToString($.tuning.objectives), "
                        "States.JsonToString($.tuning.trials))"),
        }).next(failed)
        train = self._sagemaker("TrainBest", f"arn:{partition}:states:::sagemaker:createTrainingJob.sync",
                                jobs.training, "$.training", {
                                    "job_name.$": "$.TrainingJobName",
                                    "model_uri.$": "$.ModelArtifacts.S3ModelArtifacts",
                                }, failed)
        evaluation = tasks.LambdaInvoke(
            self, "Evaluate", lambda_function=evaluate, payload_response_only=True, result_path="$.evaluation",
            payload=sfn.TaskInput.from_object({"candidate_model_uri": sfn.JsonPath.string_at("$.training.model_uri")}))
        promotion = tasks.LambdaInvoke(
            self, "Promote", lambda_function=promote, payload_response_only=True, result_path="$.pointer",
            payload=sfn.TaskInput.from_object({"candidate_model_uri": sfn.JsonPath.string_at("$.training.model_uri")}))
        for step in (evaluation, promotion):
            step.add_catch(failed, result_path="$.error")
        promoted = self._notify(topic, "NotifyPromoted", "promoted",
                                {"pointer.$": "$.pointer", "evaluation.$": "$.evaluation"})
        kept = self._notify(topic, "NotifyKept", "kept the serving model", {"evaluation.$": "$.evaluation"})
        decide = (sfn.Choice(self, "NotWorse")
                  .when(sfn.Condition.boolean_equals("$.evaluation.promote", True), promotion.next(promoted))
                  .otherwise(kept))
        has_best = (sfn.Choice(self, "HasBest")
                    .when(sfn.Condition.and_(sfn.Condition.is_present("$.tuning.objectives.Succeeded"),
                                              sfn.Condition.number_greater_than("$.tuning.objectives.Succeeded", 0)),
                          best.next(train))
                    .otherwise(no_best))
        definition = name_run.next(static).next(tune).next(has_best)
        train.next(evaluation).next(decide)

        self.log_group = log_group
        self.state_machine = sfn.StateMachine(
            self, "StateMachine",
            definition_body=sfn.DefinitionBody.from_chainable(definition),
            timeout=timeout,
            tracing_enabled=tracing,
            logs=sfn.LogOptions(destination=log_group, level=sfn.LogLevel.ALL, include_execution_data=True),
        )
        self._grant_sagemaker(naming, execution_role)
        if not tracing:
            for finding in ("AwsSolutions::AwsSolutions-SF2", "Serverless::Serverless-StepFunctionStateMachineXray"):
                acknowledge(self.state_machine, finding,
                            "tracing is false in cdk.json: the operator turned X-Ray off; the state machine still "
                            "logs ALL events with their data and notifies every outcome.")
        acknowledge(self.state_machine.role, "AwsSolutions::AwsSolutions-IAM5[Resource::*]",
                    "CloudWatch Logs' log-delivery actions and X-Ray's PutTraceSegments/PutTelemetryRecords support "
                    "no resource-level permissions; CDK adds exactly these for logging ALL events and tracing.")

    def _sagemaker(self, state_id: str, resource: str, request: dict[str, Any], result_path: str,
                   selector: dict[str, str], failed: sfn.IChainable) -> sfn.CustomState:
        state = sfn.CustomState(self, state_id, state_json={
            "Type": "Task", "Resource": resource, "Parameters": request,
            # Only what later steps read: the describe output carries datetimes and more.
            "ResultSelector": selector, "ResultPath": result_path,
        })
        state.add_catch(failed, result_path="$.error")
        return state

    def _notify(self, topic: sns.ITopic, state_id: str, outcome: str, fields: dict[str, str]) -> tasks.SnsPublish:
        summary = sfn.Pass(self, f"{state_id}Summary", result_path="$.notification", parameters={
            "outcome": outcome, "execution.$": "$$.Execution.Id", **fields})
        publish = tasks.SnsPublish(
            self, state_id, topic=topic, subject=f"Slipway training pipeline: {outcome}", result_path=sfn.JsonPath.DISCARD,
            message=sfn.TaskInput.from_text(sfn.JsonPath.json_to_string(sfn.JsonPath.object_at("$.notification"))))
        return summary.next(publish)  # type: ignore[return-value]

    def _grant_sagemaker(self, naming: JobNaming, execution_role: iam.IRole) -> None:
        stack = cdk.Stack.of(self)
        role = self.state_machine.role
        jobs = {
            "hyper-parameter-tuning-job": ["sagemaker:CreateHyperParameterTuningJob",
                                           "sagemaker:DescribeHyperParameterTuningJob",
                                           "sagemaker:StopHyperParameterTuningJob",
                                           "sagemaker:ListTrainingJobsForHyperParameterTuningJob"],
            "training-job": ["sagemaker:CreateTrainingJob", "sagemaker:DescribeTrainingJob",
                             "sagemaker:StopTrainingJob"],
        }
        for resource, actions in jobs.items():
            arn = stack.format_arn(service="sagemaker", resource=resource, resource_name=f"{naming.prefix}-*")
            role.add_to_principal_policy(iam.PolicyStatement(
                actions=[*actions, "sagemaker:AddTags", "sagemaker:ListTags"], resources=[arn]))
            acknowledge(role, wildcard_resource_finding(role, arn),
                        f"Job names are '{naming.prefix}-<run id>-...', one per execution (and the tuning job's own "
                        "training jobs); the pipeline may manage those jobs and no others.")
        role.add_to_principal_policy(iam.PolicyStatement(
            actions=["iam:PassRole"], resources=[execution_role.role_arn],
            conditions={"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}))
        role.add_to_principal_policy(iam.PolicyStatement(
            actions=["events:PutTargets", "events:PutRule", "events:DescribeRule"],
            resources=[stack.format_arn(service="events", resource="rule", resource_name=rule)
                       for rule in _EVENT_RULES]))
