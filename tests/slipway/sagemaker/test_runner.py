"""The runner's mechanics, driven by tiny stand-in scripts so they run in a blink."""
from __future__ import annotations

import json
import tarfile
import textwrap
from pathlib import Path

import pytest

from slipway.sagemaker import (InvalidTrainingRequest, TrainingJobExists, TrainingJobFailed,
                              run_training_job)
from slipway.sagemaker.packaging import sha256_file

ECHO_SCRIPT = """
import json, os, sys
seen = {"argv": sys.argv[1:], "cwd": os.getcwd(),
        "env": {k: v for k, v in os.environ.items() if k.startswith(("SM_", "SAGEMAKER_"))}}
with open(os.path.join(os.environ["SM_MODEL_DIR"], "seen.json"), "w") as f:
    json.dump(seen, f)
with open(os.path.join(os.environ["SM_OUTPUT_DATA_DIR"], "extra.txt"), "w") as f:
    f.write("extra")
print("epoch 1 validation:accuracy=0.5")
print("epoch 2 validation:accuracy=0.75", file=sys.stderr)
print("validation:accuracy=0.875")
"""
METRICS = [{"Name": "validation:accuracy", "Regex": r"validation:accuracy=([-+0-9.eE]+)"},
           {"Name": "validation:auc", "Regex": r"validation:auc=([-+0-9.eE]+)"}]


def _script(tmp_path: Path, body: str) -> Path:
    source = tmp_path / "code"
    source.mkdir(exist_ok=True)
    (source / "train.py").write_text(textwrap.dedent(body))
    return source


@pytest.fixture
def data_file(tmp_path: Path) -> Path:
    path = tmp_path / "data.csv"
    path.write_text("x,target\n1,0\n")
    return path


def test_a_job_runs_the_script_with_sorted_arguments_and_sm_variables(
        tmp_path: Path, data_file: Path) -> None:
    source = _script(tmp_path, ECHO_SCRIPT)
    lines: list[str] = []

    result = run_training_job(
        "echo-1", base_dir=tmp_path / "jobs", channels={"train": data_file},
        hyperparameters={"num_round": 20, "eta": 0.1, "sagemaker_program": "train.py"},
        metric_definitions=METRICS, source_dir=source, num_cpus=1, on_line=lines.append,
        parent_environ={"PATH": "/usr/bin:/bin", "SM_MODEL_DIR": "/leaked"})

    seen = json.loads((result.model_dir / "seen.json").read_text())
    assert seen["argv"] == ["--eta", "0.1", "--num_round", "20"]
    assert Path(seen["cwd"]) == source
    assert seen["env"]["SM_MODEL_DIR"] == str(tmp_path / "jobs" / "echo-1" / "model")
    assert seen["env"]["SM_CHANNEL_TRAIN"] == str(
        tmp_path / "jobs" / "echo-1" / "input" / "data" / "train")
    assert (seen["env"]["SM_NUM_GPUS"], seen["env"]["SM_NUM_CPUS"]) == ("0", "1")
    assert lines == ["epoch 1 validation:accuracy=0.5", "epoch 2 validation:accuracy=0.75",
                     "validation:accuracy=0.875"]
    assert result.log_path.read_text().splitlines() == lines
    assert result.metrics == {"validation:accuracy": 0.875}
    assert result.metric_series == {"validation:accuracy": (0.5, 0.75, 0.875)}
    assert result.unmatched_metrics == ("validation:auc",)


def test_model_and_output_data_are_packed_with_files_at_the_archive_root(
        tmp_path: Path, data_file: Path) -> None:
    result = run_training_job("echo-2", base_dir=tmp_path / "jobs",
                              channels={"train": data_file},
                              source_dir=_script(tmp_path, ECHO_SCRIPT), num_cpus=1)

    assert result.model_artifact == tmp_path / "jobs" / "echo-2" / "output" / "model.tar.gz"
    assert result.model_artifact_sha256 == sha256_file(result.model_artifact)
    with tarfile.open(result.model_artifact) as archive:
        assert archive.getnames() == ["seen.json"]
        assert archive.getmember("seen.json").uname == ""
    with tarfile.open(result.output_artifact) as archive:
        assert archive.getnames() == ["extra.txt"]


def test_the_failure_file_becomes_the_failure_reason(tmp_path: Path, data_file: Path) -> None:
    source = _script(tmp_path, """
        import os, sys
        with open(os.path.join(os.environ["SAGEMAKER_BASE_DIR"], "output", "failure"), "w") as f:
            f.write("MissingTargetColumn: no 'y'")
        sys.exit(1)
        """)

    with pytest.raises(TrainingJobFailed) as caught:
        run_training_job("fails-1", base_dir=tmp_path / "jobs", channels={"train": data_file},
                         source_dir=source, num_cpus=1)

    assert caught.value.code == "TrainingJobFailed"
    assert caught.value.reason == "MissingTargetColumn: no 'y'"
    assert caught.value.exit_code == 1
    assert str(caught.value) == "training job 'fails-1' failed: MissingTargetColumn: no 'y'"
    assert not (tmp_path / "jobs" / "fails-1" / "output" / "model.tar.gz").exists()


def test_a_silent_crash_is_reported_with_the_last_output(tmp_path: Path, data_file: Path) -> None:
    source = _script(tmp_path, """
        import os
        print("loading")
        os._exit(3)
        """)

    with pytest.raises(TrainingJobFailed) as caught:
        run_training_job("fails-2", base_dir=tmp_path / "jobs", channels={"train": data_file},
                         source_dir=source, num_cpus=1)

    assert caught.value.reason == (
        "AlgorithmError: train.py exited with code 3; last output: loading")


