"""The local SageMaker behind the emulator's SageMaker API: requests rendered from the job spec,
sent with boto3, run for real on this machine (trainer on its own Python built from
training/requirements.txt), observed through DescribeTrainingJob, CloudWatch Logs and S3.

Sources: https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DescribeTrainingJob.html,
API_DescribeHyperParameterTuningJob.html, API_ListTrainingJobsForHyperParameterTuningJob.html,
https://docs.aws.amazon.com/sagemaker/latest/dg/logging-cloudwatch.html (log group and stream),
https://docs.aws.amazon.com/sagemaker/latest/dg/model-managed-spot-training.html (checkpoints,
BillableTimeInSeconds), https://docs.aws.amazon.com/sagemaker/latest/dg/your-algorithms-training-algo-output.html
(/opt/ml/output/failure -> FailureReason).
"""
from __future__ import annotations

import copy
import io
import json
import re
import shutil
import tarfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import botocore.exceptions
import pandas as pd
import pytest
import yaml
from sklearn.datasets import make_classification

from slipway.aws import Clients
from slipway.jobs.render import render_training_job, render_tuning_job
from slipway.jobs.send import upload_source
from slipway.jobs.spec import JobSpec, parse
from slipway.local.emulator import MotoEmulator
from slipway.sagemaker.cloudwatch import LOG_GROUP
from tests.training.datasets import breast_cancer_frame

pytestmark = pytest.mark.e2e
REPO = Path(__file__).resolve().parents[3]
ROLE = "arn:aws:iam::123456789012:role/slipway-training"
BUCKET = "local-sagemaker"
OUTPUT = f"s3://{BUCKET}/models"


def _spec(tmp: Path, *, drop: tuple[str, ...] = (), **hyperparameters: Any) -> JobSpec:
    document = yaml.safe_load((REPO / "training/jobs/xgboost-classifier.yaml").read_text())
    document["source"]["dir"] = str(REPO / "training")
    for name in drop:
        document["hyperparameters"].pop(name, None)
    document["hyperparameters"].update(
        {"model_name": "breast-cancer", "num_round": 20, **hyperparameters})
    document["tuning"].update(max_jobs=4, max_parallel=2)
    document["tuning"].pop("max_runtime_seconds", None)
    for name in hyperparameters:  # fixed here, so not tuned
        document["tuning"]["ranges"].pop(name, None)
    return parse(document, tmp / "spec.yaml")


@pytest.fixture(scope="module")
def aws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Clients]:
    with MotoEmulator() as target:
        clients = Clients(target)
        s3 = clients("s3")
        s3.create_bucket(Bucket=BUCKET)
        s3.put_object(Bucket=BUCKET, Key="data/breast-cancer/train.csv",
                      Body=breast_cancer_frame().to_csv(index=False).encode())
        x, y = make_classification(n_samples=4000, n_features=20, n_informative=8,
                                   random_state=3)
        frame = pd.DataFrame(x, columns=[f"f{i}" for i in range(20)]).assign(target=y)
        s3.put_object(Bucket=BUCKET, Key="data/synthetic/train.csv",
                      Body=frame.to_csv(index=False).encode())
        yield clients


@pytest.fixture(scope="module")
def spec(tmp_path_factory: pytest.TempPathFactory) -> JobSpec:
    return _spec(tmp_path_factory.mktemp("spec"))


def _request(spec: JobSpec, name: str, channel: str = "data/breast-cancer/") -> dict[str, Any]:
    return render_training_job(spec, job_name=name, role_arn=ROLE, output_s3_uri=OUTPUT,
                               channels={"train": f"s3://{BUCKET}/{channel}"},
                               region="us-east-1")


def _send(aws: Clients, request: dict[str, Any], source: Path = REPO / "training") -> None:
    upload_source(aws, source, json.loads(request["HyperParameters"]["sagemaker_submit_directory"]))
    aws("sagemaker").create_training_job(**request)


def _until(describe: Callable[[], dict[str, Any]], key: str, *, timeout_s: float = 600,
           done: tuple[str, ...] = ("Completed", "Failed", "Stopped")) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        answer = describe()
        if answer[key] in done:
            return answer
        time.sleep(0.5)
    raise AssertionError(f"still {answer[key]} after {timeout_s} s")


def _training(aws: Clients, name: str, **options: Any) -> dict[str, Any]:
    return _until(lambda: aws("sagemaker").describe_training_job(TrainingJobName=name),
                  "TrainingJobStatus", **options)


