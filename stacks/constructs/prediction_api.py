"""The HTTP API in front of the prediction function: authorized, throttled, access-logged."""
from __future__ import annotations

import json

from aws_cdk import aws_apigatewayv2 as apigw
from aws_cdk import aws_apigatewayv2_authorizers as authorizers
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

ROUTES = (("/predict", apigw.HttpMethod.POST), ("/health", apigw.HttpMethod.GET), ("/model", apigw.HttpMethod.GET))
_ACCESS_LOG_FORMAT = json.dumps({
    "requestId": "$context.requestId",
    "ip": "$context.identity.sourceIp",
    "caller": "$context.identity.caller",
    "requestTime": "$context.requestTime",
    "routeKey": "$context.routeKey",
    "status": "$context.status",
    "responseLength": "$context.responseLength",
    "integrationLatency": "$context.integrationLatency",
    "integrationError": "$context.integrationErrorMessage",
})


class PredictionApi(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        function: lambda_.IFunction,
        auth: str,
        rate_limit: int = 100,
        burst_limit: int = 200,
    ) -> None:
        super().__init__(scope, construct_id)
        self.http_api = apigw.HttpApi(self, "HttpApi", create_default_stage=False)
        access_logs = logs.LogGroup(self, "AccessLogs", retention=logs.RetentionDays.ONE_MONTH)
        stage = apigw.HttpStage(
            self,
            "DefaultStage",
            http_api=self.http_api,
            stage_name="$default",
            auto_deploy=True,
            throttle=apigw.ThrottleSettings(rate_limit=rate_limit, burst_limit=burst_limit),
        )
        # HttpStage's access_log_settings wants a jsii interface object; the L1 property is plainer.
        stage.node.default_child.add_property_override(
            "AccessLogSettings",
            {"DestinationArn": access_logs.log_group_arn, "Format": _ACCESS_LOG_FORMAT},
        )
        integration = integrations.HttpLambdaIntegration(
            "Predictor", function, payload_format_version=apigw.PayloadFormatVersion.VERSION_2_0
        )
        authorizer = authorizers.HttpIamAuthorizer() if auth == "iam" else apigw.HttpNoneAuthorizer()
        for path, method in ROUTES:
            self.http_api.add_routes(path=path, methods=[method], integration=integration, authorizer=authorizer)
        self.url = self.http_api.api_endpoint
