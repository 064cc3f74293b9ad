"""CloudWatch alarms for the serving side, each notifying the operators' topic when it fires and
when it clears. Missing data is not breaching: no traffic is not an incident."""
from __future__ import annotations

from collections.abc import Mapping

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

PERIOD = cdk.Duration.minutes(5)


class ServingAlarms(Construct):
    """Exposes `alarms`: alarm name suffix -> alarm."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        topic: sns.ITopic,
        functions: Mapping[str, lambda_.IFunction],
        stream_consumers: Mapping[str, lambda_.IFunction],
        iterator_age_threshold_seconds: int,
        dead_letter_queues: Mapping[str, sqs.IQueue],
        server_errors: cloudwatch.IMetric | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self._action = actions.SnsAction(topic)
        self.alarms: dict[str, cloudwatch.Alarm] = {}
        for name, function in functions.items():
            self._add(f"{name}Errors", function.metric_errors(period=PERIOD, statistic="Sum"), 1,
                      f"{name}: invocations failed (function errors or timeouts)")
            self._add(f"{name}Throttles", function.metric_throttles(period=PERIOD, statistic="Sum"), 1,
                      f"{name}: invocations were throttled (concurrency limit reached)")
        for name, function in stream_consumers.items():
            self._add(f"{name}IteratorAge", function.metric("IteratorAge", period=PERIOD, statistic="Maximum"),
                      iterator_age_threshold_seconds * 1000,
                      f"{name}: the oldest unprocessed stream record is older than "
                      f"{iterator_age_threshold_seconds} s; the scorer is falling behind")
        for name, queue in dead_letter_queues.items():
            self._add(f"{name}Depth", queue.metric_approximate_number_of_messages_visible(
                period=PERIOD, statistic="Maximum"), 1,
                f"{name}: messages that could not be processed are waiting for an operator")
        if server_errors is not None:
            self._add("Api5xx", server_errors, 1, "HTTP API: responses with a 5xx status")

    def _add(self, name: str, metric: cloudwatch.IMetric, threshold: float, description: str) -> None:
        alarm = cloudwatch.Alarm(
            self,
            name,
            metric=metric,
            threshold=threshold,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_description=description,
        )
        alarm.add_alarm_action(self._action)
        alarm.add_ok_action(self._action)
        self.alarms[name] = alarm