def _script(tmp: Path, body: str) -> Path:
    """A trainer of our own, with the real trainer's requirements (so the same environment)."""
    tmp.mkdir(parents=True, exist_ok=True)
    (tmp / "train.py").write_text(body)
    for name in ("requirements.txt", "requirements.lock"):
        if (REPO / "training" / name).is_file():
            shutil.copy(REPO / "training" / name, tmp / name)
    return tmp


def _log_lines(aws: Clients, job: str) -> list[str]:
    logs = aws("logs")
    try:
        streams = logs.describe_log_streams(logGroupName=LOG_GROUP,
                                            logStreamNamePrefix=f"{job}/")["logStreams"]
    except logs.exceptions.ResourceNotFoundException:
        return []
    return [e["message"] for s in streams for e in logs.get_log_events(
        logGroupName=LOG_GROUP, logStreamName=s["logStreamName"])["events"]
        if not e["message"].startswith(("[slipway]", "building the training environment"))]


def _model_files(aws: Clients, uri: str) -> dict[str, bytes]:
    bucket, key = uri[5:].split("/", 1)
    body = aws("s3").get_object(Bucket=bucket, Key=key)["Body"].read()
    with tarfile.open(fileobj=io.BytesIO(body)) as archive:
        return {m.name: archive.extractfile(m).read() for m in archive.getmembers() if m.isfile()}


def test_a_training_job_runs_for_real_and_reports_as_sagemaker_does(aws: Clients,
                                                                    spec: JobSpec) -> None:
    _send(aws, _request(spec, "bc-train"))

    job = _training(aws, "bc-train")

    assert (job["TrainingJobStatus"], job["SecondaryStatus"]) == ("Completed", "Completed"), \
        job.get("FailureReason")
    assert [t["Status"] for t in job["SecondaryStatusTransitions"]] == [
        "Starting", "Downloading", "Training", "Uploading", "Completed"]
    assert job["ModelArtifacts"]["S3ModelArtifacts"] == f"{OUTPUT}/bc-train/output/model.tar.gz"
    assert {"manifest.json", "model.onnx", "model.ubj"} <= set(
        _model_files(aws, job["ModelArtifacts"]["S3ModelArtifacts"]))
    aws("s3").head_object(Bucket=BUCKET, Key="models/bc-train/output/output.tar.gz")
    metrics = {m["MetricName"]: m["Value"] for m in job["FinalMetricDataList"]}
    assert set(metrics) == {m.name for m in spec.metrics}
    assert 0.8 < metrics["validation:accuracy"] <= 1.0
    streams = aws("logs").describe_log_streams(
        logGroupName=LOG_GROUP, logStreamNamePrefix="bc-train/")["logStreams"]
    assert [re.fullmatch(r"bc-train/algo-1-\d{10}", s["logStreamName"]) is not None
            for s in streams] == [True]
    lines = [e["message"] for e in aws("logs").get_log_events(
        logGroupName=LOG_GROUP, logStreamName=streams[0]["logStreamName"])["events"]]
    assert any(f"validation:accuracy={metrics['validation:accuracy']:g}" in line
               or f"validation:accuracy={metrics['validation:accuracy']}" in line
               for line in lines)
    assert job["TrainingTimeInSeconds"] >= job["BillableTimeInSeconds"] >= 1
    listed = aws("sagemaker").list_training_jobs(NameContains="bc-train")["TrainingJobSummaries"]
    assert [(s["TrainingJobName"], s["TrainingJobStatus"]) for s in listed] == [
        ("bc-train", "Completed")]


def test_a_failing_trainer_fails_the_job_with_its_failure_file(aws: Clients, spec: JobSpec,
                                                               tmp_path: Path) -> None:
    request = _request(_spec(tmp_path, target="no_such_column"), "bc-bad-target")
    _send(aws, request)

    job = _training(aws, "bc-bad-target")

    assert (job["TrainingJobStatus"], job["SecondaryStatus"]) == ("Failed", "Failed")
    assert job["FailureReason"].startswith(
        "MissingTargetColumn: target column 'no_such_column' is not in "
        "/opt/ml/input/data/train/train.csv; available columns: ")


def test_a_module_missing_from_the_training_requirements_fails_as_in_the_container(
        aws: Clients, spec: JobSpec, tmp_path: Path) -> None:
    """The kit's own virtualenv has optuna; the training environment (requirements.txt) has
    not, so the job fails here as it would in the container."""
    request = _request(spec, "needs-optuna")
    source = _script(tmp_path / "code", "import optuna\n")
    _send(aws, request, source)

    job = _training(aws, "needs-optuna")

    assert job["TrainingJobStatus"] == "Failed"
    assert "ModuleNotFoundError: No module named 'optuna'" in job["FailureReason"]


