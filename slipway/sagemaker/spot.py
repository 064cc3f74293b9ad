"""Spot rehearsal: the local SageMaker reclaims a managed spot job's instance once, as AWS may.

Asked for per request with the tag `slipway:spot-interrupt-at` or for every spot job of the
emulator with the variable SLIPWAY_SPOT_INTERRUPT_AT; the value is a regular expression, and the
first log line it matches triggers the interruption. The script gets SIGTERM (what SageMaker sends
when it stops a container), its checkpoints are uploaded, and after SLIPWAY_SPOT_WAIT_SECONDS
(default 2; unbilled, like waiting for spot capacity) the job restarts with the checkpoints
downloaded again. Only jobs with EnableManagedSpotTraining are interrupted, as on AWS.
(https://docs.aws.amazon.com/sagemaker/latest/dg/model-managed-spot-training.html)
"""
from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from typing import Any

TAG = "slipway:spot-interrupt-at"
VARIABLE = "SLIPWAY_SPOT_INTERRUPT_AT"
WAIT_VARIABLE = "SLIPWAY_SPOT_WAIT_SECONDS"


class SpotRehearsal:
    def __init__(self, pattern: str, wait_s: float = 2.0) -> None:
        self.pattern = re.compile(pattern)
        self.wait_s = wait_s
        self._lock = threading.Lock()
        self._fired = False
        self._pending = False

    def due(self, line: str) -> bool:
        """True once: at the first line the pattern matches."""
        with self._lock:
            if self._fired or not self.pattern.search(line):
                return False
            self._fired = self._pending = True
            return True

    def interrupted_now(self) -> bool:
        """Whether the attempt that just ended was the one interrupted (asked once)."""
        with self._lock:
            pending, self._pending = self._pending, False
            return pending


def from_request(request: Mapping[str, Any], environ: Mapping[str, str]) -> SpotRehearsal | None:
    if not request.get("EnableManagedSpotTraining"):
        return None
    tags = {tag["Key"]: tag["Value"] for tag in request.get("Tags") or []}
    pattern = tags.get(TAG) or environ.get(VARIABLE)
    if not pattern:
        return None
    return SpotRehearsal(pattern, float(environ.get(WAIT_VARIABLE, "2")))
