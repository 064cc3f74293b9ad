from __future__ import annotations

import shutil
import tarfile

import pytest

from stacks.training_source import TrainingSourceError, build_training_source
from tests.conftest import REPO

TRAINING = REPO / "training"
IMAGE = "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.8.0-gpu-py312-cu129-ubuntu22.04-sagemaker"


def test_given_the_same_code_when_packed_twice_then_the_archive_is_byte_identical(tmp_path):
    first = build_training_source(TRAINING, image_uri=IMAGE, with_wheels=False, cache_dir=tmp_path / "a")
    second = build_training_source(TRAINING, image_uri=IMAGE, with_wheels=False, cache_dir=tmp_path / "b")

    assert first.sha256 == second.sha256
    assert first.wheels == ()
    with tarfile.open(first.archive, "r:gz") as tar:
        names = tar.getnames()
    assert "train.py" in names and "requirements.txt" in names
    assert not any(name.startswith("jobs/") or "__pycache__" in name for name in names)


def test_given_a_cached_archive_when_built_again_then_it_is_reused(tmp_path):
    first = build_training_source(TRAINING, image_uri=IMAGE, with_wheels=False, cache_dir=tmp_path)
    mtime = first.archive.stat().st_mtime_ns

    again = build_training_source(TRAINING, image_uri=IMAGE, with_wheels=False, cache_dir=tmp_path)

    assert again.archive == first.archive and again.archive.stat().st_mtime_ns == mtime


def test_given_an_image_whose_tag_names_no_python_when_packed_then_the_error_says_so(tmp_path):
    image = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:3.0-5"
    with pytest.raises(TrainingSourceError, match="the tag does not name the image's Python"):
        build_training_source(TRAINING, image_uri=image, cache_dir=tmp_path)


def test_given_a_lock_made_from_other_requirements_when_packed_then_it_is_refused(tmp_path):
    trainer = tmp_path / "training"
    shutil.copytree(TRAINING, trainer, ignore=shutil.ignore_patterns("jobs", "__pycache__"))
    (trainer / "requirements.txt").write_text("xgboost-cu12>=3.4\nrequests\n")

    with pytest.raises(TrainingSourceError, match="was not made from the current .*requirements.txt: run "
                                                  "`python -m slipway.jobs.lock`"):
        build_training_source(trainer, image_uri=IMAGE, cache_dir=tmp_path / "cache")
