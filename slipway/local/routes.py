"""API routes as the template defines them, and API Gateway's rules for choosing one.

Sources: "Working with routes for HTTP APIs"
https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html
and, for REST APIs, the method/resource tree of "Set up Lambda proxy integrations in API Gateway".
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from slipway.errors import SlipwayError
from slipway.local.intrinsics import resources_of, target


class RouteError(SlipwayError):
    pass


@dataclass(frozen=True)
class Route:
    route_key: str  # "POST /predict", "ANY /{proxy+}", "$default"
    function_logical_id: str
    payload_version: str  # "2.0" or "1.0" (REST APIs and HTTP APIs configured for 1.0)
    authorization: str  # NONE | AWS_IAM | JWT | CUSTOM | COGNITO_USER_POOLS
    api_logical_id: str
    api_kind: str = "http"  # "http" (API Gateway v2) or "rest" (v1)
    timeout_ms: int = 30_000  # the integration's timeout
    stage: str = "$default"  # REST: the deployed stage, the first segment of every URL path
    binary_media_types: tuple[str, ...] = ()  # REST: the API's binaryMediaTypes

    @property
    def method(self) -> str:
        return "ANY" if self.route_key == "$default" else self.route_key.split(" ", 1)[0]

    @property
    def path(self) -> str | None:
        return None if self.route_key == "$default" else self.route_key.split(" ", 1)[1]


def function_behind(resources: dict[str, Any], logical_id: str | None) -> str | None:
    """The function a reference reaches: the function itself, or through an alias or version."""
    seen: set[str] = set()
    while logical_id and logical_id not in seen:
        seen.add(logical_id)
        resource = resources.get(logical_id, {})
        kind = resource.get("Type")
        if kind == "AWS::Lambda::Function":
            return logical_id
        if kind in ("AWS::Lambda::Alias", "AWS::Lambda::Version"):
            logical_id = target(resource["Properties"].get("FunctionName"))
        else:
            return None
    return None


def routes_from_template(template: dict[str, Any]) -> list[Route]:
    resources = template.get("Resources", {})
    routes = []
    for logical_id, props in resources_of(template, "AWS::ApiGatewayV2::Route"):
        integration = resources.get(target(props.get("Target")) or "", {})
        if integration.get("Type") != "AWS::ApiGatewayV2::Integration":
            raise RouteError(f"route {logical_id} ({props.get('RouteKey')}) has no Lambda integration in the template")
        uri = target(integration["Properties"].get("IntegrationUri"))
        function_id = function_behind(resources, uri)
        if not function_id:
            raise RouteError(f"route {logical_id} integrates with {uri!r}, which is not a Lambda function here")
        routes.append(Route(
            route_key=props["RouteKey"],
            function_logical_id=function_id,
            payload_version=integration["Properties"].get("PayloadFormatVersion", "2.0"),
            authorization=props.get("AuthorizationType", "NONE"),
            api_logical_id=target(props.get("ApiId")) or "",
            timeout_ms=int(integration["Properties"].get("TimeoutInMillis", 30_000)),
        ))
    return routes + rest_routes_from_template(template)


def _rest_path(resources: dict[str, Any], resource_ref: Any) -> str:
    """A REST API resource's full path, from its PathPart chain up to the API's root."""
    parts = []
    logical_id = target(resource_ref)
    while logical_id and resources.get(logical_id, {}).get("Type") == "AWS::ApiGateway::Resource":
        props = resources[logical_id]["Properties"]
        parts.append(props["PathPart"])
        logical_id = target(props.get("ParentId"))
    return "/" + "/".join(reversed(parts))


def _rest_stages(template: dict[str, Any]) -> dict[str, str]:
    """The stage each REST API is deployed to (AWS::ApiGateway::Stage, or a Deployment's StageName)."""
    stages: dict[str, str] = {}
    for _, props in resources_of(template, "AWS::ApiGateway::Deployment"):
        if props.get("StageName"):
            stages.setdefault(target(props.get("RestApiId")) or "", props["StageName"])
    for _, props in resources_of(template, "AWS::ApiGateway::Stage"):
        stages[target(props.get("RestApiId")) or ""] = props["StageName"]
    return stages


def rest_routes_from_template(template: dict[str, Any]) -> list[Route]:
    """REST API (v1) methods with Lambda proxy integrations, as routes with payload format 1.0."""
    resources = template.get("Resources", {})
    stages = _rest_stages(template)
    routes = []
    for logical_id, props in resources_of(template, "AWS::ApiGateway::Method"):
        integration = props.get("Integration") or {}
        if integration.get("Type") != "AWS_PROXY":
            if props.get("HttpMethod") != "OPTIONS":
                raise RouteError(f"method {logical_id} has a {integration.get('Type')} integration; only Lambda "
                                 "proxy integrations are served locally")
            continue
        function_id = function_behind(resources, target(integration.get("Uri")))
        if not function_id:
            raise RouteError(f"method {logical_id} does not integrate with a Lambda function of this template")
        api = target(props.get("RestApiId")) or ""
        binary = (resources.get(api, {}).get("Properties") or {}).get("BinaryMediaTypes") or []
        routes.append(Route(
            route_key=f"{props['HttpMethod']} {_rest_path(resources, props.get('ResourceId'))}",
            function_logical_id=function_id,
            payload_version="1.0",
            authorization=props.get("AuthorizationType", "NONE"),
            api_logical_id=api,
            api_kind="rest",
            timeout_ms=int(integration.get("TimeoutInMillis", 29_000)),
            stage=stages.get(api, "prod"),
            # The API escapes "/" as "~1" in media types; templates may hold either form.
            binary_media_types=tuple(t.replace("~1", "/") for t in binary),
        ))
    return routes


def _path_pattern(path: str) -> re.Pattern[str]:
    pattern = ""
    for segment in path.strip("/").split("/"):
        if segment.startswith("{") and segment.endswith("+}"):
            pattern += rf"/(?P<{segment[1:-2]}>.+)"
        elif segment.startswith("{") and segment.endswith("}"):
            pattern += rf"/(?P<{segment[1:-1]}>[^/]+)"
        elif segment:
            pattern += "/" + re.escape(segment)
    return re.compile(f"^{pattern or '/'}$")


def _specificity(route: Route) -> tuple[tuple[int, ...], int]:
    """The most specific path wins, segment by segment (literal, then variable, then greedy), and only
    then the method (GET /pets beats ANY /pets, but ANY /pets/dog beats GET /pets/{id})."""
    segments = (route.path or "/").strip("/").split("/")
    ranks = tuple(0 if s.endswith("+}") else 1 if s.startswith("{") else 2 for s in segments)
    return ranks, 0 if route.method == "ANY" else 1


def match(routes: list[Route], method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    candidates = []
    for route in routes:
        if route.route_key == "$default" or route.method not in (method, "ANY"):
            continue
        found = _path_pattern(route.path or "/").match(path)
        if found:
            candidates.append((route, found.groupdict()))
    if candidates:
        return max(candidates, key=lambda c: _specificity(c[0]))
    default = next((r for r in routes if r.route_key == "$default"), None)
    return (default, {}) if default else None
