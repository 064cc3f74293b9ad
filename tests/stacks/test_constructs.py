"""Options the default app does not use, checked on the constructs in a bare stack (no app synth)."""
from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Template

from stacks.config import SlipwayConfig
from stacks.constructs.encrypted_topic import EncryptedTopic
from stacks.constructs.prediction_api import ApiAuth, PredictionApi
from stacks.constructs.slipway_function import SlipwayFunction
from tests.stacks.test_config import DEFAULTS


def _function(stack: cdk.Stack, *, cold_start: str, **overrides) -> SlipwayFunction:
    config = SlipwayConfig.from_mapping({**DEFAULTS, **overrides})
    return SlipwayFunction(stack, "Fn", config=config, code=lambda_.Code.from_inline("def handler(e, c): pass"),
                           handler="index.handler", memory_mb=512, timeout_seconds=5, environment={},
                           cold_start=cold_start, provisioned_concurrency=3, failure_handling="called synchronously")


def test_given_provisioned_cold_start_when_synthesized_then_the_live_alias_keeps_warm_environments():
    stack = cdk.Stack()
    _function(stack, cold_start="provisioned")
    template = Template.from_stack(stack)

    template.has_resource_properties("AWS::Lambda::Alias", {
        "Name": "live", "ProvisionedConcurrencyConfig": {"ProvisionedConcurrentExecutions": 3}})
    assert "SnapStart" not in next(iter(template.find_resources("AWS::Lambda::Function").values()))["Properties"]


def test_given_snapstart_when_synthesized_then_published_versions_are_snapshotted_and_nothing_is_provisioned():
    stack = cdk.Stack()
    _function(stack, cold_start="snapstart")
    template = Template.from_stack(stack)

    template.has_resource_properties("AWS::Lambda::Function", {"SnapStart": {"ApplyOn": "PublishedVersions"}})
    assert "ProvisionedConcurrencyConfig" not in next(iter(
        template.find_resources("AWS::Lambda::Alias").values()))["Properties"]


def test_given_arm64_and_no_tracing_when_synthesized_then_the_function_follows_the_knobs():
    stack = cdk.Stack()
    _function(stack, cold_start="none", lambda_architecture="arm64", tracing=False, lambda_runtime="python3.14")
    template = Template.from_stack(stack)

    [function] = template.find_resources("AWS::Lambda::Function").values()
    assert (function["Properties"]["Architectures"], function["Properties"]["Runtime"]) == (["arm64"], "python3.14")
    assert "TracingConfig" not in function["Properties"]


def _api(auth: ApiAuth) -> Template:
    stack = cdk.Stack()
    handler = lambda_.Function(stack, "Handler", runtime=lambda_.Runtime.PYTHON_3_12, handler="index.handler",
                               code=lambda_.Code.from_inline("def handler(e, c): pass"))
    PredictionApi(stack, "Api", handler=handler, auth=auth, rate_limit=10, burst_limit=20, log_retention_days=7)
    return Template.from_stack(stack)


def test_given_jwt_auth_when_synthesized_then_every_route_checks_the_issuer_and_audience():
    template = _api(ApiAuth(mode="jwt", jwt_issuer="https://auth.example.com/", jwt_audience=("slipway", "ops")))

    template.has_resource_properties("AWS::ApiGatewayV2::Authorizer", {
        "AuthorizerType": "JWT",
        "IdentitySource": ["$request.header.Authorization"],
        "JwtConfiguration": {"Issuer": "https://auth.example.com/", "Audience": ["slipway", "ops"]},
    })
    routes = template.find_resources("AWS::ApiGatewayV2::Route").values()
    assert {r["Properties"]["AuthorizationType"] for r in routes} == {"JWT"}
    assert all("AuthorizerId" in r["Properties"] for r in routes)


def test_given_no_auth_when_synthesized_then_routes_are_open_and_the_finding_is_acknowledged_with_its_reason():
    template = _api(ApiAuth(mode="none"))

    assert {r["Properties"]["AuthorizationType"] for r in template.find_resources(
        "AWS::ApiGatewayV2::Route").values()} == {"NONE"}


@pytest.mark.parametrize("email", ["", "ops@example.com"])
def test_given_an_alarm_email_when_synthesized_then_the_topic_gets_exactly_that_subscription(email):
    stack = cdk.Stack()
    EncryptedTopic(stack, "Topic", description="alarms", email=email)
    template = Template.from_stack(stack)

    subscriptions = template.find_resources("AWS::SNS::Subscription")
    assert [(s["Properties"]["Protocol"], s["Properties"]["Endpoint"]) for s in subscriptions.values()] == (
        [("email", email)] if email else [])
