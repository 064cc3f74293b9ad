"""Training: the SageMaker execution role, the training key, the pipeline's two Lambda steps and
the Step Functions state machine that tunes on GPUs, trains the best configuration, evaluates it
against the serving model and promotes it only if it is not worse.

Data layout, for model <m>: training data under s3://<data>/training/<m>/{train,validation}/;
job outputs under s3://<models>/training/<m>/; checkpoints under s3://<models>/checkpoints/<m>/;
promoted artifacts under s3://<models>/models/<m>/<version>/ and the pointer at pointers/<m>.json.
"""
from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3_assets as s3_assets
from constructs import Construct

from slipway.jobs import load_job_spec
from stacks.access import allow_list, allow_objects
from stacks.config import SlipwayConfig
from stacks.constructs.encrypted_topic import EncryptedTopic
from stacks.constructs.log_group import bounded_log_group
from stacks.constructs.sagemaker_role import SageMakerExecutionRole
from stacks.constructs.slipway_function import SlipwayFunction
from stacks.constructs.training_pipeline import JobNaming, TrainingPipeline
from stacks.data_stack import CHECKPOINTS_PREFIX, removal_policy
from stacks.lambda_code import pipeline_code
from stacks.shared import DataExports, import_data
from stacks.training_image import regional_image
from stacks.training_requests import check_pipeline_jobs, render_pipeline_jobs
from stacks.training_source import build_training_source

PROJECT = Path(__file__).resolve().parents[1]
CHANNELS = ("train", "validation")
SLACK_SECONDS = 3600  # on top of the jobs' own limits, for queueing and the Lambda steps


