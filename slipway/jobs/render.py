"""JobSpec -> boto3 CreateTrainingJob / CreateHyperParameterTuningJob requests.

Script mode on a framework image (the spec's: AWS's PyTorch training container, whose training
toolkit runs any script; docs/training.md) works the way the SageMaker Python SDK (v2 Framework
estimators) sets it up: the code travels as reserved hyperparameters the toolkit reads:
`sagemaker_program` (the entry point), `sagemaker_submit_directory` (the S3 URI of a
sourcedir.tar.gz), `sagemaker_region` and `sagemaker_container_log_level`. The toolkit
JSON-decodes every hyperparameter value (all or nothing), so every value is JSON text, and drops
the `sagemaker_*` keys before it runs `python train.py --key value ...`.

The CDK training stack passes tokens for ARNs and URIs and calls with validate=False (it checks
SageMaker's rules itself); the CLI validates against botocore's service model and SageMaker's
server-side rules (validate.py, rules.py).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import service
from .errors import RenderError
from .images import training_image
from .ranges import encode
from .spec import CHECKPOINT_LOCAL_PATH, JobSpec
from .validate import validate_request

LOG_LEVEL = 20
_CONTENT_TYPES = {".csv": "text/csv", ".parquet": "application/x-parquet"}


def default_source_uri(output_s3_uri: str, job_name: str) -> str:
    """Where the SDK would put the code: <output>/<job name>/source/sourcedir.tar.gz."""
    return f"{output_s3_uri.rstrip('/')}/{job_name}/source/sourcedir.tar.gz"


def encode_hyperparameters(values: Mapping[str, Any]) -> dict[str, str]:
    return {key: encode(value) for key, value in values.items()}


def _reserved(spec: JobSpec, source_s3_uri: str, region: str) -> dict[str, str]:
    return encode_hyperparameters({
        "sagemaker_program": spec.entry_point, "sagemaker_submit_directory": source_s3_uri,
        "sagemaker_region": region, "sagemaker_container_log_level": LOG_LEVEL})


def _channels(channels: Mapping[str, str]) -> list[dict[str, Any]]:
    if "train" not in channels:
        raise RenderError(f"a 'train' channel is required; got {sorted(channels)}")
    rendered = []
    for name, uri in channels.items():
        entry: dict[str, Any] = {
            "ChannelName": name, "InputMode": "File", "CompressionType": "None",
            "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": uri,
                                            "S3DataDistributionType": "FullyReplicated"}}}
        suffix = next((s for s in _CONTENT_TYPES if uri.lower().endswith(s)), None)
        if suffix:
            entry["ContentType"] = _CONTENT_TYPES[suffix]
        rendered.append(entry)
    return rendered


def _definition(spec: JobSpec, *, job_name: str, role_arn: str, output_s3_uri: str,
                channels: Mapping[str, str], checkpoint_s3_uri: str | None,
                kms_key_id: str | None, region: str | None, image_uri: str | None
                ) -> tuple[dict[str, Any], str]:
    """What a training job and a tuning job's training definition share, and the region."""
    region = region or spec.region
    if not region:
        raise RenderError(f"{spec.path}: a region is needed to find the training image; "
                          "pass region=... or set `region:` in the spec")
    image = image_uri or training_image(spec.image_framework, spec.image_version, region,
                                        spec.instance_type, spec.image_tags)
    output_key, volume_key = kms_key_id or spec.output_kms_key_id, \
        kms_key_id or spec.volume_kms_key_id
    resources: dict[str, Any] = {"InstanceType": spec.instance_type,
                                 "InstanceCount": spec.instance_count,
                                 "VolumeSizeInGB": spec.volume_size_gb}
    # Local NVMe disks are encrypted by the instance; SageMaker refuses a volume key for them
    if volume_key and not service.has_local_storage(spec.instance_type):
        resources["VolumeKmsKeyId"] = volume_key
    stopping: dict[str, Any] = {"MaxRuntimeInSeconds": spec.max_runtime_seconds}
    if spec.spot:
        stopping["MaxWaitTimeInSeconds"] = spec.max_wait_seconds
    output: dict[str, Any] = {"S3OutputPath": output_s3_uri}
    if output_key:
        output["KmsKeyId"] = output_key
    checkpoint = checkpoint_s3_uri or spec.checkpoint_s3_uri or \
        f"{output_s3_uri.rstrip('/')}/{job_name}/checkpoints"
    return {
        "AlgorithmSpecification": {
            "TrainingImage": image, "TrainingInputMode": "File",
            "MetricDefinitions": [m.as_request() for m in spec.metrics]},
        "RoleArn": role_arn,
        "InputDataConfig": _channels(channels),
        "OutputDataConfig": output,
        "ResourceConfig": resources,
        "StoppingCondition": stopping,
        "EnableNetworkIsolation": spec.network_isolation,
        "EnableInterContainerTrafficEncryption": spec.inter_container_encryption,
        "EnableManagedSpotTraining": spec.spot,
        "CheckpointConfig": {"S3Uri": checkpoint, "LocalPath": CHECKPOINT_LOCAL_PATH},
    }, region


