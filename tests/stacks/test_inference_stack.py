from __future__ import annotations

from aws_cdk.assertions import Match

HANDLERS = {
    "slipway_serving.handlers.http.handler": "Api",
    "slipway_serving.handlers.kinesis.handler": "Scorer",
    "slipway_serving.handlers.csv.handler": "Batch",
}


def _functions(template) -> dict[str, tuple[str, dict]]:
    """Role ("Api", "Scorer", "Batch") -> (logical id, properties)."""
    return {HANDLERS[f["Properties"]["Handler"]]: (lid, f["Properties"])
            for lid, f in template.find_resources("AWS::Lambda::Function").items()}


def _alias_of(template, function_id: str) -> str:
    [alias_id] = [lid for lid, a in template.find_resources("AWS::Lambda::Alias").items()
                  if a["Properties"]["FunctionName"] == {"Ref": function_id}]
    return alias_id


def _statements(template, role_prefix: str) -> list[dict]:
    policies = [p for p in template.find_resources("AWS::IAM::Policy").values()
                if p["Properties"]["Roles"][0]["Ref"].startswith(role_prefix)]
    assert len(policies) == 1
    return policies[0]["Properties"]["PolicyDocument"]["Statement"]


def _object_grants(template, role_prefix: str) -> set[tuple[str, str]]:
    """(action, "<export name><key pattern>") for every S3 object grant of one role."""
    grants = set()
    for statement in _statements(template, role_prefix):
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        for action in actions:
            if action.startswith("s3:") and action != "s3:ListBucket":
                bucket, key = statement["Resource"]["Fn::Join"][1]
                grants.add((action, bucket["Fn::ImportValue"] + key))
    return grants


def test_the_three_functions_run_the_serving_package_on_the_configured_runtime_with_tracing(inference_template):
    functions = _functions(inference_template)

    assert set(functions) == {"Api", "Scorer", "Batch"}
    for _, props in functions.values():
        assert (props["Runtime"], props["Architectures"]) == ("python3.12", ["x86_64"])
        assert props["TracingConfig"] == {"Mode": "Active"}
        assert props["Environment"]["Variables"]["SLIPWAY_MODEL_POINTER_KEY"] == "pointers/model.json"
        assert props["Environment"]["Variables"]["SLIPWAY_MODEL_BUCKET"] == {
            "Fn::ImportValue": "SlipwayData-ModelsBucketName"}
    assert {k: v for k, v in functions["Batch"][1]["Environment"]["Variables"].items() if "RESULTS" in k
            or "PREDICTIONS" in k} == {"SLIPWAY_RESULTS_BUCKET": {"Fn::ImportValue": "SlipwayData-ResultsBucketName"},
                                        "SLIPWAY_PREDICTIONS_PREFIX": "predictions/"}
    assert (functions["Api"][1]["Timeout"], functions["Scorer"][1]["Timeout"], functions["Batch"][1]["Timeout"]) == (
        10, 120, 300)


def test_every_function_has_a_published_version_behind_a_live_alias(inference_template):
    versions = inference_template.find_resources("AWS::Lambda::Version")
    for function_id, _ in _functions(inference_template).values():
        alias = inference_template.find_resources("AWS::Lambda::Alias")[_alias_of(inference_template, function_id)]
        assert alias["Properties"]["Name"] == "live"
        version_id = alias["Properties"]["FunctionVersion"]["Fn::GetAtt"][0]
        assert versions[version_id]["Properties"]["FunctionName"] == {"Ref": function_id}
        assert "ProvisionedConcurrencyConfig" not in alias["Properties"]  # api_cold_start defaults to none


def test_routes_and_event_source_mappings_invoke_the_live_alias(inference_template):
    functions = _functions(inference_template)
    api_alias = _alias_of(inference_template, functions["Api"][0])

    for integration in inference_template.find_resources("AWS::ApiGatewayV2::Integration").values():
        assert integration["Properties"]["IntegrationUri"] == {"Ref": api_alias}
    mapped = sorted(m["Properties"]["FunctionName"]["Ref"]
                    for m in inference_template.find_resources("AWS::Lambda::EventSourceMapping").values())
    assert mapped == sorted(_alias_of(inference_template, functions[role][0]) for role in ("Scorer", "Batch"))