class TrainingStack(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str, *, config: SlipwayConfig, data: DataExports,
                 **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        refs = import_data(self, data)
        model = config.model_name
        data_prefix, output_prefix = f"training/{model}/", f"training/{model}/"
        models_prefix = f"models/{model}/"  # each promoted version at <prefix><version>/model.tar.gz
        checkpoint_prefix = f"{CHECKPOINTS_PREFIX}{model}/"
        spec = load_job_spec(PROJECT / config.training_job_spec)

        self.key = kms.Key(self, "TrainingKey", enable_key_rotation=True, pending_window=cdk.Duration.days(7),
                           description="Slipway training: job volumes, outputs and pipeline notifications",
                           removal_policy=removal_policy(config))
        image = regional_image(self, "TrainingImages", framework=spec.image_framework,
                               version=spec.image_version, instance_type=config.training_instance_type,
                               tags=spec.image_tags)
        source = build_training_source(spec.source_dir, image_uri=image.sample_uri,
                                       with_wheels=config.bundle_dependencies)
        self.source = s3_assets.Asset(self, "TrainerSource", path=str(source.archive))
        self.execution_role = SageMakerExecutionRole(
            self, "SageMaker", data_bucket=refs.data_bucket, data_prefix=data_prefix,
            models_bucket=refs.models_bucket, output_prefix=output_prefix, checkpoint_prefix=checkpoint_prefix,
            source=self.source, key=self.key, image_repository_arn=image.repository_arn).role

        naming = JobNaming.for_stack(model, self.stack_name)
        check_pipeline_jobs(spec, instance_type=config.training_instance_type, image_uri=image.sample_uri,
                            tuning_job_name=naming.sample("hpo"), training_job_name=naming.sample("final"))
        models_bucket_name = refs.models_bucket.bucket_name
        jobs = render_pipeline_jobs(
            spec, instance_type=config.training_instance_type, role_arn=self.execution_role.role_arn,
            output_s3_uri=f"s3://{models_bucket_name}/{output_prefix}",
            channels={name: f"s3://{refs.data_bucket.bucket_name}/{data_prefix}{name}/" for name in CHANNELS},
            source_object_uri=self.source.s3_object_url, source_file_name=self.source.s3_object_key,
            kms_key_id=self.key.key_arn, region=self.region, image_uri=image.uri,
            expressions={
                "tuning_job_name": naming.tuning_job_name,
                "training_job_name": naming.training_job_name,
                "tuning_checkpoint_uri": naming.checkpoint_uri(models_bucket_name, checkpoint_prefix, "tuning"),
                "training_checkpoint_uri": naming.checkpoint_uri(models_bucket_name, checkpoint_prefix, "final"),
                "hyperparameters": "States.JsonMerge($.static_hyperparameters, $.best.hyperparameters, false)",
            },
        )

        code = pipeline_code(config)
        code.report(self)
        environment = {
            "SLIPWAY_MODEL_BUCKET": models_bucket_name,
            "SLIPWAY_MODELS_PREFIX": models_prefix,
            "SLIPWAY_MODEL_POINTER_KEY": config.pointer_key,
            "SLIPWAY_CANDIDATE_PREFIX": output_prefix,
            "SLIPWAY_OBJECTIVE_METRIC": jobs.objective_metric,
            "SLIPWAY_OBJECTIVE_TYPE": jobs.objective_type,
            "SLIPWAY_PROMOTION_TOLERANCE": repr(config.promotion_tolerance),
        }
        steps = {}
        for name, handler, description in (
            ("Evaluate", "slipway_pipeline.evaluate.handler", "Slipway pipeline: candidate vs serving model"),
            ("Promote", "slipway_pipeline.promote.handler", "Slipway pipeline: publish and point at a model"),
        ):
            steps[name] = SlipwayFunction(
                self, f"{name}Function", config=config, code=code.code, handler=handler, memory_mb=512,
                timeout_seconds=300, environment=environment, description=description,
                failure_handling="Step Functions invokes it synchronously, retries service errors and "
                                 "routes its failures to the pipeline's failure notification")
            self.key.grant_decrypt(steps[name].role)  # candidates are encrypted with the training key
            allow_objects(steps[name].role, bucket=refs.models_bucket, keys=f"{output_prefix}*",
                          actions=["s3:GetObject"], why="the candidate model.tar.gz of any job of this model.")
        evaluate_role, promote_role = steps["Evaluate"].role, steps["Promote"].role
        allow_objects(evaluate_role, bucket=refs.models_bucket, keys=config.pointer_key, actions=["s3:GetObject"])
        allow_list(evaluate_role, bucket=refs.models_bucket, prefixes=[config.pointer_key])  # 404, not 403
        allow_objects(evaluate_role, bucket=refs.models_bucket, keys="models/*", actions=["s3:GetObject"],
                      why="the serving model's artifact, wherever its pointer names it.")
        allow_objects(promote_role, bucket=refs.models_bucket, keys=f"{models_prefix}*", actions=["s3:PutObject"],
                      why="each promotion adds models/<model>/<version>/model.tar.gz.")
        allow_objects(promote_role, bucket=refs.models_bucket, keys=config.pointer_key, actions=["s3:PutObject"])

        self.notifications = EncryptedTopic(self, "Notifications", description="Slipway training pipeline",
                                            email=config.alarm_email, key=self.key)
        # The spec's tuning runtime covers its waves of trials, spot waits included (spec.py)
        tuning_limit = spec.tuning.max_runtime_seconds if spec.tuning and spec.tuning.max_runtime_seconds else 0
        training_limit = spec.job_limit_seconds
        self.pipeline = TrainingPipeline(
            self, "Pipeline", jobs=jobs, naming=naming, execution_role=self.execution_role,
            evaluate=steps["Evaluate"].alias, promote=steps["Promote"].alias, topic=self.notifications.topic,
            log_group=bounded_log_group(self, "PipelineLogs", retention_days=config.log_retention_days,
                                        name=f"/aws/vendedlogs/states/{self.stack_name}-pipeline"),
            timeout=cdk.Duration.seconds(tuning_limit + training_limit + SLACK_SECONDS), tracing=config.tracing,
        )
        self.state_machine = self.pipeline.state_machine
        self.key.grant(self.state_machine, "kms:GenerateDataKey", "kms:Decrypt")  # publish to the encrypted topic

        for name, value in {
            "StateMachineArn": self.state_machine.state_machine_arn,
            "TrainingDataUri": f"s3://{refs.data_bucket.bucket_name}/{data_prefix}",
            "SageMakerRoleArn": self.execution_role.role_arn,
            "NotificationTopicArn": self.notifications.topic.topic_arn,
            "ModelsPrefix": models_prefix,
            "TrainerSourceSha256": source.sha256,
        }.items():
            cdk.CfnOutput(self, name, value=value)

