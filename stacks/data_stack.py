"""Where data lives: the data, models and results buckets, their access logs, the input stream,
and the inbox that turns CSV files dropped under batch/ into batch prediction jobs."""
from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_kinesis as kinesis
from aws_cdk import aws_s3 as s3
from constructs import Construct

from stacks.config import SlipwayConfig
from stacks.constructs.batch_inbox import BatchInbox
from stacks.constructs.secure_bucket import SecureBucket
from stacks.shared import DataExports, export_values

BATCH_PREFIX = "batch/"
BATCH_SUFFIX = ".csv"
CHECKPOINTS_PREFIX = "checkpoints/"
CHECKPOINT_EXPIRATION_DAYS = 30


def removal_policy(config: SlipwayConfig) -> cdk.RemovalPolicy:
    return cdk.RemovalPolicy.DESTROY if config.removal_policy == "destroy" else cdk.RemovalPolicy.RETAIN


class DataStack(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str, *, config: SlipwayConfig, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        removal = removal_policy(config)
        multipart = cdk.Duration.days(7)

        self.access_logs_bucket = s3.Bucket(
            self,
            "AccessLogs",
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            # S3 server access logging delivers as the bucket owner only with ACLs enabled.
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
            lifecycle_rules=[s3.LifecycleRule(expiration=cdk.Duration.days(config.access_logs_expiration_days),
                                              abort_incomplete_multipart_upload_after=multipart)],
            removal_policy=removal,
        )
        self.data_bucket = SecureBucket(
            self, "Data", removal_policy=removal, access_logs=self.access_logs_bucket,
            lifecycle_rules=[s3.LifecycleRule(abort_incomplete_multipart_upload_after=multipart)],
        )
        self.models_bucket = SecureBucket(
            self,
            "Models",
            removal_policy=removal,
            versioned=True,
            access_logs=self.access_logs_bucket,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="NoncurrentVersions",
                    noncurrent_version_expiration=cdk.Duration.days(config.models_noncurrent_expiration_days),
                    abort_incomplete_multipart_upload_after=multipart,
                ),
                s3.LifecycleRule(id="TrainingCheckpoints", prefix=CHECKPOINTS_PREFIX,
                                 expiration=cdk.Duration.days(CHECKPOINT_EXPIRATION_DAYS)),
            ],
        )
        self.results_bucket = SecureBucket(
            self,
            "Results",
            removal_policy=removal,
            access_logs=self.access_logs_bucket,
            lifecycle_rules=[s3.LifecycleRule(expiration=cdk.Duration.days(config.results_expiration_days),
                                              abort_incomplete_multipart_upload_after=multipart)],
        )
        self.stream = kinesis.Stream(
            self,
            "Input",
            shard_count=config.stream_shards,
            encryption=kinesis.StreamEncryption.MANAGED,
            retention_period=cdk.Duration.hours(24),
            removal_policy=removal,
        )
        self.batch_inbox = BatchInbox(
            self,
            "BatchInbox",
            bucket=self.data_bucket,
            prefix=BATCH_PREFIX,
            suffix=BATCH_SUFFIX,
            consumer_timeout_seconds=config.batch_timeout_seconds,
            max_receive_count=config.batch_max_receive_count,
        )

        self.exports = DataExports(self.stack_name)
        self.exports.publish(self, export_values(
            buckets={"Data": self.data_bucket, "Models": self.models_bucket, "Results": self.results_bucket},
            stream=self.stream,
            queues={"BatchQueue": self.batch_inbox.queue,
                    "BatchDeadLetterQueue": self.batch_inbox.dead_letter_queue},
        ))
