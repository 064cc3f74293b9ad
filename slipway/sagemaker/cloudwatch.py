"""A training job's log, where SageMaker writes it: log group /aws/sagemaker/TrainingJobs, one
stream per host and start, `<job>/algo-1-<epoch seconds>`
(https://docs.aws.amazon.com/sagemaker/latest/dg/logging-cloudwatch.html)."""
from __future__ import annotations

import threading
import time
from typing import Any

LOG_GROUP = "/aws/sagemaker/TrainingJobs"
_BATCH = 500
_FLUSH_EVERY_S = 1.0


class JobLog:
    """Buffers lines and ships them in PutLogEvents batches, at least once a second (a quiet
    script's last lines too, so a reader sees them while the job runs); `close` ships the rest."""

    def __init__(self, logs: Any, job_name: str, *, host: str = "algo-1") -> None:
        self._logs = logs
        self.stream = f"{job_name}/{host}-{int(time.time())}"
        self._pending: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._last_flush = time.monotonic()
        try:
            logs.create_log_group(logGroupName=LOG_GROUP)
        except logs.exceptions.ResourceAlreadyExistsException:
            pass
        logs.create_log_stream(logGroupName=LOG_GROUP, logStreamName=self.stream)
        self._closed = threading.Event()
        self._ticker = threading.Thread(target=self._tick, name=f"log-{job_name}", daemon=True)
        self._ticker.start()

    def _tick(self) -> None:
        while not self._closed.wait(_FLUSH_EVERY_S):
            self.flush()

    def close(self) -> None:
        self._closed.set()
        self._ticker.join()
        self.flush()

    def write(self, line: str) -> None:
        with self._lock:
            self._pending.append({"timestamp": int(time.time() * 1000), "message": line or " "})
            due = len(self._pending) >= _BATCH or \
                time.monotonic() - self._last_flush >= _FLUSH_EVERY_S
        if due:
            self.flush()

    def flush(self) -> None:
        with self._lock:
            batch, self._pending = self._pending, []
            self._last_flush = time.monotonic()
            if not batch:
                return
            for start in range(0, len(batch), _BATCH):
                self._logs.put_log_events(logGroupName=LOG_GROUP, logStreamName=self.stream,
                                          logEvents=batch[start:start + _BATCH])
