"""Schemathesis over the API's own OpenAPI schema, in-process (ASGI): no server errors, every
response documented and shaped as documented, and every request the schema allows is answered.
The schema is generated from the one route declaration (service.ROUTES) and the wire shapes."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from slipway_serving.api import create_app
from slipway_serving.config import Limits
from slipway_serving.errors import ModelUnavailable
from slipway_serving.manifest import parse_manifest, parse_pointer
from slipway_serving.openapi import document
from slipway_serving.predictor import Predictor
from slipway_serving.store import LoadedModel

from .artifacts import BuiltModel


@dataclass
class StaticModels:
    """A model source without S3: the loaded model, or none at all."""

    model: LoadedModel | None

    def current(self) -> LoadedModel:
        if self.model is None:
            raise ModelUnavailable("no model is available; try again later")
        return self.model


def loaded(model: BuiltModel) -> LoadedModel:
    import orjson

    manifest = parse_manifest((model.directory / "manifest.json").read_bytes())
    return LoadedModel(pointer=parse_pointer(orjson.dumps(model.pointer("v1"))),
                       predictor=Predictor(manifest, model.directory / "model.onnx"))


@pytest.fixture(scope="module")
def mixed_app(mixed_model: BuiltModel) -> Any:
    return create_app(StaticModels(loaded(mixed_model)))


@pytest.mark.parametrize("mode", ["positive", "negative"])
def test_the_api_honours_its_schema(mixed_app: Any, mode: str) -> None:
    """Schemathesis' checks: no 5xx, documented status codes, content types and bodies; valid data
    accepted (the schema carries the model's rows) and invalid data rejected.

    (Driven through ``as_strategy``: schemathesis' pytest loader needs pytest < 9.)
    """
    from hypothesis import given
    from schemathesis import GenerationMode

    schema = schemathesis.openapi.from_asgi("/openapi.json", mixed_app)
    strategy = schema.as_strategy(GenerationMode.POSITIVE if mode == "positive" else GenerationMode.NEGATIVE)

    @given(case=strategy)
    @settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def honours(case: Any) -> None:
        case.call_and_validate()

    honours()


def test_the_schema_documents_every_response_and_the_models_rows(mixed_model: BuiltModel) -> None:
    schema = document(StaticModels(loaded(mixed_model)), Limits())

    predict = schema["paths"]["/predict"]["post"]
    assert sorted(predict["responses"]) == ["200", "400", "413", "422", "500", "503"]
    assert sorted(schema["paths"]["/health"]["get"]["responses"]) == ["200", "500", "503"]
    assert set(schema["paths"]) == {"/predict", "/health", "/model"}
    row = schema["components"]["schemas"]["PredictRequest"]["properties"]["instances"]["items"]
    by_name = row["anyOf"][0]
    assert by_name["required"] == ["size", "weight", "colour"]
    assert by_name["properties"]["colour"] == {"enum": ["red", "green", "blue", None]}
    assert by_name["properties"]["weight"]["type"] == ["number", "null"]
    assert by_name["properties"]["size"]["type"] == "number"


def test_without_a_model_the_schema_is_generic_and_predict_is_503() -> None:
    import orjson
    from mangum import Mangum

    from tests.events import http_v2_event, lambda_context

    app = create_app(StaticModels(None))

    instances = document(StaticModels(None), Limits())["components"]["schemas"]["PredictRequest"]["properties"][
        "instances"]
    response = Mangum(app, lifespan="off")(http_v2_event("POST", "/predict", body={"instances": [[1.0]]}),
                                           lambda_context())
    assert instances["items"] == {"anyOf": [{"additionalProperties": True, "type": "object"},
                                            {"items": {}, "type": "array"}]}
    assert (response["statusCode"], orjson.loads(response["body"])["error"]["code"]) == (503, "ModelUnavailable")
