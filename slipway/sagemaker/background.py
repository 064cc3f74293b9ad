"""What a training job and a tuning job share: they run on their own thread while the API answers
Describe, List and Stop calls about them."""
from __future__ import annotations

import threading


class BackgroundJob:
    _thread: threading.Thread

    def start(self) -> None:
        self._thread.start()

    def wait(self, timeout: float | None = None) -> bool:
        """True once the job's thread has ended."""
        self._thread.join(timeout)
        return not self._thread.is_alive()
