"""S3 event notifications: the record S3 sends (to SQS, SNS or Lambda) when an object changes.

Source: "Event message structure" (Amazon S3 User Guide)
https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote_plus

# What S3 sends once when a notification configuration is created; handlers must ignore it.
TEST_EVENT_NAME = "s3:TestEvent"


def notification(bucket: str, key: str, *, size: int, event_name: str = "ObjectCreated:Put", region: str = "us-east-1",
                 etag: str = "d41d8cd98f00b204e9800998ecf8427e", version_id: str | None = None,
                 sequencer: str = "0055AED6DCD90281E5", configuration_id: str = "notification",
                 time: datetime | None = None, principal_id: str = "AWS:AIDAJDPLRKLG7UEXAMPLE",
                 owner_id: str = "A3NL1KOZZKExample", source_ip: str = "127.0.0.1") -> dict[str, Any]:
    """The notification body: one record, its object key URL-encoded as S3 encodes it."""
    moment = (time or datetime.now(timezone.utc)).astimezone(timezone.utc)
    obj: dict[str, Any] = {"key": quote_plus(key, safe="/"), "size": size, "eTag": etag}
    if version_id is not None:
        obj["versionId"] = version_id
    obj["sequencer"] = sequencer
    return {"Records": [{
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": region,
        "eventTime": moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
        "eventName": event_name,
        "userIdentity": {"principalId": principal_id},
        "requestParameters": {"sourceIPAddress": source_ip},
        "responseElements": {"x-amz-request-id": "C3D13FE58DE4C810", "x-amz-id-2": "FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD"},
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": configuration_id,
            "bucket": {"name": bucket, "ownerIdentity": {"principalId": owner_id}, "arn": f"arn:aws:s3:::{bucket}"},
            "object": obj,
        },
    }]}


def test_event(bucket: str, *, time: str = "2026-11-21T09:45:00.000Z") -> dict[str, Any]:
    return {"Service": "Amazon S3", "Event": TEST_EVENT_NAME, "Time": time, "Bucket": bucket,
            "RequestId": "5582815E1AEA5ADF", "HostId": "8cLeGAmw098X5cv4Zkwcmo8vvZa3eH3"}
