"""One Lambda sandbox: a child process running AWS's runtime interface client on the function's
runtime Python, its task root the deployed asset, served by its own loopback Runtime API.

The process is started as Lambda's Python base images start it (`python -m awslambdaric
<handler>`, https://github.com/aws/aws-lambda-python-runtime-interface-client README and
awslambdaric/__main__.py), with `-S` so that nothing of the interpreter's own site-packages is
importable: the search path is the task root, then the runtime's packages. A timeout, a memory
overrun or an injected crash ends it with SIGKILL; the pool then starts a fresh one (a cold start).
"""
from __future__ import annotations

import fcntl
import os
import queue
import shutil
import signal
import struct
import subprocess
import termios
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from slipway.local.environ import SandboxPlaces, sandbox_environment
from slipway.local.lambda_logs import LogShipper, end_line, report_line, start_line, stream_name
from slipway.local.runtime_api import Report, RuntimeApi, Work
from slipway.local.runtimes import PythonRuntime


@dataclass(frozen=True)
class SandboxSpec:
    """What every sandbox of one function shares."""

    function_name: str
    function_arn: str
    handler: str
    runtime: PythonRuntime
    memory_mb: int
    task_root: Path
    log_group: str
    deployed_environment: dict[str, str]
    target_environment: dict[str, str]
    work_dir: Path  # private directories of the sandboxes go under it


@dataclass(frozen=True)
class Outcome:
    """One invocation as the runtime ended it; error_type set when it failed."""

    request_id: str
    body: bytes = b""
    error_type: str | None = None
    error_message: str | None = None
    stack: tuple[str, ...] = ()
    duration_ms: float = 0.0
    init_duration_ms: float | None = None

    def payload(self) -> Any:
        return orjson.loads(self.body) if self.body else None


def _status_kib(pid: int, field: str) -> int:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


class MemoryWatchdog:
    """Kills a sandbox whose resident set passes its MemorySize.

    cgroup v2's memory.max would let the kernel do it; this machine's cgroups are v1 and not
    delegated, so one thread samples VmRSS of every sandbox every 20 ms. A spike shorter than that
    can pass unseen; the report says "RSS watchdog".
    """

    mechanism = "RSS watchdog (VmRSS sampled every 20 ms)"

    def __init__(self, interval_s: float = 0.02) -> None:
        self._watched: dict[int, tuple[int, "Sandbox"]] = {}
        self._lock = threading.Lock()
        self._interval_s = interval_s
        self._thread: threading.Thread | None = None

    def watch(self, sandbox: "Sandbox", pid: int, limit_mb: int) -> None:
        with self._lock:
            self._watched[pid] = (limit_mb * 1024, sandbox)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="sandbox-memory", daemon=True)
                self._thread.start()

    def forget(self, pid: int) -> None:
        with self._lock:
            self._watched.pop(pid, None)

    def _run(self) -> None:
        while True:
            time.sleep(self._interval_s)
            with self._lock:
                watched = list(self._watched.items())
            for pid, (limit_kib, sandbox) in watched:
                if _status_kib(pid, "VmRSS") > limit_kib:
                    self.forget(pid)
                    sandbox.kill(out_of_memory=True)


WATCHDOG = MemoryWatchdog()


