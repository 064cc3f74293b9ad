"""The HTTP function end to end: recorded API Gateway v2 events -> Mangum -> FastAPI -> ONNX."""
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

    code = ("import sys; import slipway_serving.handlers.http as h, slipway_serving.handlers.kinesis as k; "
            "assert 'boto3' not in sys.modules, 'boto3 imported'; "
            "assert h.runtime.cache_info().currsize == k.runtime.cache_info().currsize == 0; "
            "assert not {'sklearn', 'xgboost', 'slipway', 'training'} & set(sys.modules), 'foreign import'")
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
