from __future__ import annotations

from pathlib import Path

import pytest

from slipway_training.env import TrainingEnv

from .datasets import breast_cancer_frame, iris_frame, write_csv


@pytest.fixture
def base_dir(tmp_path: Path) -> Path:
    return tmp_path / "opt-ml"


@pytest.fixture
def training_env(base_dir: Path) -> TrainingEnv:
    return TrainingEnv.from_environ({"SAGEMAKER_BASE_DIR": str(base_dir), "SM_NUM_CPUS": "1"})


@pytest.fixture
def train_channel(base_dir: Path) -> Path:
    return base_dir / "input" / "data" / "train"


@pytest.fixture
def iris_channel(train_channel: Path) -> Path:
    write_csv(iris_frame(), train_channel / "iris.csv")
    return train_channel


@pytest.fixture
def breast_cancer_channel(train_channel: Path) -> Path:
    write_csv(breast_cancer_frame(), train_channel / "breast_cancer.csv")
    return train_channel
