"""What the data stack shares with the other stacks, under stable CloudFormation export names.

Consumers import by name (``Fn::ImportValue "SlipwayData-ModelsBucketArn"``) instead of CDK's
generated cross-stack references: the names are readable in the console and in cdk-nag findings
(so that an acknowledgement can name its exact finding), and they do not change when a construct
moves. The consuming stack declares its dependency on the data stack explicitly (app.py).
"""
from __future__ import annotations

from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_kinesis as kinesis
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs
from constructs import Construct

_BUCKETS = ("Data", "Models", "Results")
_QUEUES = ("BatchQueue", "BatchDeadLetterQueue")


@dataclass(frozen=True)
class DataExports:
    """The export names of one data stack."""

    stack_name: str

    def name(self, key: str) -> str:
        return f"{self.stack_name}-{key}"

    def publish(self, stack: cdk.Stack, values: dict[str, str]) -> None:
        """One output per value, exported under ``<stack>-<key>``; the output id is the key."""
        for key, value in values.items():
            cdk.CfnOutput(stack, key, value=value, export_name=self.name(key))

    def value(self, key: str) -> str:
        return cdk.Fn.import_value(self.name(key))


@dataclass(frozen=True)
class DataRefs:
    """The data stack's resources as seen from a consuming stack."""

    data_bucket: s3.IBucket
    models_bucket: s3.IBucket
    results_bucket: s3.IBucket
    stream: kinesis.IStream
    batch_queue: sqs.IQueue
    batch_dead_letter_queue: sqs.IQueue


def export_values(*, buckets: dict[str, s3.IBucket], stream: kinesis.IStream,
                  queues: dict[str, sqs.IQueue]) -> dict[str, str]:
    values: dict[str, str] = {}
    for prefix in _BUCKETS:
        values[f"{prefix}BucketName"] = buckets[prefix].bucket_name
        values[f"{prefix}BucketArn"] = buckets[prefix].bucket_arn
    values["InputStreamName"] = stream.stream_name
    values["InputStreamArn"] = stream.stream_arn
    for prefix in _QUEUES:
        values[f"{prefix}Url"] = queues[prefix].queue_url
        values[f"{prefix}Arn"] = queues[prefix].queue_arn
        values[f"{prefix}Name"] = queues[prefix].queue_name
    return values


def import_data(scope: Construct, exports: DataExports) -> DataRefs:
    """Reference the data stack's resources from `scope`'s stack, by export name."""
    holder = Construct(scope, "DataStackRefs")

    def bucket(prefix: str) -> s3.IBucket:
        return s3.Bucket.from_bucket_attributes(holder, prefix, bucket_arn=exports.value(f"{prefix}BucketArn"),
                                                bucket_name=exports.value(f"{prefix}BucketName"))

    def queue(prefix: str) -> sqs.IQueue:
        return sqs.Queue.from_queue_attributes(holder, prefix, queue_arn=exports.value(f"{prefix}Arn"),
                                               queue_url=exports.value(f"{prefix}Url"),
                                               queue_name=exports.value(f"{prefix}Name"))

    return DataRefs(
        data_bucket=bucket("Data"),
        models_bucket=bucket("Models"),
        results_bucket=bucket("Results"),
        stream=kinesis.Stream.from_stream_arn(holder, "Input", exports.value("InputStreamArn")),
        batch_queue=queue("BatchQueue"),
        batch_dead_letter_queue=queue("BatchDeadLetterQueue"),
    )
