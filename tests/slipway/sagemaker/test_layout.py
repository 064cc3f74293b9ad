from __future__ import annotations

import json
from pathlib import Path

import pytest

from slipway.sagemaker import InvalidTrainingRequest
from slipway.sagemaker import environment, layout


def _read(path: Path) -> object:
    return json.loads(path.read_text())


@pytest.fixture
def sources(tmp_path: Path) -> dict[str, Path]:
    train = tmp_path / "src" / "train.csv"
    train.parent.mkdir()
    train.write_text("x,target\n1,0\n")
    validation = tmp_path / "src" / "validation"
    (validation / "part").mkdir(parents=True)
    (validation / "part" / "v.csv").write_text("x,target\n2,1\n")
    return {"train": train, "validation": validation}


def test_the_job_tree_is_shaped_like_opt_ml(tmp_path: Path, sources: dict[str, Path]) -> None:
    tree = layout.prepare(tmp_path / "job", sources, {"num_round": "20", "target": "target"})

    for directory in ("model", "output/data", "output/intermediate", "checkpoints",
                      "input/config"):
        assert (tmp_path / "job" / directory).is_dir(), directory
    assert _read(tree.config_dir / "hyperparameters.json") == {"num_round": "20",
                                                               "target": "target"}
    resource = _read(tree.config_dir / "resourceconfig.json")
    assert (resource["current_host"], resource["hosts"]) == ("localhost", ["localhost"])
    assert _read(tree.config_dir / "inputdataconfig.json")["train"] == {
        "ContentType": "text/csv", "RecordWrapperType": "None",
        "S3DistributionType": "FullyReplicated", "TrainingInputMode": "File"}
    assert (tree.channel_dir("train") / "train.csv").read_text() == "x,target\n1,0\n"
    assert (tree.channel_dir("validation") / "part" / "v.csv").read_text() == "x,target\n2,1\n"


@pytest.mark.parametrize(("name", "message"), [
    ("train data", "channel name 'train data' must be 1-64 letters, digits, '.', '-' or '_'"),
    ("train", "channel 'train': {missing} does not exist"),
])
def test_bad_channels_are_refused(tmp_path: Path, name: str, message: str) -> None:
    missing = tmp_path / "nowhere.csv"

    with pytest.raises(InvalidTrainingRequest) as caught:
        layout.check_channels({name: missing})

    assert caught.value.message == message.format(missing=missing)


def test_hyperparameters_are_sent_as_strings() -> None:
    assert environment.as_strings({"num_round": 20, "eta": 0.1, "flag": True, "target": "y"}) \
        == {"num_round": "20", "eta": "0.1", "flag": "true", "target": "y"}


def test_values_are_json_decoded_one_by_one_like_the_toolkit() -> None:
    """Source: sagemaker-training-toolkit, src/sagemaker_training/environment.py,
    read_hyperparameters: json.loads per value, the text itself where that fails."""
    assert environment.decode({"a": "1", "b": '"x"'}) == {"a": 1, "b": "x"}
    assert environment.decode({"a": "1", "b": "x"}) == {"a": 1, "b": "x"}


def test_script_arguments_are_sorted_without_sagemaker_keys() -> None:
    hps = environment.user_hyperparameters(environment.decode({
        "num_round": "20", "eta": "0.1", "sagemaker_program": '"train.py"',
        "_tuning_objective_metric": '"validation:auc"'}))

    assert environment.script_args(hps) == ["--eta", "0.1", "--num_round", "20"]


def test_the_environment_carries_every_sm_variable(tmp_path: Path,
                                                   sources: dict[str, Path]) -> None:
    hps = {"num_round": "20", "sagemaker_region": '"us-east-1"'}
    tree = layout.prepare(tmp_path / "job", sources, hps)

    env = environment.build(tree, job_name="job", channels=sources, hyperparameters=hps,
                            num_cpus=2, source_dir=tmp_path / "code", entry_point="train.py")

    assert env["SAGEMAKER_BASE_DIR"] == str(tmp_path / "job")
    assert env["SM_MODEL_DIR"] == str(tmp_path / "job" / "model")
    assert env["SM_OUTPUT_DATA_DIR"] == str(tmp_path / "job" / "output" / "data")
    assert env["SM_CHANNELS"] == '["train","validation"]'
    assert env["SM_CHANNEL_TRAIN"] == str(tmp_path / "job" / "input" / "data" / "train")
    assert env["SM_CHANNEL_VALIDATION"] == str(tmp_path / "job" / "input" / "data" / "validation")
    assert env["SM_HPS"] == '{"num_round":20}'
    assert env["SM_HP_NUM_ROUND"] == "20"
    assert "SM_HP_SAGEMAKER_REGION" not in env
    assert (env["SM_NUM_GPUS"], env["SM_NUM_CPUS"]) == ("0", "2")
    assert (env["SM_CURRENT_HOST"], env["SM_HOSTS"]) == ("localhost", '["localhost"]')
    assert env["SM_USER_ARGS"] == '["--num_round","20"]'
    training_env = json.loads(env["SM_TRAINING_ENV"])
    assert training_env["job_name"] == "job"
    assert training_env["channel_input_dirs"]["train"] == env["SM_CHANNEL_TRAIN"]
    assert training_env["hyperparameters"] == {"num_round": 20}