def test_stop_training_job_stops_it(aws: Clients, spec: JobSpec, tmp_path: Path) -> None:
    request = _request(spec, "sleeper")
    source = _script(tmp_path / "code", "import os, pathlib, time\n"
                     "pathlib.Path(os.environ['SM_MODEL_DIR'], 'partial.txt').write_text('so far')\n"
                     "print('started', flush=True)\ntime.sleep(600)\n")
    _send(aws, request, source)
    _until(lambda: {"lines": _log_lines(aws, "sleeper")}, "lines", done=(["started"],),
           timeout_s=120)  # the log reaches CloudWatch while the job runs

    aws("sagemaker").stop_training_job(TrainingJobName="sleeper")
    job = _training(aws, "sleeper", timeout_s=60)

    assert (job["TrainingJobStatus"], job["SecondaryStatus"]) == ("Stopped", "Stopped")
    assert [t["Status"] for t in job["SecondaryStatusTransitions"]][-2:] == ["Stopping", "Stopped"]
    assert _model_files(aws, job["ModelArtifacts"]["S3ModelArtifacts"]) == {
        "partial.txt": b"so far"}  # what the script saved is kept (API_StopTrainingJob.html)
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        aws("sagemaker").stop_training_job(TrainingJobName="sleeper")
    assert refused.value.response["Error"]["Code"] == "ValidationException"


def test_describe_of_an_unknown_job_is_refused(aws: Clients) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        aws("sagemaker").describe_training_job(TrainingJobName="never-created")

    assert refused.value.response["Error"] == {"Code": "ValidationException",
                                               "Message": "Requested resource not found."}


def test_the_landed_first_party_request_is_refused_with_sagemakers_message(
        aws: Clients, spec: JobSpec) -> None:
    """What #3 landed: the first-party sagemaker-xgboost image with MetricDefinitions. Source:
    aws/sagemaker-xgboost-container issue 121 (SageMaker's ValidationException text)."""
    request = render_training_job(
        spec, job_name="first-party", role_arn=ROLE, output_s3_uri=OUTPUT, validate=False,
        channels={"train": f"s3://{BUCKET}/data/breast-cancer/"}, region="us-east-1",
        image_uri="683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:3.0-5")

    with pytest.raises(botocore.exceptions.ClientError) as refused:
        aws("sagemaker").create_training_job(**request)

    assert refused.value.response["Error"] == {
        "Code": "ValidationException",
        "Message": "You can't override the metric definitions for Amazon SageMaker algorithms. "
                   "Please retry the request without specifying metric definitions."}
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_a_tuning_job_runs_its_trials_as_training_jobs(aws: Clients, spec: JobSpec) -> None:
    request = render_tuning_job(spec, job_name="bc-tune", role_arn=ROLE, output_s3_uri=OUTPUT,
                                channels={"train": f"s3://{BUCKET}/data/breast-cancer/"},
                                region="us-east-1")
    upload_source(aws, REPO / "training", json.loads(
        request["TrainingJobDefinition"]["StaticHyperParameters"]["sagemaker_submit_directory"]))
    aws("sagemaker").create_hyper_parameter_tuning_job(**request)

    tuning = _until(lambda: aws("sagemaker").describe_hyper_parameter_tuning_job(
        HyperParameterTuningJobName="bc-tune"), "HyperParameterTuningJobStatus")
    trials = aws("sagemaker").list_training_jobs_for_hyper_parameter_tuning_job(
        HyperParameterTuningJobName="bc-tune", SortBy="FinalObjectiveMetricValue",
        SortOrder="Ascending")["TrainingJobSummaries"]

    assert tuning["HyperParameterTuningJobStatus"] == "Completed", tuning.get("FailureReason")
    counters = tuning["TrainingJobStatusCounters"]
    assert counters["Completed"] + counters["Stopped"] == 4 and counters["Completed"] >= 1
    assert counters["NonRetryableError"] == counters["InProgress"] == 0
    assert tuning["ObjectiveStatusCounters"] == {"Succeeded": 4, "Pending": 0, "Failed": 0}
    assert len(trials) == 4
    assert all(re.fullmatch(r"bc-tune-00[1-4]-[0-9a-f]{8}", t["TrainingJobName"]) for t in trials)
    assert {t["TuningJobName"] for t in trials} == {"bc-tune"}
    completed = [t for t in trials if t["TrainingJobStatus"] == "Completed"]
    best = tuning["BestTrainingJob"]
    assert best["TrainingJobName"] == completed[0]["TrainingJobName"]
    assert best["FinalHyperParameterTuningJobObjectiveMetric"]["MetricName"] == \
        "validation:logloss"
    assert set(best["TunedHyperParameters"]) == {r.name for r in spec.tuning.ranges}
    trial = aws("sagemaker").describe_training_job(TrainingJobName=best["TrainingJobName"])
    assert trial["TuningJobArn"] == tuning["HyperParameterTuningJobArn"]
    assert trial["HyperParameters"]["_tuning_objective_metric"] == "validation:logloss"
    assert trial["CheckpointConfig"]["S3Uri"].endswith(f"/{best['TrainingJobName']}")


