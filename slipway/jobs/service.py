"""botocore's own SageMaker service model: the shapes requests are validated against, and the
enum of training instance types. Loaded once per process (~0.1 s), no network, no credentials."""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import botocore.session

# Families whose instances carry GPUs (SM_NUM_GPUS > 0), by the letters before the generation
_GPU_FAMILY = re.compile(r"^ml\.(p\d+|g\d+)[a-z0-9-]*\.")
# Instances with local NVMe storage refuse a VolumeKmsKeyId (the disks are encrypted in hardware)
_LOCAL_STORAGE = re.compile(r"^ml\.([a-z]+\d+[a-z]*d[a-z]*|g5|g6|g6e|p5[a-z]*|p6[a-z0-9-]*|"
                            r"trn\d+[a-z]*|g7[a-z]*)\.")


@lru_cache(maxsize=1)
def model() -> Any:
    return botocore.session.get_session().get_service_model("sagemaker")


def input_shape(operation: str) -> Any:
    return model().operation_model(operation).input_shape


@lru_cache(maxsize=1)
def training_instance_types() -> tuple[str, ...]:
    shape = input_shape("CreateTrainingJob").members["ResourceConfig"].members["InstanceType"]
    return tuple(shape.enum)


def is_gpu(instance_type: str) -> bool:
    return bool(_GPU_FAMILY.match(instance_type))


def has_local_storage(instance_type: str) -> bool:
    return bool(_LOCAL_STORAGE.match(instance_type))
