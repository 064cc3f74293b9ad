"""Function logs where Lambda puts them: the function's log group in CloudWatch Logs, one stream per
sandbox, with the platform's START / END / REPORT lines around each invocation.

Formats: https://docs.aws.amazon.com/lambda/latest/dg/python-logging.html (text format) and
https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html (stream names
`YYYY/MM/DD/[$LATEST]<id>`). Since 1 August 2025 the Billed Duration of an on-demand function
includes its Init Duration (https://aws.amazon.com/blogs/compute/aws-lambda-standardizes-billing-for-init-phase/).
"""
from __future__ import annotations

import math
import threading
import time
import uuid
from collections import deque
from datetime import datetime, timezone
from typing import Any, Callable


def stream_name(version: str = "$LATEST") -> str:
    return f"{datetime.now(timezone.utc):%Y/%m/%d}/[{version}]{uuid.uuid4().hex}"


def start_line(request_id: str, version: str = "$LATEST") -> str:
    return f"START RequestId: {request_id} Version: {version}"


def end_line(request_id: str) -> str:
    return f"END RequestId: {request_id}"


def report_line(request_id: str, *, duration_ms: float, memory_mb: int, max_memory_mb: int,
                init_duration_ms: float | None, status: str | None = None) -> str:
    billed = math.ceil(duration_ms + (init_duration_ms or 0))
    line = (f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\tBilled Duration: {billed} ms\t"
            f"Memory Size: {memory_mb} MB\tMax Memory Used: {max_memory_mb} MB\t")
    if init_duration_ms is not None:
        line += f"Init Duration: {init_duration_ms:.2f} ms\t"
    if status:
        line += f"Status: {status}\t"
    return line


def console_line(function: str, invocation: Any) -> str:
    """One short line per invocation for a console: function, status, duration (the logs hold the rest)."""
    status = "ok" if not invocation.failed else invocation.error_type
    cold = f" (cold start, init {invocation.init_duration_ms:.0f} ms)" if invocation.init_duration_ms else ""
    return f"  {function[:56]:<56} {status:<22} {invocation.duration_ms:8.1f} ms{cold}"


class LogShipper:
    """Collects log events per (group, stream) and puts them to CloudWatch Logs in the background.

    Without a client (unit tests, no emulator) the last events stay in memory, readable through
    `events(group)`. Put failures never reach a function: logs are best effort, as in Lambda.
    """

    def __init__(self, logs_client: Callable[[], Any] | None = None, *, flush_s: float = 0.2,
                 keep: int = 10_000) -> None:
        self._client = logs_client
        self._pending: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._memory: deque[tuple[str, str, str]] = deque(maxlen=keep)
        self._created: set[tuple[str, str]] = set()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopped = False
        self._flush_s = flush_s
        self._thread: threading.Thread | None = None
        if logs_client is not None:
            self._thread = threading.Thread(target=self._run, name="lambda-logs", daemon=True)
            self._thread.start()

    def emit(self, group: str, stream: str, message: str) -> None:
        event = {"timestamp": int(time.time() * 1000), "message": message}
        with self._lock:
            self._memory.append((group, stream, message))
            if self._client is not None:
                self._pending.setdefault((group, stream), []).append(event)

    def events(self, group: str) -> list[str]:
        with self._lock:
            return [message for g, _, message in self._memory if g == group]

    def _run(self) -> None:
        while not self._stopped:
            self._wake.wait(self._flush_s)
            self.flush()

    def flush(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, {}
        if not pending or self._client is None:
            return
        client = self._client()
        for (group, stream), events in pending.items():
            try:
                self._ensure(client, group, stream)
                events.sort(key=lambda e: e["timestamp"])
                for start in range(0, len(events), 5_000):
                    client.put_log_events(logGroupName=group, logStreamName=stream,
                                          logEvents=events[start:start + 5_000])
            except Exception:  # the emulator is stopping, or refused: drop, as a full buffer would
                continue

    def _ensure(self, client: Any, group: str, stream: str) -> None:
        if (group, stream) in self._created:
            return
        for create, kwargs in ((client.create_log_group, {"logGroupName": group}),
                               (client.create_log_stream, {"logGroupName": group, "logStreamName": stream})):
            try:
                create(**kwargs)
            except client.exceptions.ResourceAlreadyExistsException:
                pass
        self._created.add((group, stream))

    def close(self) -> None:
        self._stopped = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.flush()
