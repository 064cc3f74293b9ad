"""The HTTP function end to end: recorded API Gateway events -> the one router -> ONNX, through both doors."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pytest

from slipway_serving.handlers import http
from tests.events import lambda_context, http_v2_event, load_event

from .artifacts import BuiltModel

LAMBDAS = Path(__file__).resolve().parents[2] / "lambdas"
from .conftest import Publish


@pytest.fixture
def served(serving_env: dict[str, str], publish: Publish, binary_model: BuiltModel) -> dict[str, Any]:
    return publish(binary_model)


def _call(event: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    response = http.handler(event, lambda_context())
    assert response["headers"]["content-type"] == "application/json"
    return response["statusCode"], orjson.loads(response["body"])


def _predict(body: Any) -> tuple[int, dict[str, Any]]:
    return _call(http_v2_event("POST", "/predict", body=body))


def test_importing_the_handlers_reads_no_environment_and_creates_no_client() -> None:
    import subprocess
    import sys

    code = ("import sys; import slipway_serving.handlers.http as h, slipway_serving.handlers.kinesis as k, "
            "slipway_serving.handlers.csv as c; "
            "assert 'boto3' not in sys.modules, 'boto3 imported'; "
            "assert h.runtime.cache_info().currsize == k.runtime.cache_info().currsize == 0; "
            "assert c.runtime.cache_info().currsize == 0; "
            "assert not {'sklearn', 'xgboost', 'slipway', 'training'} & set(sys.modules), 'foreign import'; "
            "lazy = {'fastapi', 'pydantic', 'mangum', 'starlette'} & set(sys.modules); "
            "assert not lazy, f'imported before they are needed: {lazy}'")
    done = subprocess.run([sys.executable, "-c", code], env={"PYTHONPATH": str(LAMBDAS)}, capture_output=True,
                          text=True, timeout=120)

    assert done.returncode == 0, done.stderr


def test_the_recorded_event_predicts_probabilities_matching_xgboost(
        served: dict[str, Any], binary_model: BuiltModel) -> None:
    event = load_event("apigw_http_v2")
    event["body"] = orjson.dumps({"instances": binary_model.rows(20)}).decode()
    event["headers"]["content-length"] = str(len(event["body"]))

    status, body = _call(event)

    assert status == 200
    assert (body["model_name"], body["model_version"]) == ("breast-cancer", served["version"])
    got = np.array([[p["probabilities"]["0"], p["probabilities"]["1"]] for p in body["predictions"]])
    np.testing.assert_allclose(got, binary_model.expected[:20], atol=1e-5)
    assert [p["label"] for p in body["predictions"]] == binary_model.expected[:20].argmax(axis=1).tolist()


def test_array_rows_in_feature_order_are_accepted(served: dict[str, Any], binary_model: BuiltModel) -> None:
    status, body = _predict({"instances": binary_model.X[:2].tolist()})

    assert status == 200 and len(body["predictions"]) == 2


def test_a_wrong_feature_is_422_naming_row_and_field(served: dict[str, Any], binary_model: BuiltModel) -> None:
    rows: list[Any] = binary_model.rows(4)
    rows[3]["mean radius"] = "large"
    rows[1].pop("worst area")

    status, body = _predict({"instances": rows})

    assert status == 422
    assert body["error"]["code"] == "InvalidFeatures"
    assert body["error"]["message"] == "row 1: feature 'worst area' is missing"
    assert (body["error"]["row"], body["error"]["field"]) == (1, "worst area")
    assert [e["message"] for e in body["error"]["errors"]] == [
        "row 1: feature 'worst area' is missing", "row 3: feature 'mean radius' must be a number, got string"]


@pytest.mark.parametrize(("body", "status", "code", "message"), [
    (b"{not json", 400, "InvalidJSON", "request body is not valid JSON"),
    (b"", 400, "InvalidJSON", "request body is not valid JSON"),
    ({"instances": [], }, 422, "InvalidRequest", "'instances' must hold at least one row"),
    ({"rows": [[1.0]]}, 422, "InvalidRequest", "unknown field 'rows'"),
    ({"instances": [[1.0]], "extra": 1}, 422, "InvalidRequest", "unknown field 'extra'"),
    ({}, 422, "InvalidRequest", "field 'instances' is required"),
    ([1, 2], 422, "InvalidRequest", "must be a JSON object"),
    ({"instances": {"a": 1}}, 422, "InvalidRequest", "'instances' must be an array"),
])
def test_a_malformed_body_gets_a_clear_code(served: dict[str, Any], body: Any, status: int, code: str,
                                            message: str) -> None:
    got_status, got = _predict(body)

    assert (got_status, got["error"]["code"]) == (status, code)
    assert message in got["error"]["message"]


def test_too_many_instances_is_413(served: dict[str, Any]) -> None:
    status, body = _predict({"instances": [[0.0]] * 10_001})

    assert (status, body["error"]["code"]) == (413, "PayloadTooLarge")
    assert body["error"]["message"] == "at most 10000 instances per request, got 10001"


def test_a_body_over_the_lambda_payload_limit_is_413(served: dict[str, Any]) -> None:
    status, body = _predict(b'{"instances": [' + b" " * (6 * 1024 * 1024) + b"[1]]}")

    assert (status, body["error"]["code"]) == (413, "PayloadTooLarge")
    assert body["error"]["message"] == "request body is larger than 6291456 bytes"


def test_health_reports_the_served_version(served: dict[str, Any]) -> None:
    assert _call(http_v2_event("GET", "/health")) == (200, {"status": "ok", "model_version": served["version"]})


def test_model_returns_the_manifest(served: dict[str, Any], binary_model: BuiltModel) -> None:
    assert _call(http_v2_event("GET", "/model")) == (200, binary_model.manifest)


def test_unknown_routes_and_methods_use_the_error_shape(served: dict[str, Any]) -> None:
    assert _call(http_v2_event("GET", "/nope")) == (
        404, {"error": {"code": "NotFound", "message": "no route for GET /nope"}})
    assert _call(http_v2_event("GET", "/predict")) == (
        405, {"error": {"code": "MethodNotAllowed", "message": "GET is not allowed on /predict"}})


def test_no_model_is_503_model_unavailable(serving_env: dict[str, str]) -> None:
    status, body = _call(http_v2_event("GET", "/health"))

    assert status == 503
    assert body == {"error": {"code": "ModelUnavailable", "message": "no model is available; try again later"}}


def test_an_unexpected_error_is_a_generic_500_with_the_request_id(
        served: dict[str, Any], binary_model: BuiltModel, monkeypatch: pytest.MonkeyPatch) -> None:
    store = http.runtime().store
    store.current()

    def boom(matrix: Any) -> Any:
        raise RuntimeError("secret internals /var/task/x.py")

    monkeypatch.setattr(store.current().predictor, "predict", boom)
    status, body = _predict({"instances": binary_model.rows(1)})

    assert status == 500
    assert body == {"error": {"code": "InternalError", "message": "internal error", "request_id": "JKJaXmPLvHcESHA="}}


def test_a_tampered_new_artifact_is_refused_while_the_last_good_model_serves(
        served: dict[str, Any], publish: Publish, binary_model: BuiltModel) -> None:
    from slipway_serving.errors import ArtifactIntegrityError

    from .test_store import _tampered

    assert _predict({"instances": binary_model.rows(1)})[0] == 200
    publish(binary_model, version="v2", archive=_tampered(binary_model))

    with pytest.raises(ArtifactIntegrityError):
        http.runtime().store.refresh()
    status, body = _predict({"instances": binary_model.rows(1)})

    assert (status, body["model_version"]) == (200, served["version"])


def _publish_task(publish: Publish, model: BuiltModel, version: str = "v1") -> dict[str, Any]:
    return publish(model, version=version)


def test_categories_and_missing_values_are_served_as_the_pipeline_expects(
        serving_env: dict[str, str], publish: Publish, mixed_model: BuiltModel) -> None:
    publish(mixed_model)
    rows = mixed_model.rows(40)
    assert any(r["weight"] is None for r in rows) and any(r["colour"] is None for r in rows)

    status, body = _predict({"instances": rows})

    assert status == 200
    got = np.array([[p["probabilities"]["small"], p["probabilities"]["large"]] for p in body["predictions"]])
    np.testing.assert_allclose(got, mixed_model.expected[:40], atol=1e-5)


def test_an_unseen_category_is_422_naming_the_field(
        serving_env: dict[str, str], publish: Publish, mixed_model: BuiltModel) -> None:
    publish(mixed_model)
    rows = mixed_model.rows(2)
    rows[1]["colour"] = "purple"

    status, body = _predict({"instances": rows})

    assert (status, body["error"]["code"], body["error"]["row"], body["error"]["field"]) == (
        422, "InvalidFeatures", 1, "colour")
    assert body["error"]["message"] == "row 1: feature 'colour' must be one of the model's categories, got 'purple'"


@pytest.mark.parametrize(("task", "fields"), [
    ("regression", {"value"}), ("clustering", {"cluster", "distances"}),
    ("dimensionality_reduction", {"components"}), ("anomaly_detection", {"anomaly", "score"})])
def test_every_task_is_served_with_its_fields(serving_env: dict[str, str], publish: Publish, task: str,
                                              fields: set[str], task_models: dict[str, BuiltModel]) -> None:
    model = task_models[task]
    publish(model, version=f"{task}-1")

    status, body = _predict({"instances": model.rows(5)})

    assert (status, body["model_name"], body["model_version"]) == (200, model.name, f"{task}-1")
    assert [set(p) for p in body["predictions"]] == [fields] * 5


def test_a_response_over_lambdas_limit_is_413_saying_how_many_instances_fit(
        served: dict[str, Any], binary_model: BuiltModel, monkeypatch: pytest.MonkeyPatch) -> None:
    from dataclasses import replace

    runtime = http.runtime()
    monkeypatch.setattr(runtime, "config", replace(runtime.config, limits=replace(runtime.config.limits,
                                                                                 max_response_bytes=2_000)))

    status, body = _predict({"instances": binary_model.rows(40)})

    assert (status, body["error"]["code"]) == (413, "PayloadTooLarge")
    import re

    match = re.fullmatch(r"the response to 40 instances would be (\d+) bytes, over Lambda's 6 MB response "
                         r"limit; send at most (\d+) instances per request", body["error"]["message"])
    assert match is not None and int(match[1]) > 2_000
    assert _predict({"instances": binary_model.rows(int(match[2]))})[0] == 200  # the advice holds


def test_a_base64_body_is_decoded_and_a_broken_one_is_400(served: dict[str, Any], binary_model: BuiltModel) -> None:
    import base64

    event = http_v2_event("POST", "/predict", body={"instances": binary_model.rows(1)})
    event["body"], event["isBase64Encoded"] = base64.b64encode(event["body"].encode()).decode(), True
    assert _call(event)[0] == 200

    event["body"] = "not base64!"
    status, body = _call(event)
    assert (status, body["error"]["code"]) == (400, "InvalidJSON")


def test_the_openapi_schema_is_served_from_the_route_declaration(served: dict[str, Any]) -> None:
    status, schema = _call(http_v2_event("GET", "/openapi.json"))

    assert status == 200 and set(schema["paths"]) == {"/predict", "/health", "/model"}


DIRECT = [
    ("POST", "/predict", {"instances": "rows"}),
    ("POST", "/predict", b"{broken"),
    ("POST", "/predict", {"instances": [{"mean radius": 1}]}),
    ("POST", "/predict", {"rows": []}),
    ("GET", "/health", None),
    ("GET", "/model", None),
    ("GET", "/openapi.json", None),
    ("GET", "/predict", None),
    ("DELETE", "/nope", None),
]


@pytest.mark.parametrize(("method", "path", "body"), DIRECT)
def test_the_direct_path_answers_exactly_as_mangum_and_the_asgi_app_do(
        served: dict[str, Any], binary_model: BuiltModel, method: str, path: str, body: Any) -> None:
    if body == {"instances": "rows"}:
        body = {"instances": binary_model.rows(3) + [list(binary_model.rows(1)[0].values())]}
    event = http_v2_event(method, path, body=body)

    direct = http.handler(event, lambda_context())
    through_mangum = http.runtime().adapter(event, lambda_context())

    assert direct == through_mangum


def test_without_a_model_both_doors_answer_503(serving_env: dict[str, str]) -> None:
    event = http_v2_event("POST", "/predict", body={"instances": [[1.0]]})

    assert http.handler(event, lambda_context()) == http.runtime().adapter(event, lambda_context())
    assert _call(event)[0] == 503


def test_a_new_pointer_is_served_without_a_redeploy_once_its_ttl_passes(
        serving_env: dict[str, str], publish: Publish, binary_model: BuiltModel, multiclass_model: BuiltModel,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLIPWAY_POINTER_TTL_SECONDS", "0")
    publish(binary_model, version="v1")
    assert _call(http_v2_event("GET", "/health"))[1]["model_version"] == "v1"

    publish(multiclass_model, version="v2")
    status, body = _predict({"instances": multiclass_model.rows(1)})

    assert (status, body["model_name"], body["model_version"]) == (200, "iris", "v2")


def test_a_tampered_promotion_is_refused_once_and_logged_while_the_last_good_model_serves(
        serving_env: dict[str, str], publish: Publish, binary_model: BuiltModel,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from .test_store import _tampered

    monkeypatch.setenv("SLIPWAY_POINTER_TTL_SECONDS", "0")
    publish(binary_model, version="v1")
    assert _predict({"instances": binary_model.rows(1)})[0] == 200
    publish(binary_model, version="v2", archive=_tampered(binary_model))
    downloads: list[str] = []
    client = http.runtime().s3.client()
    get_object = client.get_object
    monkeypatch.setattr(client, "get_object", lambda **kw: downloads.append(kw["Key"]) or get_object(**kw))

    answers = [_predict({"instances": binary_model.rows(1)}) for _ in range(3)]

    assert [(status, body["model_version"]) for status, body in answers] == [(200, "v1")] * 3
    assert downloads.count(binary_model.key("v2")) == 1  # refused once, not fetched again
    logs = [orjson.loads(line) for line in capsys.readouterr().out.splitlines() if '"level"' in line]
    refused = [entry for entry in logs if entry["message"].startswith("refused artifact v2")]
    assert len(refused) == 1 and refused[0]["level"] == "ERROR"
    assert "model.onnx: sha256 does not match the manifest" in refused[0]["message"]
    assert refused[0]["message"].endswith("serving v1")
