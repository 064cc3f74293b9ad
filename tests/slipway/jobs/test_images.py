"""What an image's tag tells: its Python, processor and OS (Deep Learning Container tags)."""
from __future__ import annotations

import pytest

from slipway.jobs import RenderError
from slipway.jobs.images import image_platforms, image_processor, image_python

DLC = "763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-training:"


@pytest.mark.parametrize(("tag", "python"), [
    ("2.8.0-gpu-py312-cu129-ubuntu22.04-sagemaker", "3.12"),
    ("2.8.0-cpu-py312-ubuntu22.04-sagemaker", "3.12"),
    ("1.12.0-gpu-py38-cu113-ubuntu20.04-sagemaker", "3.8"),
    ("2.10.0-gpu-py313-cu130-ubuntu22.04-sagemaker-v1.2", "3.13"),
])
def test_the_python_is_read_from_the_tag(tag: str, python: str) -> None:
    assert image_python(DLC + tag) == python


@pytest.mark.parametrize("uri", [
    "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:3.0-5",
    DLC.rstrip(":") + "@sha256:" + "0" * 64,
    DLC.rstrip(":"),
])
def test_an_image_whose_tag_names_no_python_is_refused(uri: str) -> None:
    with pytest.raises(RenderError) as caught:
        image_python(uri)
    assert uri in caught.value.message


def test_processor_and_wheel_platforms_follow_the_tag() -> None:
    gpu = DLC + "2.8.0-gpu-py312-cu129-ubuntu22.04-sagemaker"
    assert (image_processor(gpu), image_processor(DLC + "2.8.0-cpu-py312-ubuntu22.04-sagemaker")) \
        == ("gpu", "cpu")
    platforms = image_platforms(gpu)
    assert platforms[0] == "manylinux_2_35_x86_64" and platforms[-1] == "manylinux2014_x86_64"
    assert "manylinux_2_28_x86_64" in platforms and "manylinux_2_36_x86_64" not in platforms
