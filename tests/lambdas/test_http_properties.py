"""Hypothesis-generated request bodies through the Lambda handler never yield a 5xx, and both
doors (the direct path and Mangum -> the ASGI app) give the same answer to every one of them."""
from __future__ import annotations

import json
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from slipway_serving.handlers import http
from tests.events import http_v2_event, lambda_context

from .artifacts import BuiltModel
from .conftest import Publish

FEATURES = ["size", "weight", "colour"]
scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8) \
    | st.sampled_from(["red", "green", "blue"])
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=6), inner, max_size=4), max_leaves=12)
rows = (st.fixed_dictionaries({}, optional={name: scalars for name in FEATURES})
        | st.dictionaries(st.sampled_from(FEATURES + ["extra"]), scalars, max_size=4)
        | st.lists(scalars, min_size=0, max_size=4) | json_values)
bodies = (st.builds(lambda instances: {"instances": instances}, st.lists(rows, max_size=6))
          | st.dictionaries(st.sampled_from(["instances", "rows", "x"]), json_values, max_size=2)
          | json_values)
# stdlib json writes what orjson refuses to (huge integers, Infinity): the server must cope with both
raw_bodies = st.binary(max_size=64) | bodies.map(lambda b: json.dumps(b).encode())


@pytest.fixture
def served(serving_env: dict[str, str], publish: Publish, mixed_model: BuiltModel) -> None:
    publish(mixed_model)


def _both(event: dict[str, Any]) -> dict[str, Any]:
    direct = http.handler(event, lambda_context())
    assert direct == http.runtime().adapter(event, lambda_context())
    return direct


@given(body=raw_bodies)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_no_body_yields_a_server_error(served: None, body: bytes) -> None:
    response = _both(http_v2_event("POST", "/predict", body=body))

    document = orjson.loads(response["body"])
    assert response["statusCode"] < 500, document
    if response["statusCode"] == 200:
        assert len(document["predictions"]) == len(json.loads(body)["instances"])
    else:
        assert set(document) == {"error"} and {"code", "message"} <= set(document["error"])


@given(row=st.fixed_dictionaries({"size": st.floats(-1e30, 1e30), "weight": st.none() | st.floats(-1e30, 1e30),
                                  "colour": st.sampled_from(["red", "green", "blue", None])}))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_every_row_the_model_accepts_is_predicted(served: None, row: dict[str, Any]) -> None:
    response = _both(http_v2_event("POST", "/predict", body={"instances": [row, [row[f] for f in FEATURES]]}))

    assert response["statusCode"] == 200
    first, second = orjson.loads(response["body"])["predictions"]
    assert first == second and first["label"] in ("small", "large")
