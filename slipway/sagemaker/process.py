"""Running the training script as a child process, its output streamed line by line."""
from __future__ import annotations

import subprocess
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ProcessOutcome:
    exit_code: int
    timed_out: bool


def run_streaming(command: Sequence[str], *, cwd: Path, environ: dict[str, str], log_path: Path,
                  on_line: Callable[[str], None], max_runtime_s: float | None = None,
                  on_start: Callable[[subprocess.Popen[str]], None] | None = None
                  ) -> ProcessOutcome:
    """stdout and stderr share one pipe, as they share one CloudWatch stream: metric lines are
    matched wherever the script prints them, in the order it printed them."""
    timed_out = threading.Event()
    with log_path.open("w", encoding="utf-8") as log:
        process = subprocess.Popen(
            list(command), cwd=cwd, env=environ, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, encoding="utf-8", errors="replace", bufsize=1)
        timer = _watchdog(process, max_runtime_s, timed_out)
        try:
            if on_start is not None:
                on_start(process)
            assert process.stdout is not None
            for raw in process.stdout:
                line = raw.rstrip("\r\n")
                log.write(line + "\n")
                log.flush()
                on_line(line)
            exit_code = process.wait()
        except BaseException:
            # A failing callback or Ctrl-C must not leave a training process behind
            process.kill()
            process.wait()
            raise
        finally:
            if timer is not None:
                timer.cancel()
            if process.stdout is not None:
                process.stdout.close()
    return ProcessOutcome(exit_code=exit_code, timed_out=timed_out.is_set())


def _watchdog(process: subprocess.Popen[str], limit_s: float | None,
              fired: threading.Event) -> threading.Timer | None:
    if limit_s is None:
        return None

    def stop() -> None:
        fired.set()
        process.kill()

    timer = threading.Timer(limit_s, stop)
    timer.daemon = True
    timer.start()
    return timer
