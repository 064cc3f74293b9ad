"""What every result file names: the commit measured, the machine, the load it was under."""
from __future__ import annotations

import os
import platform
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def commit() -> str:
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True).stdout.strip()

    head = git("rev-parse", "--short=12", "HEAD") or "unknown"
    # results being written are not changes to the code measured
    dirty = git("status", "--porcelain", "--untracked-files=no", "--", ".", ":(exclude)bench/results")
    return head + (" (with uncommitted changes)" if dirty else "")


def machine() -> str:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor() or "unknown CPU") \
        if Path("/proc/cpuinfo").is_file() else platform.processor()
    return (f"{model}, {os.cpu_count()} CPUs online, {platform.system()} {platform.release()}, "
            f"Python {sys.version.split()[0]}")


def header(command: str) -> str:
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (f"`{command}` at commit {commit()}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
            f"on {machine()}; load average {load}.")


def pin_one_cpu() -> int:
    """Pin this process (and the children it starts) to one CPU, the last it may use."""
    cpu = max(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    return cpu
