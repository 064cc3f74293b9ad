"""A training or tuning job, described once in `training/jobs/<name>.yaml`, parsed into one frozen,
typed JobSpec. Everything that can be checked without running anything is checked here; every
refusal names the file and the key."""
from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from . import service
from .errors import JobSpecError
from .fields import Section
from .images import DEFAULT_FRAMEWORK, DEFAULT_TAGS, DEFAULT_VERSION
from .metrics import MetricDefinition, parse_metrics
from .tuning_spec import MAX_TUNING_RUNTIME_S, TuningSpec, parse_tuning

NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,47}$")  # room for a timestamp in job names
MAX_TRAINING_RUNTIME_S = 28 * 24 * 3600  # SageMaker's limit for one training job
CHECKPOINT_LOCAL_PATH = "/opt/ml/checkpoints"
Scalar = str | int | float


@dataclass(frozen=True)
class JobSpec:
    path: Path
    name: str
    description: str
    source_dir: Path  # absolute; `source.dir` is relative to the spec's folder
    entry_point: str
    image_framework: str  # the sagemaker.image_uris framework name
    image_version: str
    image_tags: Mapping[str, str]  # processor ("gpu"/"cpu") -> the exact, pinned tag
    region: str | None
    hyperparameters: Mapping[str, Scalar]  # static, as typed in the YAML
    metrics: tuple[MetricDefinition, ...]
    instance_type: str
    instance_count: int
    volume_size_gb: int
    max_runtime_seconds: int
    spot: bool
    max_wait_seconds: int | None
    checkpoint_s3_uri: str | None
    network_isolation: bool
    inter_container_encryption: bool
    volume_kms_key_id: str | None
    output_kms_key_id: str | None
    tuning: TuningSpec | None
    # Default data locations when the command gives none: local paths (relative to the project)
    # for `slipway train|tune`, S3 URIs for `slipway cloud ...`
    local_channels: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    s3_channels: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def job_limit_seconds(self) -> int:
        """The longest one training job can take, from its creation: MaxWaitTimeInSeconds with
        spot (it includes the waits for capacity), else MaxRuntimeInSeconds."""
        return int(self.max_wait_seconds) if self.spot and self.max_wait_seconds else \
            self.max_runtime_seconds

    @property
    def algorithm(self) -> str:
        return str(self.hyperparameters.get("algorithm", "xgboost"))

    def metric(self, name: str) -> MetricDefinition:
        return next(m for m in self.metrics if m.name == name)


def _hyperparameters(section: Section) -> dict[str, Scalar]:
    values: dict[str, Scalar] = {}
    for key, value in section.data.items():
        if not isinstance(key, str) or not 1 <= len(key) <= 256:
            raise section.fail(str(key), "hyperparameter names are 1-256 characters")
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise section.fail(key, f"must be a string or a number, got {value!r}")
        values[key] = value
    return values


def _image_tags(image: Section) -> Mapping[str, str]:
    if "framework" in image.data and "tags" not in image.data:
        return MappingProxyType({})  # the SDK's own (moving) tag: `slipway cloud` only
    tags = image.section("tags") if "tags" in image.data else None
    if tags is None:
        return MappingProxyType(dict(DEFAULT_TAGS))
    tags.only("gpu", "cpu")
    pinned = {str(k): tags.text(str(k)) for k in tags.data}
    for processor, tag in pinned.items():
        if processor not in tag.split("-"):
            raise tags.fail(processor, f"{tag!r} is not a {processor} tag")
    return MappingProxyType(pinned)


def _instance(root: Section, algorithm: str) -> tuple[str, int, int]:
    resources = root.section("resources", required=True)
    resources.only("instance_type", "instance_count", "volume_size_gb")
    instance_type = resources.text("instance_type")
    if instance_type not in service.training_instance_types():
        raise resources.fail("instance_type", f"{instance_type!r} is not a SageMaker training "
                             "instance type (botocore's TrainingInstanceType enum)")
    if algorithm != "xgboost" and service.is_gpu(instance_type):
        raise resources.fail("instance_type", f"algorithm {algorithm!r} cannot use the GPU of "
                             f"{instance_type}; choose a CPU instance type")
    count = resources.integer("instance_count", 1, minimum=1, maximum=1)
    return instance_type, count, resources.integer("volume_size_gb", 30, minimum=1, maximum=16384)


def _spot(root: Section, max_runtime: int) -> tuple[bool, int | None]:
    spot = root.section("spot")
    spot.only("enabled", "max_wait_seconds")
    if not spot.flag("enabled", False):
        return False, None
    wait = spot.integer("max_wait_seconds", minimum=1, maximum=MAX_TRAINING_RUNTIME_S)
    if wait < max_runtime:
        raise spot.fail("max_wait_seconds", f"must be at least max_runtime_seconds "
                        f"({max_runtime}): it includes the time spent waiting for spot capacity")
    return True, wait