def test_the_scorer_mapping_bounds_retries_and_age_bisects_and_reports_item_failures(inference_template):
    inference_template.has_resource_properties("AWS::Lambda::EventSourceMapping", {
        "EventSourceArn": {"Fn::ImportValue": "SlipwayData-InputStreamArn"},
        "BatchSize": 100,
        "StartingPosition": "TRIM_HORIZON",
        "MaximumRetryAttempts": 3,
        "MaximumRecordAgeInSeconds": 3600,
        "BisectBatchOnFunctionError": True,
        "ParallelizationFactor": 1,
        "FunctionResponseTypes": ["ReportBatchItemFailures"],
        "DestinationConfig": {"OnFailure": {"Destination": {"Fn::GetAtt": [Match.string_like_regexp("OnFailure"), "Arn"]}}},
    })


def test_the_batch_mapping_reads_the_inbox_queue_with_partial_failures_and_bounded_concurrency(inference_template):
    inference_template.has_resource_properties("AWS::Lambda::EventSourceMapping", {
        "EventSourceArn": {"Fn::ImportValue": "SlipwayData-BatchQueueArn"},
        "BatchSize": 1,
        "FunctionResponseTypes": ["ReportBatchItemFailures"],
        "ScalingConfig": {"MaximumConcurrency": 5},
    })


