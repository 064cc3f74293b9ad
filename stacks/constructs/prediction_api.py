"""The HTTP API in front of the prediction function: authorized, throttled, access-logged.

Every route carries the same authorizer: IAM (SigV4-signed callers with execute-api:Invoke) by
default, or a JWT issuer and audience. `none` exists for demos and is acknowledged as such.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from aws_cdk import aws_apigatewayv2 as apigw
from aws_cdk import aws_apigatewayv2_authorizers as authorizers
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from stacks.constructs.log_group import bounded_log_group
from stacks.nag import acknowledge

ROUTES = (("/predict", apigw.HttpMethod.POST), ("/health", apigw.HttpMethod.GET), ("/model", apigw.HttpMethod.GET))
ACCESS_LOG_FORMAT = json.dumps({
    "requestId": "$context.requestId",
    "ip": "$context.identity.sourceIp",
    "caller": "$context.identity.caller",
    "user": "$context.identity.user",
    "principal": "$context.authorizer.principalId",
    "requestTime": "$context.requestTime",
    "routeKey": "$context.routeKey",
    "status": "$context.status",
    "responseLength": "$context.responseLength",
    "integrationLatency": "$context.integrationLatency",
    "integrationError": "$context.integrationErrorMessage",
    "authorizerError": "$context.authorizer.error",
})


@dataclass(frozen=True)
class ApiAuth:
    mode: str  # iam | jwt | none
    jwt_issuer: str = ""
    jwt_audience: tuple[str, ...] = ()

    def authorizer(self) -> apigw.IHttpRouteAuthorizer:
        if self.mode == "iam":
            return authorizers.HttpIamAuthorizer()
        if self.mode == "jwt":
            return authorizers.HttpJwtAuthorizer("Jwt", self.jwt_issuer, jwt_audience=list(self.jwt_audience))
        return apigw.HttpNoneAuthorizer()


class PredictionApi(Construct):
    """Exposes `http_api`, `stage`, `access_logs` and `url`."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        handler: lambda_.IFunction,
        auth: ApiAuth,
        rate_limit: int,
        burst_limit: int,
        log_retention_days: int,
    ) -> None:
        super().__init__(scope, construct_id)
        self.http_api = apigw.HttpApi(self, "HttpApi", create_default_stage=False)
        self.access_logs = bounded_log_group(self, "AccessLogs", retention_days=log_retention_days)
        self.stage = apigw.HttpStage(
            self,
            "DefaultStage",
            http_api=self.http_api,
            stage_name="$default",
            auto_deploy=True,
            throttle=apigw.ThrottleSettings(rate_limit=rate_limit, burst_limit=burst_limit),
        )
        cfn_stage: apigw.CfnStage = self.stage.node.default_child  # type: ignore[assignment]
        cfn_stage.access_log_settings = apigw.CfnStage.AccessLogSettingsProperty(
            destination_arn=self.access_logs.log_group_arn, format=ACCESS_LOG_FORMAT)
        integration = integrations.HttpLambdaIntegration(
            "Predictor", handler, payload_format_version=apigw.PayloadFormatVersion.VERSION_2_0)
        authorizer = auth.authorizer()
        for path, method in ROUTES:
            self.http_api.add_routes(path=path, methods=[method], integration=integration, authorizer=authorizer)
        if auth.mode == "none":
            acknowledge(self.http_api, "AwsSolutions::AwsSolutions-APIG4",
                        "api_auth is set to none in cdk.json: the operator chose an open API (demos only); "
                        "the default is IAM authorization.")
        self.url = self.http_api.api_endpoint
