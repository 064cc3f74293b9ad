"""Where data lives: the data, models and results buckets, their access logs, the input stream."""
from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_kinesis as kinesis
from aws_cdk import aws_s3 as s3
from constructs import Construct

from stacks.config import SlipwayConfig
from stacks.constructs.secure_bucket import SecureBucket


class DataStack(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str, *, config: SlipwayConfig, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        removal = cdk.RemovalPolicy.DESTROY if config.removal_policy == "destroy" else cdk.RemovalPolicy.RETAIN

        self.access_logs_bucket = s3.Bucket(
            self,
            "AccessLogs",
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            # S3 server access logging delivers as the bucket owner only with ACLs enabled.
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
            lifecycle_rules=[s3.LifecycleRule(expiration=cdk.Duration.days(365))],
            removal_policy=removal,
        )
        self.data_bucket = SecureBucket(self, "Data", removal_policy=removal, access_logs=self.access_logs_bucket)
        self.models_bucket = SecureBucket(
            self, "Models", removal_policy=removal, versioned=True, access_logs=self.access_logs_bucket
        )
        self.results_bucket = SecureBucket(
            self,
            "Results",
            removal_policy=removal,
            access_logs=self.access_logs_bucket,
            lifecycle_rules=[s3.LifecycleRule(expiration=cdk.Duration.days(90))],
        )
        self.stream = kinesis.Stream(
            self,
            "Input",
            shard_count=config.stream_shards,
            encryption=kinesis.StreamEncryption.MANAGED,
            retention_period=cdk.Duration.hours(24),
            removal_policy=removal,
        )

        for name, value in {
            "DataBucketName": self.data_bucket.bucket_name,
            "ModelsBucketName": self.models_bucket.bucket_name,
            "ResultsBucketName": self.results_bucket.bucket_name,
            "InputStreamName": self.stream.stream_name,
        }.items():
            cdk.CfnOutput(self, name, value=value)