class Sandbox:
    def __init__(self, spec: SandboxSpec, logs: LogShipper) -> None:
        self.spec = spec
        self.logs = logs
        self.stream = stream_name()
        self.home = Path(spec.work_dir) / uuid.uuid4().hex[:12]
        self._reports: queue.Queue[Report] = queue.Queue()
        self._ready = threading.Event()  # the runtime asked for its first invocation
        self._spawned = 0.0
        self.init_duration_ms: float | None = None
        self._init_reported = False
        self.out_of_memory = False
        self.alive = False
        self._process: subprocess.Popen[bytes] | None = None
        self._output = threading.Lock()  # held while the process's output is written to the stream
        self.api: RuntimeApi | None = None

    def start(self) -> "Sandbox":
        tmp = self.home / "tmp"
        tmp.mkdir(parents=True)
        self.api = RuntimeApi(on_report=self._reports.put, on_next=self._on_next)
        places = SandboxPlaces(task_root=self.spec.task_root, runtime_dir=self.spec.runtime.packages,
                               interpreter=self.spec.runtime.interpreter, tmp=tmp)
        env = sandbox_environment(
            deployed=self.spec.deployed_environment, handler=self.spec.handler, function_name=self.spec.function_name,
            memory_mb=self.spec.memory_mb, runtime=self.spec.runtime.name, log_group=self.spec.log_group,
            log_stream=self.stream, runtime_api=self.api.address, places=places,
            target_environment=self.spec.target_environment)
        self._spawned = time.perf_counter()
        # Lambda's working directory is the task root (/var/task).
        self._process = subprocess.Popen(
            [str(self.spec.runtime.interpreter), "-S", "-m", "awslambdaric", self.spec.handler],
            cwd=self.spec.task_root, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, start_new_session=True)
        self.alive = True
        WATCHDOG.watch(self, self._process.pid, self.spec.memory_mb)
        threading.Thread(target=self._pump, name=f"sandbox-out-{self._process.pid}", daemon=True).start()
        return self

    def _on_next(self) -> None:
        if not self._ready.is_set():
            self.init_duration_ms = (time.perf_counter() - self._spawned) * 1000
            self._ready.set()

    def _pump(self) -> None:
        """The process's output, line by line, into its stream; then its exit."""
        assert self._process is not None and self._process.stdout is not None
        fd, partial = self._process.stdout.fileno(), b""
        while chunk := os.read(fd, 65536):
            with self._output:
                *lines, partial = (partial + chunk).split(b"\n")
                for line in lines:
                    self._log(line.decode(errors="replace"))
        if partial:
            self._log(partial.decode(errors="replace"))
        code = self._process.wait()
        self._reports.put(Report("exit", "", b"", str(code)))

    def _drain(self) -> None:
        """Let what the handler printed before it answered reach the stream before END is written."""
        assert self._process is not None and self._process.stdout is not None
        for _ in range(200):
            try:
                unread = struct.unpack("i", fcntl.ioctl(self._process.stdout.fileno(), termios.FIONREAD,
                                                        b"\0\0\0\0"))[0]
            except OSError:
                break
            if not unread:
                break
            time.sleep(0.0005)
        with self._output:
            pass

    def _log(self, line: str) -> None:
        self.logs.emit(self.spec.log_group, self.stream, line)

    def running(self) -> bool:
        return self.alive and self._process is not None and self._process.poll() is None

    def kill(self, *, out_of_memory: bool = False) -> None:
        if out_of_memory:
            self.out_of_memory = True
        self.alive = False
        if self._process is not None and self._process.poll() is None:
            try:
                os.killpg(self._process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def close(self) -> None:
        self.kill()
        if self._process is not None:
            WATCHDOG.forget(self._process.pid)
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        if self.api is not None:
            self.api.close()
        shutil.rmtree(self.home, ignore_errors=True)

    def max_memory_mb(self) -> int:
        if self.out_of_memory:
            return self.spec.memory_mb
        pid = self._process.pid if self._process else 0
        return max(1, round(_status_kib(pid, "VmHWM") / 1024))

    def invoke(self, payload: bytes, *, timeout_s: float, crash: str | None = None,
               invoked_arn: str | None = None) -> Outcome:
        """Run one invocation; crash "before" or "after" the handler ends the process with SIGKILL."""
        assert self.api is not None
        request_id = str(uuid.uuid4())
        deadline = time.time() + timeout_s
        self._log(start_line(request_id))
        started = time.perf_counter()
        self.api.give(Work(request_id, payload, int(deadline * 1000), invoked_arn or self.spec.function_arn))
        if crash == "before":
            self.kill()
        outcome = self._wait(request_id, started, deadline, crash, timeout_s)
        init = None if self._init_reported else self.init_duration_ms
        self._init_reported = True
        max_memory = self.max_memory_mb()
        self._drain()
        if outcome.error_type is not None and outcome.error_type.startswith(("Sandbox.", "Runtime.ExitError",
                                                                              "Runtime.OutOfMemory")):
            self._log(f"{time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())} {request_id} {outcome.error_message}")
        self._log(end_line(request_id))
        status = {"Sandbox.Timedout": "timeout"}.get(outcome.error_type or "", "error" if not self.alive else None)
        self._log(report_line(request_id, duration_ms=outcome.duration_ms, memory_mb=self.spec.memory_mb,
                              max_memory_mb=max_memory, init_duration_ms=init, status=status))
        return Outcome(**{**outcome.__dict__, "init_duration_ms": init})

    def _wait(self, request_id: str, started: float, deadline: float, crash: str | None,
              timeout_s: float) -> Outcome:
        def elapsed() -> float:
            # Duration counts from the end of init, as Lambda's REPORT line does.
            begin = started if self.init_duration_ms is None else max(started, self._spawned
                                                                         + self.init_duration_ms / 1000)
            return (time.perf_counter() - begin) * 1000

        while True:
            try:
                report = self._reports.get(timeout=max(0.0, deadline - time.time()))
            except queue.Empty:
                self.kill()
                return Outcome(request_id, error_type="Sandbox.Timedout", duration_ms=elapsed(),
                               error_message=f"RequestId: {request_id} Error: Task timed out after {timeout_s:.2f} seconds")
            if report.kind == "exit":
                self.alive = False
                if self.out_of_memory:
                    return Outcome(request_id, error_type="Runtime.OutOfMemory", duration_ms=elapsed(),
                                   error_message=f"RequestId: {request_id} Error: Runtime exited with error: "
                                                 "signal: killed")
                code = int(report.error_type)
                reason = f"signal: {signal.Signals(-code).name.removeprefix('SIG').lower()}" if code < 0 \
                    else f"exit status {code}"
                if code == -signal.SIGKILL:
                    reason = "signal: killed"
                return Outcome(request_id, error_type="Runtime.ExitError", duration_ms=elapsed(),
                               error_message=f"RequestId: {request_id} Error: Runtime exited with error: {reason}")
            if report.kind == "init_error":
                self.kill()  # awslambdaric exits after posting it; Lambda discards the sandbox anyway
                return self._error(request_id, report.body, elapsed())
            if report.request_id != request_id:
                continue  # a late answer of an invocation this sandbox gave up on
            if crash == "after":  # the handler's side effects are done; the response is lost
                self.kill()
                continue
            if report.kind == "error":
                return self._error(request_id, report.body, elapsed())
            return Outcome(request_id, body=report.body, duration_ms=elapsed())

    @staticmethod
    def _error(request_id: str, body: bytes, duration_ms: float) -> Outcome:
        try:
            error = orjson.loads(body)
        except orjson.JSONDecodeError:
            error = {"errorType": "Runtime.Unknown", "errorMessage": body.decode(errors="replace")}
        return Outcome(request_id, error_type=error.get("errorType") or "Runtime.Unknown",
                       error_message=error.get("errorMessage", ""), stack=tuple(error.get("stackTrace") or ()),
                       duration_ms=duration_ms)
