"""The Kinesis-triggered scorer: bounded retries and age, bisect, partial batch responses, and an
encrypted on-failure queue so that a batch Lambda gives up on is kept, not dropped."""
from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_kinesis as kinesis
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from stacks.config import SlipwayConfig


class StreamScorer(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: SlipwayConfig,
        function: lambda_.IFunction,
        stream: kinesis.IStream,
    ) -> None:
        super().__init__(scope, construct_id)
        self.on_failure_queue = sqs.Queue(
            self,
            "OnFailure",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=cdk.Duration.days(14),
        )
        function.add_event_source(
            sources.KinesisEventSource(
                stream,
                starting_position=lambda_.StartingPosition[config.starting_position],
                batch_size=config.batch_size,
                max_batching_window=cdk.Duration.seconds(config.max_batching_window_seconds),
                retry_attempts=config.retry_attempts,
                max_record_age=cdk.Duration.seconds(config.max_record_age_seconds),
                bisect_batch_on_error=True,
                report_batch_item_failures=True,
                on_failure=sources.SqsDlq(self.on_failure_queue),
            )
        )
