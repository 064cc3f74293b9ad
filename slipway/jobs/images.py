"""The training image: the registry per region from the sagemaker package's own lookup (offline),
the tag pinned exactly by the job spec, and what the tag says about the image (its Python, its
OS and so the wheels it can install, its processor).

Deep Learning Container tags name their Python (`py312`), processor (`gpu`/`cpu`), CUDA and OS
(`ubuntu22.04`), and a tag is never rebuilt with another Python: so the wheelhouse built for the
tag's Python stays right for every patch release behind that tag. The first-party algorithm
images' tags (`sagemaker-xgboost:3.0-5`) name none of this, and one was rebuilt on another Python
(FINDINGS.md): `image_python` refuses them rather than guess.
"""
from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from functools import lru_cache

from .errors import RenderError

# The default: AWS's PyTorch training Deep Learning Container, SageMaker build (script mode through
# sagemaker-training and sagemaker-pytorch-training, Python 3.12, Ubuntu 22.04): docs/training.md
DEFAULT_FRAMEWORK, DEFAULT_VERSION = "pytorch", "2.8.0"
DEFAULT_TAGS = {"gpu": "2.8.0-gpu-py312-cu129-ubuntu22.04-sagemaker",
                "cpu": "2.8.0-cpu-py312-ubuntu22.04-sagemaker"}
_PYTHON = re.compile(r"(?:^|-)py(\d)(\d{1,2})(?:-|$)")
# glibc of the OS a tag names: manylinux tags a wheel built for it may carry
_GLIBC = {"ubuntu20.04": 31, "ubuntu22.04": 35, "ubuntu24.04": 39, "amzn2023": 34}


def image_tag(image_uri: str) -> str:
    name = image_uri.rsplit("/", 1)[-1]
    if "@" in name:
        raise RenderError(f"{image_uri}: a digest names no Python; pin the image by its tag")
    if ":" not in name:
        raise RenderError(f"{image_uri}: has no tag; pin the image by an exact tag")
    return name.split(":", 1)[1]


def image_python(image_uri: str) -> str:
    """The Python minor version the image runs, e.g. "3.12", read from its tag (`py312`)."""
    match = _PYTHON.search(image_tag(image_uri))
    if not match:
        raise RenderError(f"{image_uri}: the tag does not name the image's Python (pyXY); "
                          "use an image whose tag does, e.g. a Deep Learning Container")
    return f"{match.group(1)}.{match.group(2)}"


def image_processor(image_uri: str) -> str | None:
    """"gpu" or "cpu" when the tag says so."""
    parts = image_tag(image_uri).split("-")
    return "gpu" if "gpu" in parts else "cpu" if "cpu" in parts else None


def image_platforms(image_uri: str) -> tuple[str, ...]:
    """pip --platform values for wheels that install on the image's OS (x86_64)."""
    tag = image_tag(image_uri)
    glibc = next((v for os_name, v in _GLIBC.items() if os_name in tag), None)
    if glibc is None:
        raise RenderError(f"{image_uri}: the tag names no OS Slipway knows ({sorted(_GLIBC)})")
    return tuple(f"manylinux_2_{minor}_x86_64" for minor in range(glibc, 16, -1)) + \
        ("manylinux2014_x86_64",)


def _sdk_image_uris():  # type: ignore[no-untyped-def]
    os.environ.setdefault("SAGEMAKER_SUPPRESS_V2_WARNING", "1")
    # sagemaker's import logs where it did not find config files, at INFO, on stdout
    logging.getLogger("sagemaker.config").setLevel(logging.WARNING)
    from sagemaker import image_uris

    return image_uris


@lru_cache(maxsize=64)
def _lookup(framework: str, version: str, region: str, instance_type: str,
            py_version: str | None) -> str:
    try:
        return str(_sdk_image_uris().retrieve(framework, region, version=version,
                                              py_version=py_version, instance_type=instance_type,
                                              image_scope="training"))
    except ValueError as error:
        raise RenderError(f"no {framework} {version} training image for {region}: {error}") \
            from None


def training_image(framework: str, version: str, region: str, instance_type: str,
                   tags: Mapping[str, str] | None = None) -> str:
    """The image URI for `region`. With `tags` ({"gpu": ..., "cpu": ...}) the registry and
    repository come from the SDK's lookup and the tag is the pinned one for the instance's
    processor; without, the SDK's own tag."""
    if "${Token[" in region:
        raise RenderError(f"cannot look up the {framework} {version} image for an unresolved "
                          "region token; pass a concrete region, or image_uri")
    from . import service

    processor = "gpu" if service.is_gpu(instance_type) else "cpu"
    if not tags:
        return _lookup(framework, version, region, instance_type, None)
    if processor not in tags:
        raise RenderError(f"the spec pins no {processor} tag for {instance_type}; "
                          f"pinned: {dict(tags)}")
    tag = tags[processor]
    match = _PYTHON.search(tag)
    uri = _lookup(framework, version, region, instance_type,
                  f"py{match.group(1)}{match.group(2)}" if match else None)
    return f"{uri.rsplit(':', 1)[0]}:{tag}"


def registries(framework: str, version: str) -> list[str]:
    """The regions the SDK knows the image in."""
    config = _sdk_image_uris().config_for_framework(framework)["training"]
    version = config.get("version_aliases", {}).get(version, version)
    return sorted(config["versions"][version]["registries"])
