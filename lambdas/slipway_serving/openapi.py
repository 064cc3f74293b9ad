"""The OpenAPI document, generated from the API's one declaration: ``service.ROUTES`` and the
wire shapes of ``wire.py`` (pydantic writes their JSON schemas). It documents every response
(200, 400, 413, 422, 500, 503) and, once a model is loaded, the exact row shape of that model:
its features, their types, categories and which may be null.
"""
from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter

from . import __version__, wire
from .config import Limits
from .errors import ServingError
from .manifest import Manifest
from .service import ROUTES, ModelSource

_F32_MAX = 3.4028234663852886e38
_REF = "#/components/schemas/{model}"
ERRORS = {400: "the body is not valid JSON (InvalidJSON)",
          413: "the request, or the response it would produce, is over Lambda's 6 MB (PayloadTooLarge)",
          422: "the body has the wrong shape (InvalidRequest) or a row does not fit the model "
               "(InvalidFeatures, with row and field)",
          500: "an unexpected error (InternalError, with request_id); no details leak",
          503: "no model can be loaded (ModelUnavailable)"}


def document(models: ModelSource, limits: Limits) -> dict[str, Any]:
    """The schema, with the request body of the model being served when one can be loaded."""
    shapes = [wire.PredictRequest, wire.ErrorResponse, *(route.response for route in ROUTES.values())]
    _, definitions = TypeAdapter.json_schemas([(s, "serialization", TypeAdapter(s)) for s in shapes],
                                              ref_template=_REF)
    schemas = definitions["$defs"]
    _describe_request(schemas["PredictRequest"], models, limits)
    paths: dict[str, dict[str, Any]] = {}
    for (method, path), route in ROUTES.items():
        responses = {"200": {"description": route.described, "content": _json(route.response.__name__)}}
        for status in route.errors:
            responses[str(status)] = {"description": ERRORS[status], "content": _json("ErrorResponse")}
        operation: dict[str, Any] = {"summary": route.summary, "operationId": route.operation.__name__,
                                     "responses": responses}
        if method == "POST":
            operation["requestBody"] = {"required": True, "content": _json("PredictRequest")}
        paths.setdefault(path, {})[method.lower()] = operation
    return {"openapi": "3.1.0",
            "info": {"title": "Slipway model server", "version": __version__,
                     "description": "Predictions from the model the pointer names (docs/serving.md)."},
            "paths": paths, "components": {"schemas": schemas}}


def _json(name: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": _REF.format(model=name)}}}


def _describe_request(request: dict[str, Any], models: ModelSource, limits: Limits) -> None:
    instances = request["properties"]["instances"]
    instances["minItems"] = 1
    instances["description"] += (f" At most {limits.max_instances} rows and {limits.max_body_bytes} bytes "
                                 "per request (413 above).")
    try:
        manifest: Manifest | None = models.current().manifest
    except ServingError:
        manifest = None
    if manifest is not None:
        instances["items"] = row_schema(manifest)
        request["description"] = f"Rows for model {manifest.model_name} ({manifest.task})."


def row_schema(manifest: Manifest) -> dict[str, Any]:
    """One row, as an object keyed by feature name or an array in feature order."""
    cells = []
    for feature in manifest.features:
        if feature.type == "category":
            cell: dict[str, Any] = {"enum": [*feature.categories, *([None] if feature.allow_missing else [])]}
        else:
            cell = {"type": ["number", "null"] if feature.allow_missing else "number",
                    "minimum": -_F32_MAX, "maximum": _F32_MAX}
        cells.append(cell)
    names = list(manifest.feature_names)
    by_name = {"type": "object", "properties": dict(zip(names, cells)), "required": names,
               "additionalProperties": False}
    in_order = {"type": "array", "prefixItems": cells, "items": False, "minItems": len(cells),
                "maxItems": len(cells)}
    return {"anyOf": [by_name, in_order]}
