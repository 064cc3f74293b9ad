"""Bucket properties moto's CloudFormation skips are applied by the deployer, so that what the
template says (S3 -> SQS notifications, versioning) also happens locally."""
from __future__ import annotations

import time
from urllib.parse import unquote_plus

import orjson
import pytest

from slipway.local.gaps import apply_bucket_gaps
from slipway.local.intrinsics import StackContext, UnresolvableError, resolve

pytestmark = pytest.mark.e2e


def test_a_queue_notification_and_versioning_from_the_template_take_effect(clients):
    clients("s3").create_bucket(Bucket="gap-data")
    url = clients("sqs").create_queue(QueueName="gap-requests")["QueueUrl"]
    resources = {
        "Data": {"Type": "AWS::S3::Bucket", "Properties": {
            "VersioningConfiguration": {"Status": "Enabled"},
            "NotificationConfiguration": {"QueueConfigurations": [{
                "Event": "s3:ObjectCreated:*", "Queue": {"Fn::GetAtt": ["Requests", "Arn"]},
                "Filter": {"S3Key": {"Rules": [{"Name": "prefix", "Value": "batch/"},
                                               {"Name": "suffix", "Value": ".csv"}]}}}]}}},
        "Requests": {"Type": "AWS::SQS::Queue", "Properties": {}},
    }
    context = StackContext(resources=resources, physical_ids={"Data": "gap-data", "Requests": url}, exports={},
                           region="us-east-1", account_id="123456789012")

    notes = apply_bucket_gaps(clients, context)
    clients("s3").put_object(Bucket="gap-data", Key="batch/rows.csv", Body=b"a\n1\n")
    clients("s3").put_object(Bucket="gap-data", Key="other/rows.csv", Body=b"a\n1\n")
    time.sleep(0.1)
    messages = clients("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]

    assert notes == ["Data: versioning applied", "Data: event notifications applied"]
    assert clients("s3").get_bucket_versioning(Bucket="gap-data")["Status"] == "Enabled"
    keys = [r["s3"]["object"]["key"] for m in messages for r in orjson.loads(m["Body"]).get("Records", [])]
    assert [unquote_plus(key) for key in keys] == ["batch/rows.csv"]  # S3 URL-encodes keys in notifications


def test_intrinsics_resolve_from_the_deployed_stack():
    context = StackContext(resources={"Q": {"Type": "AWS::SQS::Queue"}, "B": {"Type": "AWS::S3::Bucket"}},
                           physical_ids={"Q": "http://localhost/123456789012/q1", "B": "b1"},
                           exports={"Data:Bucket": "b1"}, region="eu-west-1", account_id="111122223333")

    assert resolve({"Fn::GetAtt": ["Q", "Arn"]}, context) == "arn:aws:sqs:eu-west-1:111122223333:q1"
    assert resolve({"Fn::Join": ["", [{"Fn::GetAtt": ["B", "Arn"]}, "/batch/*"]]}, context) == "arn:aws:s3:::b1/batch/*"
    assert resolve({"Fn::Sub": "${B}-${AWS::Region}"}, context) == "b1-eu-west-1"
    assert resolve({"Fn::ImportValue": "Data:Bucket"}, context) == "b1"
    with pytest.raises(UnresolvableError, match="Ref to Missing, which the stack did not create"):
        resolve({"Ref": "Missing"}, context)