def render_training_job(
        spec: JobSpec, *, job_name: str, role_arn: str, output_s3_uri: str,
        channels: Mapping[str, str], checkpoint_s3_uri: str | None = None,
        kms_key_id: str | None = None, hyperparameter_overrides: Mapping[str, str] | None = None,
        validate: bool = True, region: str | None = None, source_s3_uri: str | None = None,
        image_uri: str | None = None) -> dict[str, Any]:
    """`hyperparameter_overrides` are taken as given (SageMaker's own text, e.g. a tuning job's
    TunedHyperParameters) and win over the spec's static hyperparameters."""
    body, region = _definition(spec, job_name=job_name, role_arn=role_arn, output_s3_uri=output_s3_uri,
                       channels=channels, checkpoint_s3_uri=checkpoint_s3_uri,
                       kms_key_id=kms_key_id, region=region, image_uri=image_uri)
    source = source_s3_uri or default_source_uri(output_s3_uri, job_name)
    hyperparameters = {**encode_hyperparameters(spec.hyperparameters),
                       **dict(hyperparameter_overrides or {}),
                       **_reserved(spec, source, region)}
    body["AlgorithmSpecification"]["EnableSageMakerMetricsTimeSeries"] = True
    request = {"TrainingJobName": job_name, "HyperParameters": hyperparameters, **body,
               "Tags": [{"Key": "slipway:job-spec", "Value": spec.name}]}
    if validate:
        validate_request("CreateTrainingJob", request)
    return request


def _tuning_config(spec: JobSpec) -> dict[str, Any]:
    tuning = spec.tuning
    if tuning is None:
        raise RenderError(f"{spec.path}: has no `tuning:` section")
    limits: dict[str, Any] = {"MaxParallelTrainingJobs": tuning.max_parallel}
    if tuning.max_jobs is not None:
        limits["MaxNumberOfTrainingJobs"] = tuning.max_jobs
    if tuning.max_runtime_seconds is not None:
        limits["MaxRuntimeInSeconds"] = tuning.max_runtime_seconds
    by_kind: dict[str, list[dict[str, Any]]] = {"integer": [], "continuous": [], "categorical": []}
    for item in tuning.ranges:
        by_kind[item.kind].append(item.as_request())
    config: dict[str, Any] = {
        "Strategy": tuning.strategy,
        "HyperParameterTuningJobObjective": {"Type": tuning.objective_type,
                                             "MetricName": tuning.objective_metric},
        "ResourceLimits": limits,
        "ParameterRanges": {"IntegerParameterRanges": by_kind["integer"],
                            "ContinuousParameterRanges": by_kind["continuous"],
                            "CategoricalParameterRanges": by_kind["categorical"]},
        "TrainingJobEarlyStoppingType": tuning.early_stopping,
    }
    if tuning.strategy == "Hyperband":
        config["StrategyConfig"] = {"HyperbandStrategyConfig": {
            "MinResource": tuning.hyperband_min_resource,
            "MaxResource": tuning.hyperband_max_resource}}
    if tuning.random_seed is not None:
        config["RandomSeed"] = tuning.random_seed
    return config


def render_tuning_job(
        spec: JobSpec, *, job_name: str, role_arn: str, output_s3_uri: str,
        channels: Mapping[str, str], checkpoint_s3_uri: str | None = None,
        kms_key_id: str | None = None, validate: bool = True, region: str | None = None,
        source_s3_uri: str | None = None, image_uri: str | None = None) -> dict[str, Any]:
    config = _tuning_config(spec)
    definition, region = _definition(spec, job_name=job_name, role_arn=role_arn,
                             output_s3_uri=output_s3_uri, channels=channels,
                             checkpoint_s3_uri=checkpoint_s3_uri, kms_key_id=kms_key_id,
                             region=region, image_uri=image_uri)
    source = source_s3_uri or default_source_uri(output_s3_uri, job_name)
    static = {**encode_hyperparameters(spec.hyperparameters),
              **_reserved(spec, source, region)}
    request = {"HyperParameterTuningJobName": job_name, "HyperParameterTuningJobConfig": config,
               "TrainingJobDefinition": {"StaticHyperParameters": static, **definition},
               "Tags": [{"Key": "slipway:job-spec", "Value": spec.name}]}
    if validate:
        validate_request("CreateHyperParameterTuningJob", request)
    return request
