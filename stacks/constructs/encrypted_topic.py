"""An SNS topic for operators: encrypted with its own rotating key, publishers must use TLS.

The key is customer managed because CloudWatch alarms cannot publish to a topic encrypted with the
AWS managed alias/aws/sns key; its policy lets CloudWatch (this account's alarms only) use it.
"""
from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from stacks.nag import acknowledge


class EncryptedTopic(Construct):
    """Exposes `topic` and `key`."""

    def __init__(self, scope: Construct, construct_id: str, *, description: str, email: str = "",
                 key: kms.IKey | None = None) -> None:
        super().__init__(scope, construct_id)
        stack = cdk.Stack.of(self)
        self.key = key or kms.Key(self, "Key", description=description, enable_key_rotation=True,
                                  removal_policy=cdk.RemovalPolicy.DESTROY,
                                  pending_window=cdk.Duration.days(7))
        self.key.add_to_resource_policy(iam.PolicyStatement(
            sid="CloudWatchAlarmsPublish",
            principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
            actions=["kms:Decrypt", "kms:GenerateDataKey*"],
            resources=["*"],
            conditions={"StringEquals": {"aws:SourceAccount": stack.account}},
        ))
        self.topic = sns.Topic(self, "Topic", display_name=description, master_key=self.key, enforce_ssl=True)
        if email:
            self.topic.add_subscription(subscriptions.EmailSubscription(email))
            acknowledge(self.topic, "Serverless::Serverless-SNSRedrivePolicy",
                        "The only subscription is the operator's e-mail (alarm_email); SNS retries e-mail "
                        "delivery itself, and a dead-letter queue for alarm e-mails would have no reader.")
