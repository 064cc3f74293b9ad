from __future__ import annotations

from aws_cdk.assertions import Match

EXPORTED = {
    "DataBucketName", "DataBucketArn", "ModelsBucketName", "ModelsBucketArn", "ResultsBucketName",
    "ResultsBucketArn", "InputStreamName", "InputStreamArn", "BatchQueueUrl", "BatchQueueArn", "BatchQueueName",
    "BatchDeadLetterQueueUrl", "BatchDeadLetterQueueArn", "BatchDeadLetterQueueName",
}


def _bucket(template, log_prefix: str) -> dict:
    found = [b["Properties"] for b in template.find_resources("AWS::S3::Bucket").values()
             if b["Properties"].get("LoggingConfiguration", {}).get("LogFilePrefix") == log_prefix]
    assert len(found) == 1, f"expected one bucket logging under {log_prefix}"
    return found[0]


def test_every_bucket_is_encrypted_and_blocks_public_access(data_template):
    buckets = data_template.find_resources("AWS::S3::Bucket")

    assert len(buckets) == 4
    for bucket in buckets.values():
        props = bucket["Properties"]
        assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"] == {
            "SSEAlgorithm": "AES256"}
        assert props["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True, "RestrictPublicBuckets": True}


def test_every_bucket_policy_denies_requests_without_tls(data_template):
    policies = data_template.find_resources("AWS::S3::BucketPolicy")

    assert len(policies) == 4
    for policy in policies.values():
        statements = policy["Properties"]["PolicyDocument"]["Statement"]
        assert any(s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
                   for s in statements)


def test_data_models_and_results_are_access_logged_to_the_log_bucket_which_expires_its_logs(data_template):
    for prefix in ("data/", "models/", "results/"):
        assert _bucket(data_template, prefix)["LoggingConfiguration"]["DestinationBucketName"]["Ref"].startswith(
            "AccessLogs")
    data_template.has_resource_properties("AWS::S3::Bucket", {
        "AccessControl": "LogDeliveryWrite",
        "LifecycleConfiguration": {"Rules": [Match.object_like({"ExpirationInDays": 365})]},
    })


def test_models_are_versioned_and_old_versions_and_checkpoints_expire(data_template):
    models = _bucket(data_template, "models/")

    assert models["VersioningConfiguration"] == {"Status": "Enabled"}
    rules = {rule["Id"]: rule for rule in models["LifecycleConfiguration"]["Rules"]}
    assert rules["NoncurrentVersions"]["NoncurrentVersionExpiration"] == {"NoncurrentDays": 90}
    assert (rules["TrainingCheckpoints"]["Prefix"], rules["TrainingCheckpoints"]["ExpirationInDays"]) == (
        "checkpoints/", 30)


def test_results_expire_and_every_bucket_aborts_stale_multipart_uploads(data_template):
    assert _bucket(data_template, "results/")["LifecycleConfiguration"]["Rules"][0]["ExpirationInDays"] == 90
    for bucket in data_template.find_resources("AWS::S3::Bucket").values():
        rules = bucket["Properties"]["LifecycleConfiguration"]["Rules"]
        assert any(rule.get("AbortIncompleteMultipartUpload") == {"DaysAfterInitiation": 7} for rule in rules)


def test_buckets_and_the_stream_are_retained_by_default(data_template):
    for kind in ("AWS::S3::Bucket", "AWS::Kinesis::Stream"):
        for resource in data_template.find_resources(kind).values():
            assert resource["DeletionPolicy"] == "Retain"


def test_the_input_stream_is_encrypted_with_kms(data_template):
    data_template.has_resource_properties("AWS::Kinesis::Stream", {
        "ShardCount": 1,
        "StreamEncryption": {"EncryptionType": "KMS", "KeyId": "alias/aws/kinesis"},
    })


def test_csv_files_under_batch_notify_the_inbox_queue_natively(data_template):
    [configuration] = _bucket(data_template, "data/")["NotificationConfiguration"]["QueueConfigurations"]

    assert configuration["Event"] == "s3:ObjectCreated:*"
    assert configuration["Filter"] == {"S3Key": {"Rules": [{"Name": "prefix", "Value": "batch/"},
                                                           {"Name": "suffix", "Value": ".csv"}]}}
    assert configuration["Queue"]["Fn::GetAtt"][0].startswith("BatchInboxQueue")
    # CDK's add_event_notification would add a Lambda-backed custom resource instead.
    assert data_template.find_resources("Custom::S3BucketNotifications") == {}


def test_the_bucket_waits_for_the_queue_policy_that_lets_only_this_accounts_buckets_send(data_template):
    bucket = next(b for b in data_template.find_resources("AWS::S3::Bucket").values()
                  if "NotificationConfiguration" in b["Properties"])
    policies = data_template.find_resources("AWS::SQS::QueuePolicy")
    inbox_policy_id = next(lid for lid in policies if lid.startswith("BatchInboxQueuePolicy"))

    assert bucket["DependsOn"] == [inbox_policy_id]
    statement = next(s for s in policies[inbox_policy_id]["Properties"]["PolicyDocument"]["Statement"]
                     if s["Effect"] == "Allow")
    assert statement["Principal"] == {"Service": "s3.amazonaws.com"}
    assert statement["Action"] == "sqs:SendMessage"
    assert statement["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    assert statement["Condition"]["ArnLike"]["aws:SourceArn"]["Fn::Join"][1][-1] == ":s3:::slipwaydata-*"


def test_inbox_queues_are_encrypted_tls_only_and_redrive_to_the_dead_letter_queue(data_template):
    queues = data_template.find_resources("AWS::SQS::Queue")
    inbox = next(q["Properties"] for lid, q in queues.items() if lid.startswith("BatchInboxQueue"))

    assert len(queues) == 2
    assert all(q["Properties"]["SqsManagedSseEnabled"] is True for q in queues.values())
    assert inbox["RedrivePolicy"]["maxReceiveCount"] == 3
    assert inbox["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0].startswith("BatchInboxDeadLetters")
    assert inbox["VisibilityTimeout"] == 6 * 300  # six times the batch function's timeout
    for policy in data_template.find_resources("AWS::SQS::QueuePolicy").values():
        assert any(s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
                   for s in policy["Properties"]["PolicyDocument"]["Statement"])


def test_shared_resources_are_exported_under_stable_names(data_template):
    outputs = data_template.find_outputs("*")

    assert set(outputs) == EXPORTED
    assert {name: output["Export"]["Name"] for name, output in outputs.items()} == {
        name: f"SlipwayData-{name}" for name in EXPORTED}