def _tuning_runtime(root: Section, tuning: TuningSpec, job_limit: int) -> TuningSpec:
    """A tuning job runs its trials in waves of max_parallel; each trial may take its whole
    limit (spot waits included). A MaxRuntimeInSeconds below that stops the search part-way
    (SageMaker stops the tuning job and its running trials), so it is refused; left out, it is
    that bound."""
    waves = -(-tuning.total_jobs() // tuning.max_parallel)
    needed = waves * job_limit
    if needed > MAX_TUNING_RUNTIME_S:
        raise root.fail("tuning.max_jobs", f"{waves} waves of {tuning.max_parallel} trials of up to "
                        f"{job_limit} s need {needed} s; a tuning job runs {MAX_TUNING_RUNTIME_S} s "
                        "at most: fewer jobs, more in parallel, or shorter limits")
    if tuning.max_runtime_seconds is None:
        return dataclasses.replace(tuning, max_runtime_seconds=max(needed, 120))
    if tuning.max_runtime_seconds < needed:
        raise root.fail("tuning.max_runtime_seconds", f"{tuning.max_runtime_seconds} s cannot "
                        f"finish {tuning.total_jobs()} trials {tuning.max_parallel} at a time when "
                        f"each may take {job_limit} s (spot wait included): at least {needed} s, "
                        "or leave it out")
    return tuning


def parse(document: Any, path: Path) -> JobSpec:
    if not isinstance(document, Mapping):
        raise JobSpecError(path, "", "must be a YAML mapping")
    root = Section(path, "", document)
    root.only("name", "description", "region", "source", "image", "hyperparameters", "metrics",
              "resources", "stopping", "spot", "checkpoints", "security", "tuning", "channels")
    name = root.text("name")
    if not NAME.match(name):
        raise root.fail("name", "must be 1-48 letters, digits or hyphens, starting and ending "
                        f"with a letter or digit, got {name!r}")
    source, image, stopping = root.section("source"), root.section("image"), root.section("stopping")
    source.only("dir", "entry_point")
    image.only("framework", "version", "tags")
    stopping.only("max_runtime_seconds")
    hyperparameters = _hyperparameters(root.section("hyperparameters", required=True))
    algorithm = str(hyperparameters.get("algorithm", "xgboost"))
    instance_type, count, volume = _instance(root, algorithm)
    max_runtime = stopping.integer("max_runtime_seconds", 3600, minimum=1,
                                   maximum=MAX_TRAINING_RUNTIME_S)
    spot, max_wait = _spot(root, max_runtime)
    checkpoints, security = root.section("checkpoints"), root.section("security")
    checkpoints.only("s3_uri")
    security.only("network_isolation", "inter_container_encryption", "volume_kms_key_id",
                  "output_kms_key_id")
    metrics = parse_metrics(root)
    tuning = None
    if "tuning" in document:
        tuning, objective = parse_tuning(root.section("tuning"), metrics, hyperparameters)
        metrics += (objective,) if objective else ()
        tuning = _tuning_runtime(root, tuning, max_wait if spot and max_wait else max_runtime)
    # Relative to the spec's folder: training/jobs/<name>.yaml -> training/
    source_dir = (path.resolve().parent / source.text("dir", "..")).resolve()
    entry_point = source.text("entry_point", "train.py")
    if not (source_dir / entry_point).is_file():
        raise source.fail("dir", f"{source_dir / entry_point} does not exist")
    isolated = security.flag("network_isolation", False)
    if isolated and (source_dir / "requirements.txt").is_file():
        raise security.fail("network_isolation", "the container pip-installs "
                            f"{source_dir / 'requirements.txt'} at start-up, which needs the "
                            "network; bake those packages into an image, or set it to false")
    channels = root.section("channels")
    channels.only("local", "s3")
    local, s3 = channels.section("local"), channels.section("s3")
    return JobSpec(
        path=path, name=name, description=root.text("description", ""), source_dir=source_dir,
        entry_point=entry_point, image_framework=image.text("framework", DEFAULT_FRAMEWORK),
        image_version=str(image.raw("version", DEFAULT_VERSION)),
        image_tags=_image_tags(image), region=root.text("region", None),
        hyperparameters=MappingProxyType(hyperparameters), metrics=metrics,
        instance_type=instance_type, instance_count=count, volume_size_gb=volume,
        max_runtime_seconds=max_runtime, spot=spot, max_wait_seconds=max_wait,
        checkpoint_s3_uri=checkpoints.text("s3_uri", None),
        network_isolation=isolated,
        inter_container_encryption=security.flag("inter_container_encryption", False),
        volume_kms_key_id=security.text("volume_kms_key_id", None),
        output_kms_key_id=security.text("output_kms_key_id", None), tuning=tuning,
        local_channels=MappingProxyType({str(k): local.text(str(k)) for k in local.data}),
        s3_channels=MappingProxyType({str(k): s3.text(str(k)) for k in s3.data}))


def load_job_spec(path: Path) -> JobSpec:
    path = Path(path)
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise JobSpecError(path, "", f"cannot be read: {error.strerror}") from None
    except yaml.YAMLError as error:
        raise JobSpecError(path, "", f"is not valid YAML: {error}") from None
    return parse(document, path)