def test_a_spot_interruption_resumes_from_checkpoints_to_the_same_model(
        aws: Clients, tmp_path: Path) -> None:
    spec = _spec(tmp_path, num_round=120, max_depth=6, eta=0.05, subsample=0.8,
                 colsample_bytree=0.8, checkpoint_interval=10, seed=7,
                 drop=("early_stopping_rounds",))
    straight = _request(spec, "straight", "data/synthetic/")
    spot = copy.deepcopy(_request(spec, "spot", "data/synthetic/"))
    spot["Tags"].append({"Key": "slipway:spot-interrupt-at", "Value": r"^round=20 "})
    _send(aws, straight)
    _send(aws, spot)

    straight_job, spot_job = _training(aws, "straight"), _training(aws, "spot")

    assert spot_job["TrainingJobStatus"] == "Completed", spot_job.get("FailureReason")
    assert [t["Status"] for t in spot_job["SecondaryStatusTransitions"]] == [
        "Starting", "Downloading", "Training", "Interrupted", "Restarting", "Training",
        "Uploading", "Completed"]
    assert spot_job["BillableTimeInSeconds"] < spot_job["TrainingTimeInSeconds"]
    checkpoints = aws("s3").list_objects_v2(Bucket=BUCKET, Prefix="models/spot/checkpoints/")
    assert checkpoints.get("KeyCount", 0) >= 1
    spot_model = _model_files(aws, spot_job["ModelArtifacts"]["S3ModelArtifacts"])
    straight_model = _model_files(aws, straight_job["ModelArtifacts"]["S3ModelArtifacts"])
    assert json.loads(spot_model["manifest.json"])["training"]["resumed_from_round"] >= 20
    assert spot_model["model.ubj"] == straight_model["model.ubj"]


def test_stop_hyper_parameter_tuning_job_stops_its_running_trials(
        aws: Clients, spec: JobSpec, tmp_path: Path) -> None:
    request = render_tuning_job(spec, job_name="stop-tune", role_arn=ROLE, output_s3_uri=OUTPUT,
                                channels={"train": f"s3://{BUCKET}/data/breast-cancer/"},
                                region="us-east-1")
    source = _script(tmp_path / "code", "import time\nprint('started', flush=True)\n"
                                        "time.sleep(600)\n")
    upload_source(aws, source, json.loads(
        request["TrainingJobDefinition"]["StaticHyperParameters"]["sagemaker_submit_directory"]))
    sagemaker = aws("sagemaker")
    sagemaker.create_hyper_parameter_tuning_job(**request)
    _until(lambda: sagemaker.describe_hyper_parameter_tuning_job(
        HyperParameterTuningJobName="stop-tune")["TrainingJobStatusCounters"],
        "InProgress", done=(2,))

    sagemaker.stop_hyper_parameter_tuning_job(HyperParameterTuningJobName="stop-tune")
    tuning = _until(lambda: sagemaker.describe_hyper_parameter_tuning_job(
        HyperParameterTuningJobName="stop-tune"), "HyperParameterTuningJobStatus",
        done=("Stopped", "Completed", "Failed"), timeout_s=120)

    assert tuning["HyperParameterTuningJobStatus"] == "Stopped"
    assert tuning["TrainingJobStatusCounters"] | {"Stopped": 0} == {
        "Completed": 0, "InProgress": 0, "RetryableError": 0, "NonRetryableError": 0,
        "Stopped": 0}
    assert tuning["TrainingJobStatusCounters"]["Stopped"] == 2
    assert "BestTrainingJob" not in tuning


def test_a_job_past_its_max_runtime_is_stopped_as_max_runtime_exceeded(
        aws: Clients, spec: JobSpec, tmp_path: Path) -> None:
    """Source: API_SecondaryStatusTransition.html: MaxRuntimeExceeded is a secondary status
    of Stopped."""
    request = _request(spec, "too-long")
    request["StoppingCondition"] = {"MaxRuntimeInSeconds": 1, "MaxWaitTimeInSeconds": 1}
    _send(aws, request, _script(tmp_path / "code", "import time\ntime.sleep(600)\n"))

    job = _training(aws, "too-long", timeout_s=60)

    assert (job["TrainingJobStatus"], job["SecondaryStatus"]) == ("Stopped", "MaxRuntimeExceeded")
