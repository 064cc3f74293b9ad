from __future__ import annotations

import pytest

from slipway.local.routes import Route, RouteError, match, routes_from_template


def _route(key: str, function: str = "Fn") -> Route:
    return Route(route_key=key, function_logical_id=function, payload_version="2.0", authorization="NONE",
                 api_logical_id="Api")


ROUTES = [
    _route("POST /predict", "Predict"),
    _route("GET /models/{name}", "ModelByName"),
    _route("GET /models/latest", "Latest"),
    _route("ANY /files/{proxy+}", "Files"),
    _route("$default", "Default"),
]


@pytest.mark.parametrize(("method", "path", "function", "parameters"), [
    ("POST", "/predict", "Predict", {}),
    ("GET", "/models/latest", "Latest", {}),
    ("GET", "/models/iris", "ModelByName", {"name": "iris"}),
    ("DELETE", "/files/a/b/c.csv", "Files", {"proxy": "a/b/c.csv"}),
    ("GET", "/predict", "Default", {}),
    ("PUT", "/anything/else", "Default", {}),
])
def test_the_most_specific_route_wins_and_default_catches_the_rest(method, path, function, parameters):
    route, found = match(ROUTES, method, path)

    assert (route.function_logical_id, found) == (function, parameters)


@pytest.mark.parametrize(("method", "path", "function"), [
    ("GET", "/pets/dog/1", "Exact"),
    ("GET", "/pets/dog/2", "DogById"),
    ("GET", "/pets/cat/1", "PetsGreedy"),
    ("POST", "/pets/dog/1", "AnyGreedy"),
    ("GET", "/pets/dog", "AnyDog"),
    ("GET", "/pets/bird", "GetPet"),
])
def test_the_most_specific_path_wins_before_the_method(method, path, function):
    """"Working with routes for HTTP APIs": API Gateway prefers a full match, then path variables, then
    greedy ones; ANY /pets/dog is more specific for GET /pets/dog than GET /pets/{id}.
    https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html"""
    routes = [_route("GET /pets/dog/1", "Exact"), _route("GET /pets/dog/{id}", "DogById"),
              _route("GET /pets/{proxy+}", "PetsGreedy"), _route("ANY /{proxy+}", "AnyGreedy"),
              _route("ANY /pets/dog", "AnyDog"), _route("GET /pets/{id}", "GetPet"), _route("$default", "Default")]

    route, _ = match(routes, method, path)

    assert route.function_logical_id == function


def test_without_a_default_route_an_unmatched_request_matches_nothing():
    assert match(ROUTES[:-1], "GET", "/predict") is None


def test_routes_are_read_from_the_synthesized_template(assembly):
    import json

    template = json.loads((assembly / "SlipwayInference.template.json").read_text())

    routes = routes_from_template(template)

    assert sorted(r.route_key for r in routes) == ["GET /health", "GET /model", "POST /predict"]
    assert {r.function_logical_id for r in routes} == {
        lid for lid, res in template["Resources"].items()
        if res["Type"] == "AWS::Lambda::Function" and "ApiFunction" in lid}
    assert {(r.payload_version, r.authorization) for r in routes} == {("2.0", "AWS_IAM")}


def test_a_route_without_a_lambda_integration_is_an_error_that_names_it():
    template = {"Resources": {"R": {"Type": "AWS::ApiGatewayV2::Route",
                                    "Properties": {"RouteKey": "GET /x", "Target": "integrations/abc"}}}}

    with pytest.raises(RouteError, match=r"route R \(GET /x\) has no Lambda integration"):
        routes_from_template(template)


def test_rest_api_methods_become_routes_with_their_full_resource_paths():
    arn = {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":apigateway:", {"Ref": "AWS::Region"},
                             ":lambda:path/2015-03-31/functions/", {"Fn::GetAtt": ["Fn", "Arn"]}, "/invocations"]]}
    template = {"Resources": {
        "Fn": {"Type": "AWS::Lambda::Function", "Properties": {}},
        "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {}},
        "Models": {"Type": "AWS::ApiGateway::Resource", "Properties": {
            "ParentId": {"Fn::GetAtt": ["Api", "RootResourceId"]}, "PathPart": "models", "RestApiId": {"Ref": "Api"}}},
        "Name": {"Type": "AWS::ApiGateway::Resource", "Properties": {
            "ParentId": {"Ref": "Models"}, "PathPart": "{name}", "RestApiId": {"Ref": "Api"}}},
        "GetName": {"Type": "AWS::ApiGateway::Method", "Properties": {
            "HttpMethod": "GET", "ResourceId": {"Ref": "Name"}, "RestApiId": {"Ref": "Api"},
            "AuthorizationType": "AWS_IAM", "Integration": {"Type": "AWS_PROXY", "Uri": arn}}},
    }}

    template["Resources"]["Api"]["Properties"]["BinaryMediaTypes"] = ["image~1png", "application/octet-stream"]
    template["Resources"]["Stage"] = {"Type": "AWS::ApiGateway::Stage", "Properties": {
        "RestApiId": {"Ref": "Api"}, "StageName": "v1"}}

    [route] = routes_from_template(template)

    assert (route.route_key, route.function_logical_id, route.payload_version, route.api_kind, route.timeout_ms) == (
        "GET /models/{name}", "Fn", "1.0", "rest", 29_000)
    assert (route.stage, route.binary_media_types) == ("v1", ("image/png", "application/octet-stream"))