def test_a_job_past_its_runtime_limit_is_stopped(tmp_path: Path, data_file: Path) -> None:
    source = _script(tmp_path, "import time\nprint('start', flush=True)\ntime.sleep(60)\n")

    with pytest.raises(TrainingJobFailed) as caught:
        run_training_job("slow-1", base_dir=tmp_path / "jobs", channels={"train": data_file},
                         source_dir=source, num_cpus=1, max_runtime_s=1.0)

    assert caught.value.reason == "MaxRuntimeExceeded: the job ran longer than 1.0 s"


def test_a_job_name_in_use_is_refused_unless_overwritten(tmp_path: Path, data_file: Path) -> None:
    source = _script(tmp_path, ECHO_SCRIPT)
    run_training_job("again", base_dir=tmp_path, channels={"train": data_file},
                     source_dir=source, num_cpus=1)

    with pytest.raises(TrainingJobExists) as caught:
        run_training_job("again", base_dir=tmp_path, channels={"train": data_file},
                         source_dir=source, num_cpus=1)
    assert caught.value.code == "ResourceInUse"

    result = run_training_job("again", base_dir=tmp_path, channels={"train": data_file},
                              source_dir=source, num_cpus=1, overwrite=True)
    assert result.model_artifact.is_file()


@pytest.mark.parametrize(("job_name", "message"), [
    ("bad_name", "job name 'bad_name' must be 1-63 letters, digits or hyphens"),
    ("-leading", "job name '-leading' must be 1-63 letters, digits or hyphens"),
    ("../escape", "job name '../escape' must be 1-63 letters, digits or hyphens"),
])
def test_an_invalid_job_name_is_refused_before_anything_runs(
        tmp_path: Path, data_file: Path, job_name: str, message: str) -> None:
    with pytest.raises(InvalidTrainingRequest) as caught:
        run_training_job(job_name, base_dir=tmp_path / "jobs", channels={"train": data_file},
                         source_dir=_script(tmp_path, ECHO_SCRIPT))

    assert caught.value.code == "ValidationException"
    assert caught.value.message.startswith(message)
    assert not (tmp_path / "jobs").exists()


def test_a_missing_entry_point_is_refused(tmp_path: Path, data_file: Path) -> None:
    with pytest.raises(InvalidTrainingRequest) as caught:
        run_training_job("no-script", base_dir=tmp_path / "jobs",
                         channels={"train": data_file}, source_dir=tmp_path / "empty")

    assert caught.value.message == f"entry point {tmp_path / 'empty' / 'train.py'} does not exist"


def test_the_checkpoint_store_is_restored_before_and_synced_after_the_run(
        tmp_path: Path, data_file: Path) -> None:
    store = tmp_path / "s3-checkpoints"
    (store / "nested").mkdir(parents=True)
    (store / "nested" / "old.bin").write_text("from the interrupted run")
    source = _script(tmp_path, """
        import os, pathlib, sys
        base = pathlib.Path(os.environ["SAGEMAKER_BASE_DIR"]) / "checkpoints"
        print("found", (base / "nested" / "old.bin").read_text())
        (base / "new.bin").write_text("written before dying")
        (base / "torn.partial.ubj").write_text("half")
        sys.exit(1)
        """)

    with pytest.raises(TrainingJobFailed):
        run_training_job("ckpt", base_dir=tmp_path / "jobs", channels={"train": data_file},
                         source_dir=source, num_cpus=1, checkpoint_dir=store)

    log = (tmp_path / "jobs" / "ckpt" / "training.log").read_text()
    assert log.splitlines()[0] == "found from the interrupted run"
    assert sorted(p.relative_to(store).as_posix() for p in store.rglob("*") if p.is_file()) == [
        "nested/old.bin", "new.bin"]


def test_the_script_sees_the_gpus_and_the_caller_gets_its_process(
        tmp_path: Path, data_file: Path) -> None:
    source = _script(tmp_path, "import os\nprint('gpus', os.environ['SM_NUM_GPUS'])\n")
    started: list[int] = []
    lines: list[str] = []

    run_training_job("gpus", base_dir=tmp_path / "jobs", channels={"train": data_file},
                     source_dir=source, num_cpus=1, num_gpus=4, on_line=lines.append,
                     on_start=lambda process: started.append(process.pid))

    assert lines == ["gpus 4"]
    assert len(started) == 1 and started[0] > 0


def test_a_failure_names_the_file_the_user_gave_not_the_jobs_private_copy(
        tmp_path: Path) -> None:
    """Issue 12, item 8: the script reads its private copy under input/data/<channel>/; the
    reason the user reads names the file they passed."""
    user_file = tmp_path / "mine" / "latin1.csv"
    user_file.parent.mkdir()
    user_file.write_bytes("name,target\ncaf\xe9,1\n".encode("latin-1"))
    source = _script(tmp_path, """
        import os, pathlib, sys
        path = pathlib.Path(os.environ["SM_CHANNEL_TRAIN"]) / "latin1.csv"
        try:
            path.read_text(encoding="utf-8")
        except UnicodeDecodeError as error:
            failure = pathlib.Path(os.environ["SAGEMAKER_BASE_DIR"]) / "output" / "failure"
            failure.write_text(f"InvalidData: {path} cannot be read: {error}")
            sys.exit(1)
        """)

    with pytest.raises(TrainingJobFailed) as caught:
        run_training_job("latin1", base_dir=tmp_path / "jobs", channels={"train": user_file},
                         source_dir=source)

    assert caught.value.reason.startswith(f"InvalidData: {user_file} cannot be read: 'utf-8'")
    assert "input/data" not in caught.value.reason