def test_the_on_failure_queue_is_encrypted_and_tls_only(inference_template):
    inference_template.has_resource_properties("AWS::SQS::Queue", {"SqsManagedSseEnabled": True})
    inference_template.has_resource_properties("AWS::SQS::QueuePolicy", {"PolicyDocument": {"Statement": [
        Match.object_like({"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}})]}})


def test_every_route_requires_iam_authorization(inference_template):
    routes = inference_template.find_resources("AWS::ApiGatewayV2::Route")

    assert sorted(r["Properties"]["RouteKey"] for r in routes.values()) == ["GET /health", "GET /model", "POST /predict"]
    assert {r["Properties"]["AuthorizationType"] for r in routes.values()} == {"AWS_IAM"}


def test_the_stage_is_throttled_and_access_logged_as_json(inference_template):
    inference_template.has_resource_properties("AWS::ApiGatewayV2::Stage", {
        "StageName": "$default",
        "DefaultRouteSettings": {"ThrottlingRateLimit": 100, "ThrottlingBurstLimit": 200},
        "AccessLogSettings": {"DestinationArn": {"Fn::GetAtt": [Match.string_like_regexp("AccessLogs"), "Arn"]},
                              "Format": Match.string_like_regexp(r'^\{"requestId": "\$context.requestId"')},
    })


def test_every_log_group_keeps_logs_for_the_configured_retention(inference_template):
    groups = inference_template.find_resources("AWS::Logs::LogGroup")

    assert len(groups) == 4  # three functions and the API's access logs
    assert {g["Properties"]["RetentionInDays"] for g in groups.values()} == {30}


def test_roles_are_the_functions_own_without_managed_policies(inference_template):
    roles = inference_template.find_resources("AWS::IAM::Role")

    assert len(roles) == 3
    for role in roles.values():
        assert "ManagedPolicyArns" not in role["Properties"]
        assert role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
            "Service": "lambda.amazonaws.com"}


def test_serving_reads_only_its_pointer_and_the_model_artifacts(inference_template):
    reads = {("s3:GetObject", "SlipwayData-ModelsBucketArn/pointers/model.json"),
             ("s3:GetObject", "SlipwayData-ModelsBucketArn/models/*")}

    assert _object_grants(inference_template, "ApiFunctionRole") == reads


def test_the_scorer_writes_only_results_and_rejects(inference_template):
    assert _object_grants(inference_template, "ScorerFunctionRole") == {
        ("s3:GetObject", "SlipwayData-ModelsBucketArn/pointers/model.json"),
        ("s3:GetObject", "SlipwayData-ModelsBucketArn/models/*"),
        ("s3:PutObject", "SlipwayData-ResultsBucketArn/results/*"),
        ("s3:PutObject", "SlipwayData-ResultsBucketArn/rejects/*"),
    }


def test_the_batch_function_reads_batch_inputs_and_writes_only_predictions(inference_template):
    assert _object_grants(inference_template, "BatchFunctionRole") == {
        ("s3:GetObject", "SlipwayData-ModelsBucketArn/pointers/model.json"),
        ("s3:GetObject", "SlipwayData-ModelsBucketArn/models/*"),
        ("s3:GetObject", "SlipwayData-DataBucketArn/batch/*"),
        ("s3:GetObjectVersion", "SlipwayData-DataBucketArn/batch/*"),
        ("s3:PutObject", "SlipwayData-ResultsBucketArn/predictions/*"),
        ("s3:DeleteObject", "SlipwayData-ResultsBucketArn/predictions/*"),
    }


def test_the_batch_function_may_list_only_the_batch_prefix_so_a_vanished_file_reads_as_404(inference_template):
    [listing] = [s for s in _statements(inference_template, "BatchFunctionRole") if s["Action"] == "s3:ListBucket"]

    assert listing["Resource"] == {"Fn::ImportValue": "SlipwayData-DataBucketArn"}
    assert listing["Condition"] == {"StringLike": {"s3:prefix": ["batch/*"]}}


def test_no_role_may_delete_but_the_batch_function_its_own_outputs_nor_use_wildcard_actions(inference_template):
    for logical_id, policy in inference_template.find_resources("AWS::IAM::Policy").items():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            assert not any(a.endswith("*") for a in actions), actions
            if any("Delete" in a and a.startswith("s3:") for a in actions):
                assert logical_id.startswith("BatchFunctionRole")
                assert statement["Resource"]["Fn::Join"][1][1] == "/predictions/*"


def test_alarms_cover_errors_throttles_iterator_age_and_failure_queue_depth(inference_template):
    alarms = inference_template.find_resources("AWS::CloudWatch::Alarm")
    watched = sorted((a["Properties"]["Namespace"], a["Properties"]["MetricName"]) for a in alarms.values())

    assert watched == sorted([("AWS/Lambda", "Errors")] * 3 + [("AWS/Lambda", "Throttles")] * 3 + [
        ("AWS/Lambda", "IteratorAge"), ("AWS/SQS", "ApproximateNumberOfMessagesVisible"),
        ("AWS/SQS", "ApproximateNumberOfMessagesVisible"), ("AWS/ApiGateway", "5xx")])
    iterator_age = next(a["Properties"] for a in alarms.values() if a["Properties"]["MetricName"] == "IteratorAge")
    assert (iterator_age["Statistic"], iterator_age["Threshold"]) == ("Maximum", 300_000)
    queues = {str(a["Properties"]["Dimensions"][0]["Value"]) for a in alarms.values()
              if a["Properties"]["Namespace"] == "AWS/SQS"}
    assert any("OnFailure" in q for q in queues) and any("SlipwayData-BatchDeadLetterQueueName" in q for q in queues)


def test_every_alarm_notifies_the_encrypted_topic_when_it_fires_and_clears(inference_template):
    [topic_id] = inference_template.find_resources("AWS::SNS::Topic")

    for alarm in inference_template.find_resources("AWS::CloudWatch::Alarm").values():
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": topic_id}]
        assert alarm["Properties"]["OKActions"] == [{"Ref": topic_id}]
        assert alarm["Properties"]["TreatMissingData"] == "notBreaching"


def test_the_alarm_topic_uses_a_rotating_key_that_cloudwatch_may_use_and_requires_tls(inference_template):
    [topic] = inference_template.find_resources("AWS::SNS::Topic").values()
    [(key_id, key)] = inference_template.find_resources("AWS::KMS::Key").items()

    assert topic["Properties"]["KmsMasterKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
    assert key["Properties"]["EnableKeyRotation"] is True
    assert any(s.get("Principal") == {"Service": "cloudwatch.amazonaws.com"}
               for s in key["Properties"]["KeyPolicy"]["Statement"])
    inference_template.has_resource_properties("AWS::SNS::TopicPolicy", {"PolicyDocument": {"Statement": [
        Match.object_like({"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}})]}})


def test_the_bundle_size_is_reported_at_synth_against_lambdas_limit(stack_metadata):
    infos = [entry["data"] for entry in stack_metadata["/SlipwayInference"] if entry["type"] == "aws:cdk:info"]

    assert len(infos) == 1
    assert infos[0].startswith("Lambda bundle slipway_serving: ")
    assert infos[0].endswith("of Lambda's 250 MiB limit")
