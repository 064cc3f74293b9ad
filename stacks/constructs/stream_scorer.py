"""The Kinesis-triggered scorer: bounded retries and age, bisect, partial batch responses, and an
encrypted on-failure queue so that a batch Lambda gives up on is kept, not dropped."""
from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_kinesis as kinesis
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from constructs import Construct

from stacks.config import SlipwayConfig
from stacks.constructs.mappings import target_mappings_by_arn
from stacks.constructs.secure_queue import SecureQueue
from stacks.nag import acknowledge


class StreamScorer(Construct):
    """Exposes `on_failure_queue` and `mapping`."""

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
        self.on_failure_queue = SecureQueue(self, "OnFailure")
        reason = ("This queue is the event source mapping's on-failure destination: it receives Lambda's "
                  "invocation records of batches that exhausted their retries, for inspection and replay; "
                  "nothing consumes it, so a redrive policy or a DLQ of its own would never act. Its depth is alarmed.")
        acknowledge(self.on_failure_queue, "AwsSolutions::AwsSolutions-SQS3", reason)
        acknowledge(self.on_failure_queue, "Serverless::Serverless-SQSRedrivePolicy", reason)
        source = sources.KinesisEventSource(
            stream,
            starting_position=lambda_.StartingPosition[config.starting_position],
            batch_size=config.batch_size,
            max_batching_window=cdk.Duration.seconds(config.max_batching_window_seconds),
            retry_attempts=config.retry_attempts,
            max_record_age=cdk.Duration.seconds(config.max_record_age_seconds),
            bisect_batch_on_error=True,
            report_batch_item_failures=True,
            parallelization_factor=config.parallelization_factor,
            on_failure=sources.SqsDlq(self.on_failure_queue),
        )
        function.add_event_source(source)
        target_mappings_by_arn(function)
        self.mapping_id = source.event_source_mapping_id
