"""Structured JSON logs and EMF metrics through Powertools, set up once per function.

Library modules log through the standard ``logging`` module under ``slipway_serving``; the
Powertools Logger's handler and JSON formatter are copied onto that logger, so every line carries
the Lambda request id (and API Gateway's request id as ``correlation_id`` over HTTP). Metrics
go out as one EMF blob per invocation, with the served model version as a dimension.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from .config import ServingConfig

PACKAGE_LOGGER = "slipway_serving"
Handler = TypeVar("Handler", bound=Callable[..., Any])


class Telemetry:
    def __init__(self, config: ServingConfig) -> None:
        from aws_lambda_powertools import Logger, Metrics
        from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers
        from aws_lambda_powertools.metrics import MetricUnit

        self.logger = Logger(service=config.service)
        logging.getLogger(PACKAGE_LOGGER)  # registered, so its configuration can be copied
        copy_config_to_registered_loggers(source_logger=self.logger, include={PACKAGE_LOGGER})
        self.metrics = Metrics(namespace=config.metrics_namespace, service=config.service)
        self._milliseconds, self._count = MetricUnit.Milliseconds, MetricUnit.Count

    def instrument(self, handler: Handler) -> Handler:
        """Request ids on every log line, then one EMF flush (and a ColdStart metric) per call."""
        logged = self.logger.inject_lambda_context(handler)  # keys are per request or constant: no clearing
        return self.metrics.log_metrics(logged, capture_cold_start_metric=True)  # type: ignore[return-value]

    def record(self, *, model_version: str | None, latency_ms: float, rows: int, rejects: int,
               errors: int = 0) -> None:
        """Latency and Rows on every call; Rejects and Errors when there are some (absent means 0)."""
        metrics = self.metrics
        if model_version:
            metrics.add_dimension(name="model_version", value=model_version)
        metrics.add_metric(name="Latency", unit=self._milliseconds, value=round(latency_ms, 3))
        metrics.add_metric(name="Rows", unit=self._count, value=rows)
        if rejects:
            metrics.add_metric(name="Rejects", unit=self._count, value=rejects)
        if errors:
            metrics.add_metric(name="Errors", unit=self._count, value=errors)
