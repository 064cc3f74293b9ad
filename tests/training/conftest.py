from __future__ import annotations

from pathlib import Path

import pytest

from slipway_training import data
from slipway_training.data import Dataset
from slipway_training.env import TrainingEnv
from slipway_training.hyperparameters import Hyperparameters
from slipway_training.model import TrainedModel, train

from .datasets import breast_cancer_frame, iris_frame, write_csv


@pytest.fixture
def base_dir(tmp_path: Path) -> Path:
    return tmp_path / "opt-ml"


@pytest.fixture
def training_env(base_dir: Path) -> TrainingEnv:
    return TrainingEnv.from_environ({"SAGEMAKER_BASE_DIR": str(base_dir), "SM_NUM_CPUS": "1"})


@pytest.fixture
def iris_channel(base_dir: Path) -> Path:
    channel = base_dir / "input" / "data" / "train"
    write_csv(iris_frame(), channel / "iris.csv")
    return channel


@pytest.fixture
def breast_cancer_channel(base_dir: Path) -> Path:
    channel = base_dir / "input" / "data" / "train"
    write_csv(breast_cancer_frame(), channel / "breast_cancer.csv")
    return channel


def _dataset(tmp_path_factory: pytest.TempPathFactory, name: str, frame_fn) -> Dataset:
    channel = tmp_path_factory.mktemp(name)
    write_csv(frame_fn(), channel / f"{name}.csv")
    return data.load(channel, None, "target", 0.2, 42)


@pytest.fixture(scope="session")
def iris_dataset(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    return _dataset(tmp_path_factory, "iris", iris_frame)


@pytest.fixture(scope="session")
def breast_cancer_dataset(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    return _dataset(tmp_path_factory, "breast_cancer", breast_cancer_frame)


@pytest.fixture(scope="session")
def iris_model(iris_dataset: Dataset) -> TrainedModel:
    return train(iris_dataset, Hyperparameters(num_round=10), device="cpu", nthread=1)


@pytest.fixture(scope="session")
def breast_cancer_model(breast_cancer_dataset: Dataset) -> TrainedModel:
    return train(breast_cancer_dataset, Hyperparameters(num_round=10), device="cpu", nthread=1)
