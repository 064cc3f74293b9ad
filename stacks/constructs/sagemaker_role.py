"""The SageMaker execution role of the training jobs, and nothing more than they use: read the
model's training data, write its outputs and checkpoints, read the trainer's code, pull the
training image, use the training key, and write the jobs' logs and metrics."""
from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_assets as s3_assets
from constructs import Construct

from stacks.access import allow_list, allow_objects
from stacks.nag import acknowledge, wildcard_resource_finding

LOG_GROUP = "/aws/sagemaker/TrainingJobs"


class SageMakerExecutionRole(Construct):
    """Exposes `role`."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        data_bucket: s3.IBucket,
        data_prefix: str,
        models_bucket: s3.IBucket,
        output_prefix: str,
        checkpoint_prefix: str,
        source: s3_assets.Asset,
        key: kms.IKey,
        image_repository_arn: str,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = cdk.Stack.of(self)
        self.role = iam.Role(self, "Role", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"),
                             description="Slipway training jobs: this model's data, outputs and checkpoints only")
        role = self.role
        allow_objects(role, bucket=data_bucket, keys=f"{data_prefix}*", actions=["s3:GetObject"],
                      why="the training and validation files of this model.")
        allow_list(role, bucket=data_bucket, prefixes=[data_prefix])
        allow_objects(role, bucket=models_bucket, keys=f"{output_prefix}*", actions=["s3:PutObject"],
                      why="SageMaker writes <job name>/output/model.tar.gz here.")
        allow_objects(role, bucket=models_bucket, keys=f"{checkpoint_prefix}*",
                      actions=["s3:GetObject", "s3:PutObject"],
                      why="spot training syncs /opt/ml/checkpoints both ways to resume after an interruption.")
        allow_list(role, bucket=models_bucket, prefixes=[checkpoint_prefix, output_prefix])
        allow_objects(role, bucket=source.bucket, keys=source.s3_object_key, actions=["s3:GetObject"])
        allow_list(role, bucket=source.bucket, prefixes=[source.s3_object_key])
        key.grant(role, "kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey")
        role.add_to_principal_policy(iam.PolicyStatement(
            actions=["kms:CreateGrant"], resources=[key.key_arn],
            conditions={"Bool": {"kms:GrantIsForAWSResource": "true"}}))
        role.add_to_principal_policy(iam.PolicyStatement(
            actions=["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"],
            resources=[image_repository_arn]))
        # SageMaker creates the log group on an account's first job, then one stream per job and host
        # (<job>/algo-1-<epoch>). CreateLogGroup is authorized on the group's ARN without the `:*`
        # suffix, the stream actions on `log-group:<name>:log-stream:<stream>` (covered by `:*`);
        # https://docs.aws.amazon.com/sagemaker/latest/dg/sagemaker-roles.html#sagemaker-roles-createtrainingjob-perms
        group_arn = stack.format_arn(service="logs", resource="log-group", resource_name=LOG_GROUP,
                                     arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME)
        logs_arn = f"{group_arn}:*"
        role.add_to_principal_policy(iam.PolicyStatement(actions=["logs:CreateLogGroup"], resources=[group_arn]))
        role.add_to_principal_policy(iam.PolicyStatement(
            actions=["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
            resources=[logs_arn]))
        acknowledge(role, wildcard_resource_finding(role, logs_arn),
                    "SageMaker names one log stream per training job and host inside /aws/sagemaker/TrainingJobs; "
                    "the role may write to that log group only.")
        role.add_to_principal_policy(iam.PolicyStatement(
            actions=["cloudwatch:PutMetricData"], resources=["*"],
            conditions={"StringEquals": {"cloudwatch:namespace": LOG_GROUP}}))
        role.add_to_principal_policy(iam.PolicyStatement(actions=["ecr:GetAuthorizationToken"], resources=["*"]))
        acknowledge(role, "AwsSolutions::AwsSolutions-IAM5[Resource::*]",
                    "ecr:GetAuthorizationToken and cloudwatch:PutMetricData support no resource-level permissions; "
                    "PutMetricData is limited to SageMaker's training namespace by condition.")
