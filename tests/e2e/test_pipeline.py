"""SlipwayTraining's synthesized state machine, executed on the embedded emulator: tuning (real local
SageMaker jobs), training the best, evaluating against the served model, promoting, notifying.

One deployment for the module, three executions in order: the first promotes and serving follows
it, the second's worse candidate is kept out, the third's trainer fails. Lean on purpose: 20
boosting rounds, 4 trials two at a time.
"""
from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from slipway import pipeline
from slipway.cli import main
from slipway.commands.pipeline import derived_job_spec
from slipway.datasets import DemoData, write_dataset
from slipway.deployed import DeployedApp, discover
from slipway.local.stack import LocalDeployment, deploy_local
from tests.conftest import REPO

TRIALS, PARALLEL = 4, 2


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> DemoData:
    return write_dataset("breast_cancer", tmp_path_factory.mktemp("pipeline-data"))


@pytest.fixture(scope="module")
def deployment() -> Iterator[LocalDeployment]:
    spec = derived_job_spec(REPO, "e2e", tuning={"max_jobs": TRIALS, "max_parallel": PARALLEL},
                            hyperparameters={"num_round": 20, "early_stopping_rounds": 5})
    with deploy_local(REPO, context={"training_job_spec": spec}, start_pollers=False) as deployed:
        yield deployed


@pytest.fixture(scope="module")
def app(deployment: LocalDeployment) -> DeployedApp:
    return discover(deployment.clients)


@pytest.fixture(scope="module")
def notifications(deployment: LocalDeployment, app: DeployedApp) -> str:
    """An SQS queue subscribed to the pipeline's topic: what an operator's email would say."""
    sqs = deployment.clients("sqs")
    queue = sqs.create_queue(QueueName="pipeline-notifications")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    deployment.clients("sns").subscribe(TopicArn=app.topic_arn, Protocol="sqs", Endpoint=arn,
                                        Attributes={"RawMessageDelivery": "true"})
    return queue


def execute(deployment: LocalDeployment, app: DeployedApp, files: dict[str, Path]) -> tuple[pipeline.Outcome, list]:
    pipeline.upload_channels(deployment.clients("s3"), app, files)
    execution = pipeline.start(deployment.clients("stepfunctions"), app)
    outcome = pipeline.watch(deployment.clients, execution, say=lambda line: None, poll_s=0.5, timeout_s=900)
    history = deployment.clients("stepfunctions").get_execution_history(executionArn=execution,
                                                                         maxResults=1000)["events"]
    return outcome, history


def last_notification(deployment: LocalDeployment, queue: str) -> dict[str, Any]:
    sqs = deployment.clients("sqs")
    messages = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=5, MaxNumberOfMessages=10).get("Messages", [])
    assert messages, "the pipeline published no notification"
    for message in messages:
        sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
    return json.loads(messages[-1]["Body"])


def get_health(deployment: LocalDeployment) -> dict[str, Any]:
    with urllib.request.urlopen(f"{deployment.api_url}/health", timeout=30) as response:
        return json.loads(response.read())


def test_the_pipeline_tunes_trains_the_best_evaluates_promotes_and_serving_follows(deployment, app, data,
                                                                                   notifications):
    outcome, history = execute(deployment, app, {"train": data.train_csv, "validation": data.holdout_csv})

    assert outcome.status == "SUCCEEDED", outcome.error
    entered = [e["stateEnteredEventDetails"]["name"] for e in history if "stateEnteredEventDetails" in e]
    path = ["Tune", "TrainBest", "Evaluate", "NotWorse", "Promote", "NotifyPromoted"]
    assert [name for name in entered if name in path] == path
    tuning = deployment.clients("sagemaker").describe_hyper_parameter_tuning_job(
        HyperParameterTuningJobName=outcome.output["tuning"]["job_name"])
    assert tuning["HyperParameterTuningJobConfig"]["ResourceLimits"]["MaxParallelTrainingJobs"] == PARALLEL
    trials = deployment.clients("sagemaker").list_training_jobs_for_hyper_parameter_tuning_job(
        HyperParameterTuningJobName=tuning["HyperParameterTuningJobName"])["TrainingJobSummaries"]
    assert len(trials) == TRIALS
    counters = tuning["TrainingJobStatusCounters"]  # early stopping (Auto) may stop a trial
    assert counters["Completed"] + counters["Stopped"] == TRIALS, counters
    pointer = outcome.output["pointer"]
    assert outcome.output["evaluation"]["reason"] == "no model is serving yet"
    assert pointer["uri"] == f"s3://{app.models_bucket}/{app.models_prefix}{pointer['version']}/model.tar.gz"
    assert get_health(deployment)["model_version"] == pointer["version"]
    message = last_notification(deployment, notifications)
    assert (message["outcome"], message["pointer"]["version"]) == ("promoted", pointer["version"])



def test_models_lists_the_promoted_version_as_serving_through_the_endpoint(deployment, app, capsys, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", deployment.target.endpoint_url)
    serving = json.loads(deployment.clients("s3").get_object(Bucket=app.models_bucket,
                                                             Key=app.pointer_key)["Body"].read())["version"]

    assert main(["models", "list"]) == 0

    [line] = capsys.readouterr().out.splitlines()
    assert line.startswith(f"* {serving}  ") and "validation:logloss=" in line


def test_a_worse_candidate_is_not_promoted_and_the_notification_says_why(deployment, app, data, notifications,
                                                                         tmp_path, capsys):
    serving = json.loads(deployment.clients("s3").get_object(Bucket=app.models_bucket,
                                                             Key=app.pointer_key)["Body"].read())
    frame = pd.read_csv(data.train_csv)
    frame[data.target] = frame[data.target].sample(frac=1.0, random_state=3).to_numpy()  # labels shuffled
    noisy = tmp_path / "noisy.csv"
    frame.to_csv(noisy, index=False)

    # Through the CLI, as a user runs it against a running `slipway local up` (its endpoint).
    code = main(["--project", str(REPO), "local", "pipeline", "run", "--train", str(noisy),
                 "--validation", str(data.holdout_csv), "--endpoint", deployment.target.endpoint_url])

    out = capsys.readouterr().out
    assert code == 0, out
    assert "-> Tune" in out and "   trial " in out and "-> NotifyKept" in out
    assert out.splitlines()[-1].startswith("nothing promoted: validation:logloss ")
    message = last_notification(deployment, notifications)
    assert message["outcome"] == "kept the serving model"
    assert "is worse than the serving model's" in message["evaluation"]["reason"]
    assert json.loads(deployment.clients("s3").get_object(Bucket=app.models_bucket,
                                                          Key=app.pointer_key)["Body"].read()) == serving


def test_a_failing_trainer_fails_the_execution_with_its_reason_in_history_and_notification(deployment, app, data,
                                                                                          notifications, tmp_path):
    headless = tmp_path / "no-target.csv"
    pd.read_csv(data.train_csv).drop(columns=[data.target]).to_csv(headless, index=False)

    outcome, history = execute(deployment, app, {"train": headless, "validation": data.holdout_csv})

    assert outcome.status == "FAILED"
    reason = "target column 'target' is not in"  # the trainer's words (training/slipway_training/errors.py)
    failed = [e.get("taskFailedEventDetails", {}).get("cause", "") for e in history if e["type"] == "TaskFailed"]
    assert any(reason in cause for cause in failed), failed
    assert reason in (outcome.error or ""), outcome.error
    message = last_notification(deployment, notifications)
    assert message["outcome"] == "failed"
    assert reason in json.dumps(message["error"]), message
