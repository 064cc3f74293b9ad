"""The pipeline's SageMaker requests, rendered from the job spec by slipway.jobs.render.

The spec describes the job once; the pipeline applies its deployment policy to it (the GPU
instance type from cdk.json, network isolation, inter-container encryption, spot with checkpoints
as the spec says) through `dataclasses.replace`, so the renderer still decides every field (volume
keys are dropped on instances with local NVMe, which SageMaker encrypts and refuses keys for).
What is only known per execution (job names, checkpoint locations, the tuned hyperparameters)
becomes a Step Functions path: the key gets a `.$` suffix and its value an expression.
"""
from __future__ import annotations

import copy
import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from slipway.jobs import JobSpec, render_training_job, render_tuning_job
from slipway.jobs.rules import check_training_job, check_tuning_job

from stacks.training_source import PIP_ENVIRONMENT

CODE_CHANNEL = "code"
CODE_CHANNEL_DIR = "/opt/ml/input/data/code"
_PLACEHOLDER = "slipway-pipeline-placeholder"


@dataclass(frozen=True)
class PipelineJobs:
    tuning: dict[str, Any]
    training: dict[str, Any]
    static_hyperparameters: dict[str, str]
    objective_metric: str
    objective_type: str


def pipeline_spec(spec: JobSpec, *, instance_type: str) -> JobSpec:
    if spec.tuning is None:
        raise ValueError(f"{spec.path}: the training pipeline tunes first; the spec has no `tuning:` section")
    return dataclasses.replace(spec, instance_type=instance_type, network_isolation=True,
                               inter_container_encryption=True)


def dynamic(request: dict[str, Any], path: Sequence[str], expression: str) -> None:
    """Replace request[path] by a Step Functions path or intrinsic: `Key.$: expression`."""
    parent = request
    for key in path[:-1]:
        parent = parent[key]
    parent.pop(path[-1])
    parent[f"{path[-1]}.$"] = expression


def render_pipeline_jobs(
    spec: JobSpec,
    *,
    instance_type: str,
    role_arn: str,
    output_s3_uri: str,
    channels: Mapping[str, str],
    source_object_uri: str,
    source_file_name: str,
    kms_key_id: str,
    region: str,
    image_uri: str,
    expressions: Mapping[str, str],
    validate: bool = False,
) -> PipelineJobs:
    """`expressions` holds the per-execution values: tuning_job_name, training_job_name,
    tuning_checkpoint_uri, training_checkpoint_uri and hyperparameters (the merge of the static
    and the tuned ones). SageMaker's server-side rules judge every value that is not a token or
    a path here; `check_pipeline_jobs` judges the rest with sample values."""
    policy = pipeline_spec(spec, instance_type=instance_type)
    common = dict(role_arn=role_arn, output_s3_uri=output_s3_uri, kms_key_id=kms_key_id, region=region,
                  image_uri=image_uri, channels={**channels, CODE_CHANNEL: source_object_uri},
                  # network isolation: the code arrives as an input channel, not from S3 in the container
                  source_s3_uri=f"{CODE_CHANNEL_DIR}/{source_file_name}", validate=validate)
    tuning = render_tuning_job(policy, job_name=_PLACEHOLDER, checkpoint_s3_uri=f"s3://{_PLACEHOLDER}/", **common)
    training = render_training_job(policy, job_name=_PLACEHOLDER, checkpoint_s3_uri=f"s3://{_PLACEHOLDER}/",
                                   **common)
    tuning["TrainingJobDefinition"]["Environment"] = dict(PIP_ENVIRONMENT)
    training["Environment"] = dict(PIP_ENVIRONMENT)
    static = copy.deepcopy(training["HyperParameters"])
    dynamic(tuning, ["HyperParameterTuningJobName"], expressions["tuning_job_name"])
    dynamic(tuning, ["TrainingJobDefinition", "CheckpointConfig", "S3Uri"], expressions["tuning_checkpoint_uri"])
    dynamic(training, ["TrainingJobName"], expressions["training_job_name"])
    dynamic(training, ["CheckpointConfig", "S3Uri"], expressions["training_checkpoint_uri"])
    dynamic(training, ["HyperParameters"], expressions["hyperparameters"])
    check_tuning_job(tuning)
    check_training_job(training)
    objective = tuning["HyperParameterTuningJobConfig"]["HyperParameterTuningJobObjective"]
    return PipelineJobs(tuning=tuning, training=training, static_hyperparameters=static,
                        objective_metric=objective["MetricName"], objective_type=objective["Type"])


SAMPLE_ACCOUNT = "123456789012"


def check_pipeline_jobs(spec: JobSpec, *, instance_type: str, image_uri: str, tuning_job_name: str,
                        training_job_name: str, kms: bool = True) -> None:
    """Renders the pipeline's requests with concrete sample values where the stack has tokens (the
    image of one region, sample ARNs and bucket names, job names as the state machine makes them)
    and puts them through botocore's validator and SageMaker's server-side rules: a request
    SageMaker would refuse fails the synth, not the first execution."""
    region = image_uri.split(".")[3]
    key = f"arn:aws:kms:{region}:{SAMPLE_ACCOUNT}:key/00000000-0000-0000-0000-000000000000" if kms else None
    common = dict(role_arn=f"arn:aws:iam::{SAMPLE_ACCOUNT}:role/sample", output_s3_uri="s3://sample-models/training/",
                  channels={"train": "s3://sample-data/train/", CODE_CHANNEL: "s3://sample-assets/source.tar.gz"},
                  kms_key_id=key, region=region, image_uri=image_uri,
                  source_s3_uri=f"{CODE_CHANNEL_DIR}/source.tar.gz", checkpoint_s3_uri="s3://sample-models/checkpoints/")
    policy = pipeline_spec(spec, instance_type=instance_type)
    render_tuning_job(policy, job_name=tuning_job_name, validate=True, **common)
    render_training_job(policy, job_name=training_job_name, validate=True, **common)
