"""HTTP API routes as the template defines them, and API Gateway's rules for choosing one."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from slipway.errors import SlipwayError


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

    @property
    def method(self) -> str:
        return "ANY" if self.route_key == "$default" else self.route_key.split(" ", 1)[0]

    @property
    def path(self) -> str | None:
        return None if self.route_key == "$default" else self.route_key.split(" ", 1)[1]


def _logical_id(value: Any) -> str | None:
    """The logical id a Ref/GetAtt/Join points at, as CDK renders integration targets."""
    if isinstance(value, dict):
        if "Ref" in value:
            return value["Ref"]
        if "Fn::GetAtt" in value:
            return value["Fn::GetAtt"][0]
        if "Fn::Join" in value:
            for part in value["Fn::Join"][1]:
                found = _logical_id(part)
                if found and not found.startswith("AWS::"):  # skip pseudo parameters
                    return found
    return None


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
            logical_id = _logical_id(resource["Properties"].get("FunctionName"))
        else:
            return None
    return None


def routes_from_template(template: dict[str, Any]) -> list[Route]:
    resources = template.get("Resources", {})
    routes = []
    for logical_id, resource in resources.items():
        if resource.get("Type") != "AWS::ApiGatewayV2::Route":
            continue
        props = resource["Properties"]
        integration_id = _logical_id(props.get("Target"))
        integration = resources.get(integration_id or "", {})
        if integration.get("Type") != "AWS::ApiGatewayV2::Integration":
            raise RouteError(f"route {logical_id} ({props.get('RouteKey')}) has no Lambda integration in the template")
        function_id = function_behind(resources, _logical_id(integration["Properties"].get("IntegrationUri")))
        if not function_id:
            target = _logical_id(integration["Properties"].get("IntegrationUri"))
            raise RouteError(f"route {logical_id} integrates with {target!r}, which is not a Lambda function here")
        routes.append(Route(
            route_key=props["RouteKey"],
            function_logical_id=function_id,
            payload_version=integration["Properties"].get("PayloadFormatVersion", "2.0"),
            authorization=props.get("AuthorizationType", "NONE"),
            api_logical_id=_logical_id(props.get("ApiId")) or "",
            timeout_ms=int(integration["Properties"].get("TimeoutInMillis", 30_000)),
        ))
    return routes + rest_routes_from_template(template)


def _rest_path(resources: dict[str, Any], resource_ref: Any) -> str:
    """A REST API resource's full path, from its PathPart chain up to the API's root."""
    parts = []
    logical_id = _logical_id(resource_ref)
    while logical_id and resources.get(logical_id, {}).get("Type") == "AWS::ApiGateway::Resource":
        props = resources[logical_id]["Properties"]
        parts.append(props["PathPart"])
        logical_id = _logical_id(props.get("ParentId"))
    return "/" + "/".join(reversed(parts))


def rest_routes_from_template(template: dict[str, Any]) -> list[Route]:
    """REST API (v1) methods with Lambda proxy integrations, as routes with payload format 1.0."""
    resources = template.get("Resources", {})
    routes = []
    for logical_id, resource in resources.items():
        if resource.get("Type") != "AWS::ApiGateway::Method":
            continue
        props = resource["Properties"]
        integration = props.get("Integration") or {}
        if integration.get("Type") != "AWS_PROXY":
            if props.get("HttpMethod") != "OPTIONS":
                raise RouteError(f"method {logical_id} has a {integration.get('Type')} integration; only Lambda "
                                 "proxy integrations are served locally")
            continue
        function_id = function_behind(resources, _logical_id(integration.get("Uri")))
        if not function_id:
            raise RouteError(f"method {logical_id} does not integrate with a Lambda function of this template")
        routes.append(Route(
            route_key=f"{props['HttpMethod']} {_rest_path(resources, props.get('ResourceId'))}",
            function_logical_id=function_id,
            payload_version="1.0",
            authorization=props.get("AuthorizationType", "NONE"),
            api_logical_id=_logical_id(props.get("RestApiId")) or "",
            api_kind="rest",
            timeout_ms=int(integration.get("TimeoutInMillis", 29_000)),
        ))
    return routes


def _path_pattern(path: str) -> re.Pattern[str]:
    pattern = ""
    for segment in path.strip("/").split("/"):
        if segment.startswith("{") and segment.endswith("+}"):
            pattern += rf"/(?P<{segment[1:-2]}>.+)"
        elif segment.startswith("{") and segment.endswith("}"):
            pattern += rf"/(?P<{segment[1:-1]}>[^/]+)"
        else:
            pattern += "/" + re.escape(segment)
    return re.compile(f"^{pattern or '/'}$")


def _specificity(route: Route) -> tuple[int, int, int]:
    """API Gateway prefers the most specific match: literal paths, then variables, then greedy."""
    path = route.path or ""
    greedy = "+}" in path
    variables = path.count("{")
    return (1 if route.method != "ANY" else 0, 0 if greedy else 1, -variables)


def match(routes: list[Route], method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    candidates = []
    for route in routes:
        if route.route_key == "$default":
            continue
        if route.method not in (method, "ANY"):
            continue
        found = _path_pattern(route.path or "/").match(path)
        if found:
            candidates.append((route, found.groupdict()))
    if candidates:
        return max(candidates, key=lambda c: _specificity(c[0]))
    default = next((r for r in routes if r.route_key == "$default"), None)
    return (default, {}) if default else None
