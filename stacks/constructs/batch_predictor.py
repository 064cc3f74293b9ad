"""Batch predictions: the inbox queue (CSV files under batch/ in the data bucket) drives the batch
function through an SQS event source mapping that reports per-message failures; a message that
keeps failing moves to the inbox's dead-letter queue after its receive count."""
from __future__ import annotations

from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from stacks.constructs.mappings import target_mappings_by_arn
from stacks.nag import acknowledge


class BatchPredictor(Construct):
    """Exposes `mapping_id`."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        function: lambda_.IFunction,
        queue: sqs.IQueue,
        files_per_invocation: int,
        max_concurrency: int,
    ) -> None:
        super().__init__(scope, construct_id)
        source = sources.SqsEventSource(
            queue,
            batch_size=files_per_invocation,
            report_batch_item_failures=True,
            max_concurrency=max_concurrency,
        )
        function.add_event_source(source)
        target_mappings_by_arn(function)
        acknowledge(function, "Serverless::Serverless-LambdaEventSourceMappingDestination",
                    "Lambda supports no on-failure destination for SQS sources; the inbox queue's redrive "
                    "policy moves a message that keeps failing to its dead-letter queue, whose depth is alarmed.")
        self.mapping_id = source.event_source_mapping_id
