from __future__ import annotations

from pathlib import Path

import pytest

from slipway_training.env import TrainingEnv
from slipway_training.errors import InvalidEnvironment


def test_unset_variables_default_to_the_opt_ml_layout() -> None:
    env = TrainingEnv.from_environ({"SM_NUM_CPUS": "1"})

    assert env.base_dir == Path("/opt/ml")
    assert env.model_dir == Path("/opt/ml/model")
    assert env.output_dir == Path("/opt/ml/output")
    assert env.channel("train") == Path("/opt/ml/input/data/train")


def test_defaults_follow_sagemaker_base_dir(tmp_path: Path) -> None:
    env = TrainingEnv.from_environ({"SAGEMAKER_BASE_DIR": str(tmp_path), "SM_NUM_CPUS": "3"})

    assert env.model_dir == tmp_path / "model"
    assert env.output_data_dir == tmp_path / "output" / "data"
    assert env.checkpoint_dir == tmp_path / "checkpoints"
    assert env.output_dir == tmp_path / "output"
    assert env.channel("train") == tmp_path / "input" / "data" / "train"
    assert env.channel("validation") is None
    assert (env.num_gpus, env.num_cpus) == (0, 3)
    assert (env.hosts, env.current_host) == (("localhost",), "localhost")


def test_channel_folders_under_input_data_are_discovered(tmp_path: Path) -> None:
    (tmp_path / "input" / "data" / "validation").mkdir(parents=True)

    env = TrainingEnv.from_environ({"SAGEMAKER_BASE_DIR": str(tmp_path)})

    assert env.channel("validation") == tmp_path / "input" / "data" / "validation"


def test_sm_variables_override_the_defaults(tmp_path: Path) -> None:
    env = TrainingEnv.from_environ({
        "SAGEMAKER_BASE_DIR": str(tmp_path),
        "SM_MODEL_DIR": "/m", "SM_OUTPUT_DIR": "/o", "SM_OUTPUT_DATA_DIR": "/od",
        "SM_CHANNEL_TRAIN": "/data/t", "SM_CHANNEL_VALIDATION": "/data/v",
        "SM_NUM_GPUS": "1", "SM_NUM_CPUS": "8",
        "SM_HOSTS": '["algo-1"]', "SM_CURRENT_HOST": "algo-1",
    })

    assert env.model_dir == Path("/m")
    assert env.output_dir == Path("/o")
    assert env.output_data_dir == Path("/od")
    assert env.channel("train") == Path("/data/t")
    assert env.channel("validation") == Path("/data/v")
    assert (env.num_gpus, env.num_cpus) == (1, 8)
    assert (env.hosts, env.current_host) == (("algo-1",), "algo-1")


@pytest.mark.parametrize(("key", "value"), [
    ("SM_NUM_GPUS", "two"), ("SM_NUM_GPUS", "-1"), ("SM_NUM_CPUS", "0"),
    ("SM_HOSTS", "algo-1"), ("SM_HOSTS", "[]"),
])
def test_a_bad_variable_is_named_in_the_error(key: str, value: str) -> None:
    with pytest.raises(InvalidEnvironment) as caught:
        TrainingEnv.from_environ({key: value})

    assert caught.value.code == "InvalidEnvironment"
    assert key in caught.value.message
    assert repr(value) in caught.value.message
