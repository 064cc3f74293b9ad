"""Recorded AWS events and their factories: one loader, in slipway.events (shipped for users' tests)."""
from slipway.events import (  # noqa: F401 - re-exported for this repository's tests
    S3_TEST_EVENT,
    kinesis_event,
    lambda_context,
    load_event,
    rest_api_event,
    s3_notification,
    sqs_event,
)
from slipway.events import http_api_event as http_v2_event  # noqa: F401
