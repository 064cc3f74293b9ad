"""`slipway local pipeline run`: what it reports from the execution's history, and how it refuses bad input."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from slipway.pipeline import Outcome, Progress, failure_reason
from tests.conftest import REPO


def event(kind: str, **details) -> dict:
    return {"type": kind, **details}


TRAINER_FAILED = [
    event("TaskStateEntered", stateEnteredEventDetails={"name": "TrainBest"}),
    event("TaskFailed", taskFailedEventDetails={"error": "States.TaskFailed", "cause": json.dumps({
        "TrainingJobName": "model-1a2b-final", "TrainingJobStatus": "Failed",
        "FailureReason": "AlgorithmError: target column 'target' is not in train.csv"})}),
    event("PassStateEntered", stateEnteredEventDetails={"name": "NotifyFailedSummary"}),
    event("ExecutionFailed", executionFailedEventDetails={"cause": "A pipeline step failed"}),
]


def test_a_failed_execution_is_told_by_its_first_failed_step_with_the_trainers_reason():
    assert failure_reason(TRAINER_FAILED) == ("TrainBest: States.TaskFailed: model-1a2b-final Failed: "
                                              "AlgorithmError: target column 'target' is not in train.csv")


def test_each_state_is_told_once_and_trials_as_they_end():
    class SageMaker:
        class exceptions:
            ClientError = RuntimeError

        def __init__(self) -> None:
            self.jobs = [{"TrainingJobName": "t-001", "TrainingJobStatus": "InProgress"}]

        def list_training_jobs_for_hyper_parameter_tuning_job(self, **kwargs):
            assert kwargs["HyperParameterTuningJobName"] == "model-1a2b-hpo"
            return {"TrainingJobSummaries": self.jobs}

    history = [event("TaskStateEntered", stateEnteredEventDetails={"name": "Tune"}),
               event("TaskScheduled", taskScheduledEventDetails={
                   "resource": "createHyperParameterTuningJob.sync",
                   "parameters": json.dumps({"HyperParameterTuningJobName": "model-1a2b-hpo"})})]
    progress, sagemaker = Progress(), SageMaker()

    assert list(progress.states(history)) == ["-> Tune"]
    assert list(progress.states(history)) == []
    assert list(progress.trials(sagemaker)) == []
    sagemaker.jobs = [{"TrainingJobName": "t-001", "TrainingJobStatus": "Completed",
                       "FinalHyperParameterTuningJobObjectiveMetric": {"MetricName": "validation:logloss",
                                                                       "Value": 0.0912}},
                      {"TrainingJobName": "t-002", "TrainingJobStatus": "Failed", "FailureReason": "OOM"}]
    assert list(progress.trials(sagemaker)) == ["   trial t-001 Completed validation:logloss=0.0912",
                                                "   trial t-002 Failed: OOM"]
    assert list(progress.trials(sagemaker)) == []


def test_the_outcome_says_what_was_promoted_or_why_nothing_was():
    promoted = Outcome("SUCCEEDED", "arn", output={
        "pointer": {"model_name": "iris", "version": "20261128T000000Z-1a2b3c4d", "uri": "s3://m/models/iris/x"},
        "evaluation": {"reason": "no model is serving yet"}})
    kept = Outcome("SUCCEEDED", "arn", output={"evaluation": {"reason": "validation:logloss 0.2 is worse than 0.1"}})

    assert promoted.summary().startswith("promoted iris 20261128T000000Z-1a2b3c4d (no model is serving yet)")
    assert kept.summary() == "nothing promoted: validation:logloss 0.2 is worse than 0.1"
    assert Outcome("FAILED", "arn", error="TrainBest: boom").summary() == "the pipeline FAILED: TrainBest: boom"


def test_a_missing_training_file_is_refused_without_a_traceback(tmp_path, capsys):
    from slipway.cli import main

    code = main(["local", "pipeline", "run", "--train", str(tmp_path / "absent.csv")])

    assert code == 2
    assert capsys.readouterr().err.strip() == f"--train: {tmp_path / 'absent.csv'} is not a file"


def test_max_jobs_must_be_positive(capsys):
    from slipway.cli import main

    with pytest.raises(SystemExit) as exit_:
        main(["local", "pipeline", "run", "--train", "x.csv", "--max-jobs", "0"])

    assert exit_.value.code == 2
    assert "--max-jobs: must be at least 1, got 0" in capsys.readouterr().err


def test_max_jobs_synthesizes_from_a_copy_of_the_job_spec_that_still_finds_the_trainer():
    from slipway.commands.pipeline import max_jobs_spec
    from slipway.jobs import load_job_spec

    relative = max_jobs_spec(REPO, 3)

    spec = load_job_spec(REPO / relative)
    assert (spec.tuning.max_jobs, spec.tuning.max_parallel) == (3, 2)
    assert (spec.source_dir / "train.py").is_file()
    assert not Path(relative).is_absolute()
