"""Structured JSON logs carry request ids; every invocation emits EMF metrics with the model version."""
from __future__ import annotations

from typing import Any

import orjson
import pytest

from slipway_serving.handlers import http, kinesis
from tests.events import http_v2_event, kinesis_event, lambda_context, rest_api_event

from .artifacts import BuiltModel
from .conftest import Publish


def _emitted(capsys: pytest.CaptureFixture[str]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(log lines, EMF blobs) written to stdout, where Lambda sends both to CloudWatch."""
    lines = [orjson.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    return [line for line in lines if "_aws" not in line], [line for line in lines if "_aws" in line]


def _metrics(blob: dict[str, Any]) -> tuple[str, list[list[str]], dict[str, Any]]:
    [directive] = blob["_aws"]["CloudWatchMetrics"]
    names = {m["Name"] for m in directive["Metrics"]}
    values = {k: v[0] if isinstance(v, list) and len(v) == 1 else v for k, v in blob.items() if k in names}
    return directive["Namespace"], [sorted(d) for d in directive["Dimensions"]], values


@pytest.fixture(autouse=True)
def cold_sandbox() -> None:
    from aws_lambda_powertools.metrics.provider import cold_start

    cold_start.is_cold_start = True


def test_http_logs_carry_the_lambda_and_api_gateway_request_ids(
        serving_env: dict[str, str], publish: Publish, binary_model: BuiltModel,
        capsys: pytest.CaptureFixture[str]) -> None:
    publish(binary_model, version="v9")

    http.handler(http_v2_event("POST", "/predict", body={"instances": binary_model.rows(2)}),
                 lambda_context("slipway-http", request_id="req-1"))

    logs, _ = _emitted(capsys)
    [loaded] = [entry for entry in logs if entry["message"].startswith("serving model")]
    assert loaded["message"] == "serving model breast-cancer version v9"
    assert (loaded["function_request_id"], loaded["correlation_id"]) == ("req-1", "JKJaXmPLvHcESHA=")
    assert (loaded["service"], loaded["level"], loaded["function_name"]) == ("slipway-http", "INFO", "slipway-http")


def test_a_prediction_emits_latency_rows_and_rejects_by_model_version(
        serving_env: dict[str, str], publish: Publish, binary_model: BuiltModel,
        capsys: pytest.CaptureFixture[str]) -> None:
    publish(binary_model, version="v9")
    rows: list[Any] = binary_model.rows(3)

    http.handler(http_v2_event("POST", "/predict", body={"instances": rows}), lambda_context("slipway-http"))
    rows[1]["mean radius"], rows[2]["mean radius"] = "x", None
    http.handler(http_v2_event("POST", "/predict", body={"instances": rows}), lambda_context("slipway-http"))

    _, blobs = _emitted(capsys)
    cold, first, second = blobs
    assert _metrics(cold)[2] == {"ColdStart": 1.0} and cold["function_name"] == "slipway-http"
    namespace, dimensions, values = _metrics(first)
    assert namespace == "Slipway" and dimensions == [["model_version", "service"]]
    assert (first["service"], first["model_version"]) == ("slipway-http", "v9")
    assert values["Rows"] == 3.0 and values["Latency"] > 0 and "Rejects" not in values  # absent means none
    assert (_metrics(second)[2]["Rows"], _metrics(second)[2]["Rejects"]) == (0.0, 2.0)


def test_a_request_through_mangum_is_counted_under_its_model_version(
        serving_env: dict[str, str], publish: Publish, binary_model: BuiltModel,
        capsys: pytest.CaptureFixture[str]) -> None:
    publish(binary_model, version="v7")
    event = rest_api_event("POST", "/predict", body={"instances": binary_model.rows(2)})  # payload 1.0

    response = http.handler(event, lambda_context("slipway-http"))

    _, blobs = _emitted(capsys)
    assert response["statusCode"] == 200
    assert (blobs[-1]["model_version"], _metrics(blobs[-1])[2]["Rows"]) == ("v7", 2.0)


def test_the_namespace_and_service_follow_powertools_variables(
        serving_env: dict[str, str], publish: Publish, binary_model: BuiltModel, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "Acme")
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "fraud-api")
    publish(binary_model)

    http.handler(http_v2_event("GET", "/health"), lambda_context())

    logs, blobs = _emitted(capsys)
    assert {_metrics(blob)[0] for blob in blobs} == {"Acme"}
    assert {entry["service"] for entry in logs} == {"fraud-api"}


def test_the_stream_scorer_counts_scored_and_rejected_records(
        serving_env: dict[str, str], publish: Publish, binary_model: BuiltModel,
        capsys: pytest.CaptureFixture[str]) -> None:
    publish(binary_model, version="v3")
    event = kinesis_event([{"features": row} for row in binary_model.rows(4)] + [b"poison"])

    assert kinesis.handler(event, lambda_context("slipway-stream")) == {"batchItemFailures": []}

    logs, blobs = _emitted(capsys)
    values = _metrics(blobs[-1])[2]
    assert (blobs[-1]["model_version"], values["Rows"], values["Rejects"]) == ("v3", 4.0, 1.0)
    [summary] = [entry for entry in logs if entry["message"].startswith("scored")]
    assert summary["message"] == "scored 4, rejected 1 of 5 records"
    assert summary["service"] == "slipway-stream" and summary["model_version"] == "v3"
