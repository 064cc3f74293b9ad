from __future__ import annotations

from aws_cdk.assertions import Match


def test_every_bucket_is_encrypted_private_and_owner_enforced_or_log_target(data_template):
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


def test_models_are_versioned_and_data_models_results_are_access_logged(data_template):
    data_template.has_resource_properties("AWS::S3::Bucket", {
        "VersioningConfiguration": {"Status": "Enabled"},
        "LoggingConfiguration": {"LogFilePrefix": "models/"},
    })
    for prefix in ("data/", "results/"):
        data_template.has_resource_properties("AWS::S3::Bucket", {
            "LoggingConfiguration": {"DestinationBucketName": Match.any_value(), "LogFilePrefix": prefix}})


def test_results_expire_and_buckets_are_retained_by_default(data_template):
    data_template.has_resource_properties("AWS::S3::Bucket", {
        "LoggingConfiguration": {"LogFilePrefix": "results/"},
        "LifecycleConfiguration": {"Rules": [{"ExpirationInDays": 90, "Status": "Enabled"}]},
    })
    for bucket in data_template.find_resources("AWS::S3::Bucket").values():
        assert bucket["DeletionPolicy"] == "Retain"


def test_the_input_stream_is_encrypted_with_kms(data_template):
    data_template.has_resource_properties("AWS::Kinesis::Stream", {
        "ShardCount": 1,
        "StreamEncryption": {"EncryptionType": "KMS", "KeyId": "alias/aws/kinesis"},
    })
