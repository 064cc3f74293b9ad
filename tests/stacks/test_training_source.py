from __future__ import annotations

import tarfile

import pytest

from stacks.training_source import TrainingSourceError, build_training_source
from tests.conftest import REPO

TRAINING = REPO / "training"


def test_given_the_same_code_when_packed_twice_then_the_archive_is_byte_identical(tmp_path):
    first = build_training_source(TRAINING, image=("xgboost", "3.0-5"), with_wheels=False, cache_dir=tmp_path / "a")
    second = build_training_source(TRAINING, image=("xgboost", "3.0-5"), with_wheels=False, cache_dir=tmp_path / "b")

    assert first.sha256 == second.sha256
    assert first.wheels == ()
    with tarfile.open(first.archive, "r:gz") as tar:
        names = tar.getnames()
    assert "train.py" in names and "requirements.txt" in names
    assert not any(name.startswith("jobs/") or "__pycache__" in name for name in names)


def test_given_a_cached_archive_when_built_again_then_it_is_reused(tmp_path):
    first = build_training_source(TRAINING, image=("xgboost", "3.0-5"), with_wheels=False, cache_dir=tmp_path)
    mtime = first.archive.stat().st_mtime_ns

    again = build_training_source(TRAINING, image=("xgboost", "3.0-5"), with_wheels=False, cache_dir=tmp_path)

    assert again.archive == first.archive and again.archive.stat().st_mtime_ns == mtime


def test_given_an_image_whose_python_is_unknown_when_packed_then_the_error_says_what_to_add(tmp_path):
    with pytest.raises(TrainingSourceError, match="no Python/platform known for the sklearn 1.4-2 training image"):
        build_training_source(TRAINING, image=("sklearn", "1.4-2"), cache_dir=tmp_path)
