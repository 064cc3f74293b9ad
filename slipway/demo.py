"""`make demo`: one model from a CSV to HTTP and Kinesis predictions on the embedded emulator.

Every step is the real one: the training contract, model.tar.gz, the synthesized template on
moto, real HTTP on loopback and real Kinesis records. The report is data, so the end-to-end test
asserts on exactly what the demo prints.
"""
from __future__ import annotations

import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
import orjson
import pandas as pd

from slipway.datasets import write_dataset
from slipway.local.stack import LocalDeployment, deploy_local
from slipway.promote import Pointer, promote
from slipway.reference import native_predictions
from slipway.jobs.local import train_locally
from slipway.jobs.spec import load_job_spec
from slipway.sagemaker.runner import TrainingJobResult

# The job spec a user starts from: the demo trains the way their own jobs train, smaller
JOB_SPEC = Path("training") / "jobs" / "xgboost-classifier.yaml"
DEMO_HYPERPARAMETERS = {"model_name": "breast-cancer", "num_round": 50, "max_depth": 4}
PROBABILITY_TOLERANCE = 1e-5


class DemoFailed(RuntimeError):
    pass


@dataclass(frozen=True)
class HttpCheck:
    rows: int
    accuracy: float
    labels_match: bool
    max_probability_error: float


@dataclass(frozen=True)
class StreamCheck:
    records_in: int
    results_out: int
    rejects_out: int
    duplicates: int
    seconds: float
    results_uri: str


@dataclass(frozen=True)
class DemoReport:
    training: TrainingJobResult
    pointer: Pointer
    api_url: str
    stream_name: str
    http: HttpCheck
    stream: StreamCheck


def post_json(url: str, body: Any, timeout: float = 30) -> tuple[int, Any]:
    request = urllib.request.Request(url, data=orjson.dumps(body), headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, orjson.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, orjson.loads(error.read() or b"null")


def check_http(api_url: str, rows: list[dict[str, float]], truth: list[Any], model_dir: Path,
               batch: int = 50) -> HttpCheck:
    served: list[dict[str, Any]] = []
    for start in range(0, len(rows), batch):
        status, body = post_json(f"{api_url}/predict", {"instances": rows[start:start + batch]})
        if status != 200:
            raise DemoFailed(f"POST /predict answered {status}: {body}")
        served += body["predictions"]
    reference = native_predictions(model_dir, rows)
    served_probabilities = np.array([[p["probabilities"][str(c)] for c in reference.classes] for p in served])
    labels = [p["label"] for p in served]
    return HttpCheck(
        rows=len(rows),
        accuracy=float(np.mean([label == expected for label, expected in zip(labels, truth)])),
        labels_match=labels == reference.labels,
        max_probability_error=float(np.max(np.abs(served_probabilities - reference.probabilities))),
    )


def _read_lines(clients: Callable[[str], Any], bucket: str, prefix: str) -> list[dict[str, Any]]:
    s3 = clients("s3")
    lines: list[dict[str, Any]] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            body = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
            lines += [orjson.loads(line) for line in body.splitlines() if line.strip()]
    return lines


def check_stream(deployment: LocalDeployment, rows: list[dict[str, float]], count: int,
                 timeout_s: float = 120) -> StreamCheck:
    kinesis, stream = deployment.clients("kinesis"), deployment.output("InputStreamName")
    bucket = deployment.output("ResultsBucketName")
    started = time.monotonic()
    for start in range(0, count, 500):  # PutRecords takes at most 500 records per call
        entries = [{"Data": orjson.dumps({"id": f"record-{i}", "features": rows[i % len(rows)]}),
                    "PartitionKey": f"record-{i}"} for i in range(start, min(start + 500, count))]
        response = kinesis.put_records(StreamName=stream, Records=entries)
        if response.get("FailedRecordCount"):
            raise DemoFailed(f"Kinesis refused {response['FailedRecordCount']} records")
    results: list[dict[str, Any]] = []
    while time.monotonic() - started < timeout_s:
        results = _read_lines(deployment.clients, bucket, "results/")
        if len(results) >= count:
            break
        time.sleep(0.2)
    seconds = time.monotonic() - started
    rejects = _read_lines(deployment.clients, bucket, "rejects/")
    ids = [r["id"] for r in results]
    return StreamCheck(records_in=count, results_out=len(results), rejects_out=len(rejects),
                       duplicates=len(ids) - len(set(ids)), seconds=seconds,
                       results_uri=f"s3://{bucket}/results/")


def run_demo(project: Path, *, records: int = 1000, work_dir: Path | None = None,
             say: Callable[[str], None] = print) -> DemoReport:
    work = work_dir or project / ".slipway" / "demo"
    data = write_dataset("breast_cancer", work / "data")
    say(f"data      {data.train_csv} and {data.holdout_csv} (scikit-learn's breast cancer table)")
    training = train_locally(
        load_job_spec(project / JOB_SPEC), channels={"train": data.train_csv},
        base_dir=work / "jobs", overrides={"target": data.target, **DEMO_HYPERPARAMETERS})
    say(f"trained   {training.model_artifact} in {training.duration_s:.1f} s: "
        + ", ".join(f"{k}={v:.4f}" for k, v in sorted(training.metrics.items())))
    started = time.monotonic()
    with deploy_local(project) as deployment:
        say(f"deployed  {', '.join(deployment.stacks)} to moto at {deployment.target.endpoint_url} "
            f"in {time.monotonic() - started:.1f} s")
        pointer = promote(deployment.clients, bucket=deployment.output("ModelsBucketName"),
                          pointer_key=deployment.output("ModelPointerKey"), tar_path=training.model_artifact)
        say(f"promoted  {pointer.model_name} {pointer.version} -> s3://{deployment.output('ModelsBucketName')}/"
            f"{deployment.output('ModelPointerKey')}")
        holdout = pd.read_csv(data.holdout_csv)
        rows = holdout[data.features].to_dict(orient="records")
        http = check_http(deployment.api_url, rows, holdout[data.target].tolist(), training.model_dir)
        say(f"HTTP      {http.rows} holdout rows via POST {deployment.api_url}/predict: accuracy {http.accuracy:.4f}; "
            f"labels {'match' if http.labels_match else 'DIFFER FROM'} the trained model, "
            f"max |probability difference| {http.max_probability_error:.2e}")
        stream = check_stream(deployment, rows, records)
        say(f"Kinesis   {stream.records_in} records in -> {stream.results_out} results out, {stream.rejects_out} rejects, "
            f"{stream.duplicates} duplicates, in {stream.seconds:.1f} s; results at {stream.results_uri}")
        report = DemoReport(training, pointer, deployment.api_url, deployment.output("InputStreamName"), http, stream)
    problems = []
    if not http.labels_match or http.max_probability_error > PROBABILITY_TOLERANCE:
        problems.append("served predictions differ from the trained model's")
    if stream.results_out != records or stream.rejects_out or stream.duplicates:
        problems.append(f"expected {records} results, got {stream.results_out} "
                        f"({stream.rejects_out} rejects, {stream.duplicates} duplicates)")
    if problems:
        raise DemoFailed("; ".join(problems))
    return report
