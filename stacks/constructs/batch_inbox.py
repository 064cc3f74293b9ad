"""Batch predictions' inbox: CSV files dropped under a bucket prefix become messages on a queue.

The notification is the bucket's native CloudFormation `NotificationConfiguration` (not CDK's
`add_event_notification`, whose Lambda-backed custom resource an emulator cannot run). S3 checks
that it may send to the queue when the configuration is applied, so the bucket waits for the queue
policy; the policy names the sending buckets by account and name pattern rather than by reference,
which would close a dependency cycle.
"""
from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from stacks.constructs.secure_queue import SecureQueue
from stacks.nag import acknowledge

# Lambda's guidance: a source queue's visibility timeout is at least six times the function's timeout.
VISIBILITY_TIMEOUT_FACTOR = 6


class BatchInbox(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        bucket: s3.Bucket,
        prefix: str,
        suffix: str,
        consumer_timeout_seconds: int,
        max_receive_count: int,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = cdk.Stack.of(self)
        self.prefix, self.suffix = prefix, suffix
        self.dead_letter_queue = SecureQueue(self, "DeadLetters")
        acknowledge(self.dead_letter_queue, "Serverless::Serverless-SQSRedrivePolicy",
                    "This queue is the inbox's dead-letter queue, the end of the redrive chain: messages wait "
                    "here for an operator (its depth is alarmed); redriving it further would only move them.")
        self.queue = SecureQueue(
            self,
            "Queue",
            visibility_timeout_seconds=VISIBILITY_TIMEOUT_FACTOR * consumer_timeout_seconds,
            dead_letter_queue=self.dead_letter_queue,
            max_receive_count=max_receive_count,
        )
        # CloudFormation names a bucket "<stack name>-<logical id>-<suffix>", in lower case.
        self.source_bucket_arn_pattern = f"arn:{stack.partition}:s3:::{stack.stack_name.lower()}-*"
        self.queue.add_to_resource_policy(iam.PolicyStatement(
            sid="S3BatchNotifications",
            principals=[iam.ServicePrincipal("s3.amazonaws.com")],
            actions=["sqs:SendMessage"],
            resources=[self.queue.queue_arn],
            conditions={
                "StringEquals": {"aws:SourceAccount": stack.account},
                "ArnLike": {"aws:SourceArn": self.source_bucket_arn_pattern},
            },
        ))
        cfn_bucket: s3.CfnBucket = bucket.node.default_child  # type: ignore[assignment]
        cfn_bucket.notification_configuration = s3.CfnBucket.NotificationConfigurationProperty(
            queue_configurations=[s3.CfnBucket.QueueConfigurationProperty(
                event="s3:ObjectCreated:*",
                queue=self.queue.queue_arn,
                filter=s3.CfnBucket.NotificationFilterProperty(s3_key=s3.CfnBucket.S3KeyFilterProperty(rules=[
                    s3.CfnBucket.FilterRuleProperty(name="prefix", value=prefix),
                    s3.CfnBucket.FilterRuleProperty(name="suffix", value=suffix),
                ])),
            )],
        )
        cfn_bucket.add_resource_dependency(self.queue.policy_resource,
                                           "S3 checks that it may send to the queue when it applies the notification")
