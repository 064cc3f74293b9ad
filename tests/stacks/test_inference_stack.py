from __future__ import annotations

from aws_cdk.assertions import Match


def test_both_functions_run_the_serving_package_on_a_lambda_runtime_with_al2023(inference_template):
    functions = inference_template.find_resources("AWS::Lambda::Function")
    handlers = sorted(f["Properties"]["Handler"] for f in functions.values())

    assert handlers == ["slipway_serving.handlers.http.handler", "slipway_serving.handlers.kinesis.handler"]
    for function in functions.values():
        assert function["Properties"]["Runtime"] == "python3.12"
        assert function["Properties"]["Environment"]["Variables"]["SLIPWAY_MODEL_POINTER_KEY"] == "pointers/model.json"


def test_the_scorer_mapping_bounds_retries_and_age_bisects_and_reports_item_failures(inference_template):
    inference_template.has_resource_properties("AWS::Lambda::EventSourceMapping", {
        "BatchSize": 100,
        "StartingPosition": "TRIM_HORIZON",
        "MaximumRetryAttempts": 3,
        "MaximumRecordAgeInSeconds": 3600,
        "BisectBatchOnFunctionError": True,
        "FunctionResponseTypes": ["ReportBatchItemFailures"],
        "DestinationConfig": {"OnFailure": {"Destination": {"Fn::GetAtt": [Match.string_like_regexp("OnFailure"), "Arn"]}}},
    })


def test_the_on_failure_queue_is_encrypted(inference_template):
    inference_template.has_resource_properties("AWS::SQS::Queue", {"SqsManagedSseEnabled": True})


def test_every_route_requires_iam_authorization(inference_template):
    routes = inference_template.find_resources("AWS::ApiGatewayV2::Route")

    assert sorted(r["Properties"]["RouteKey"] for r in routes.values()) == ["GET /health", "GET /model", "POST /predict"]
    assert {r["Properties"]["AuthorizationType"] for r in routes.values()} == {"AWS_IAM"}


def test_the_stage_is_throttled_and_access_logged(inference_template):
    inference_template.has_resource_properties("AWS::ApiGatewayV2::Stage", {
        "StageName": "$default",
        "DefaultRouteSettings": {"ThrottlingRateLimit": 100, "ThrottlingBurstLimit": 200},
        "AccessLogSettings": {"DestinationArn": Match.any_value(), "Format": Match.string_like_regexp("requestId")},
    })


def _object_scopes(template, action_prefix: str) -> set[str]:
    """The key patterns granted for actions starting with action_prefix, e.g. '/models/*'."""
    scopes = set()
    for policy in template.find_resources("AWS::IAM::Policy").values():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            if not any(a.startswith(action_prefix) for a in actions):
                continue
            resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            for resource in resources:
                if "Fn::Join" in resource:
                    scopes.add(resource["Fn::Join"][1][-1])
    return scopes


def test_serving_reads_only_pointers_and_models(inference_template):
    assert _object_scopes(inference_template, "s3:GetObject") == {"/pointers/*", "/models/*"}


def test_the_scorer_writes_only_results_and_rejects_and_nothing_deletes(inference_template):
    assert _object_scopes(inference_template, "s3:PutObject") == {"/results/*", "/rejects/*"}
    assert _object_scopes(inference_template, "s3:Delete") == set()
