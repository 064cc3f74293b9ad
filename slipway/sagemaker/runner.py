"""The local training runner: one SageMaker training job, run on this machine.

Same tree, same variables, same arguments, same metric parsing and the same model.tar.gz as the
cloud job, so a script that passes here passes there.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from . import checkpoints, environment, layout, packaging, process
from .errors import InvalidTrainingRequest, TrainingJobExists, TrainingJobFailed
from .metrics import MetricCollector, compile_definitions

DEFAULT_SOURCE_DIR = Path(__file__).resolve().parents[2] / "training"
DEFAULT_ENTRY_POINT = "train.py"
JOB_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")  # CreateTrainingJob's pattern
_FAILURE_TAIL_LINES = 5
_NOT_INHERITED = frozenset({"SAGEMAKER_BASE_DIR", "PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"})


@dataclass(frozen=True)
class TrainingJobResult:
    job_name: str
    job_dir: Path
    model_dir: Path
    model_artifact: Path
    model_artifact_sha256: str
    output_artifact: Path
    metrics: Mapping[str, float]
    metric_series: Mapping[str, tuple[float, ...]]
    unmatched_metrics: tuple[str, ...]
    log_path: Path
    duration_s: float


def run_training_job(
    job_name: str,
    *,
    base_dir: Path,
    channels: Mapping[str, Path | str],
    hyperparameters: Mapping[str, object] | None = None,
    metric_definitions: Sequence[Mapping[str, str]] = (),
    source_dir: Path = DEFAULT_SOURCE_DIR,
    entry_point: str = DEFAULT_ENTRY_POINT,
    num_cpus: int | None = None,
    max_runtime_s: float | None = None,
    on_line: Callable[[str], None] | None = None,
    overwrite: bool = False,
    parent_environ: Mapping[str, str] | None = None,
    num_gpus: int = 0,
    checkpoint_dir: Path | None = None,
    on_start: Callable[[subprocess.Popen[str]], None] | None = None,
    python: Path | None = None,
) -> TrainingJobResult:
    """Runs `python <entry_point> --k v ...` in `source_dir` against `<base_dir>/<job_name>/`.

    `num_gpus` is what SM_NUM_GPUS reports (the instance's GPUs); `checkpoint_dir` plays
    CheckpointConfig.S3Uri (restored into the job's checkpoints/ before the run, synced back
    after it); `on_start` receives the script's process (to signal it, as a spot interruption
    or StopTrainingJob would); `python` is the interpreter that runs the script (the training
    environment of `interpreter.training_python`; this process's own when None).

    Raises InvalidTrainingRequest before anything runs, TrainingJobExists when the job directory
    is taken (unless `overwrite`), and TrainingJobFailed when the script fails or runs too long.
    """
    if not JOB_NAME.match(job_name):
        raise InvalidTrainingRequest(
            f"job name {job_name!r} must be 1-63 letters, digits or hyphens, "
            "starting and ending with a letter or digit")
    definitions = compile_definitions(metric_definitions)
    sources = {name: Path(path) for name, path in channels.items()}
    layout.check_channels(sources)
    strings = environment.as_strings(hyperparameters or {})
    source_dir = Path(source_dir)
    if not (source_dir / entry_point).is_file():
        raise InvalidTrainingRequest(f"entry point {source_dir / entry_point} does not exist")
    cpus = num_cpus or os.cpu_count() or 1

    job_dir = Path(base_dir) / job_name
    if job_dir.exists():
        if not overwrite:
            raise TrainingJobExists(f"training job {job_name!r} already exists at {job_dir}")
        shutil.rmtree(job_dir)
    tree = layout.prepare(job_dir, sources, strings)
    checkpoints.restore(checkpoint_dir, tree.checkpoint_dir)
    environ = _child_environ(
        os.environ if parent_environ is None else parent_environ,
        environment.build(tree, job_name=job_name, channels=sources, hyperparameters=strings,
                          num_cpus=cpus, source_dir=source_dir, entry_point=entry_point,
                          num_gpus=num_gpus))
    args = environment.script_args(environment.user_hyperparameters(environment.decode(strings)))
    collector = MetricCollector(definitions)

    def handle(line: str) -> None:
        collector.feed(line)
        if on_line is not None:
            on_line(line)

    started = time.monotonic()
    try:
        outcome = process.run_streaming(
            [str(python or sys.executable), entry_point, *args], cwd=source_dir, environ=environ,
            log_path=tree.log_path, on_line=handle, max_runtime_s=max_runtime_s,
            on_start=on_start)
    finally:
        checkpoints.sync(tree.checkpoint_dir, checkpoint_dir)
    if outcome.timed_out:
        raise TrainingJobFailed(
            job_name, f"MaxRuntimeExceeded: the job ran longer than {max_runtime_s} s",
            exit_code=outcome.exit_code, log_path=tree.log_path)
    if outcome.exit_code != 0:
        reason = _failure_reason(tree, entry_point, outcome.exit_code)
        raise TrainingJobFailed(job_name, _user_paths(reason, tree, sources),
                                exit_code=outcome.exit_code, log_path=tree.log_path)

    packaging.pack_directory(tree.model_dir, tree.model_artifact)
    packaging.pack_directory(tree.output_data_dir, tree.output_artifact)
    return TrainingJobResult(
        job_name=job_name, job_dir=job_dir, model_dir=tree.model_dir,
        model_artifact=tree.model_artifact,
        model_artifact_sha256=packaging.sha256_file(tree.model_artifact),
        output_artifact=tree.output_artifact, metrics=collector.final(),
        metric_series={name: tuple(values) for name, values in collector.series.items()},
        unmatched_metrics=collector.unmatched(), log_path=tree.log_path,
        duration_s=time.monotonic() - started)


def _child_environ(parent: Mapping[str, str], sagemaker: Mapping[str, str]) -> dict[str, str]:
    # A caller's own SM_* settings (say, from a notebook) must not leak into the job
    # and neither may the kit's own interpreter settings reach the training environment's Python
    inherited = {key: value for key, value in parent.items()
                 if not key.startswith("SM_") and key not in _NOT_INHERITED}
    return {**inherited, **sagemaker, "PYTHONUNBUFFERED": "1"}


def _user_paths(text: str, tree: layout.JobLayout, sources: Mapping[str, Path]) -> str:
    """The script names the job's private copy of a channel (`<job>/input/data/train/x.csv`);
    the user knows the file they gave: name that one."""
    for name, source in sources.items():
        private = str(tree.channel_dir(name))
        if source.is_file():
            text = text.replace(f"{private}/{source.name}", str(source))
        text = text.replace(private, str(source if source.is_dir() else source.parent))
    return text


def _failure_reason(tree: layout.JobLayout, entry_point: str, exit_code: int) -> str:
    if tree.failure_path.is_file():
        reason = tree.failure_path.read_text(encoding="utf-8", errors="replace").strip()
        if reason:
            return reason
    # The script died without a word (killed, or a crash before its handler): say what we saw
    lines = tree.log_path.read_text(encoding="utf-8", errors="replace").splitlines()
    tail = " | ".join(lines[-_FAILURE_TAIL_LINES:])
    return f"AlgorithmError: {entry_point} exited with code {exit_code}; last output: {tail}"
