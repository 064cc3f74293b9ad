"""Log groups with the configured retention, deleted with their stack (logs are not the record)."""
from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_logs as logs
from constructs import Construct

from stacks.config import LOG_RETENTION_DAYS

# aws_logs.RetentionDays lists CloudWatch's allowed periods in the same order as LOG_RETENTION_DAYS.
_RETENTION = dict(zip(LOG_RETENTION_DAYS, list(logs.RetentionDays)[: len(LOG_RETENTION_DAYS)], strict=True))


def retention(days: int) -> logs.RetentionDays:
    return _RETENTION[days]


def bounded_log_group(scope: Construct, construct_id: str, *, retention_days: int,
                      name: str | None = None) -> logs.LogGroup:
    return logs.LogGroup(scope, construct_id, retention=retention(retention_days), log_group_name=name,
                         removal_policy=cdk.RemovalPolicy.DESTROY)
