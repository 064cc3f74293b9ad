"""Lambda functions as Lambda runs them: the deployed bundle in sandbox processes, a pool per function.

A function invoked while all its sandboxes are busy gets a new sandbox (a cold start), up to its
reserved concurrency or the local cap; beyond that the caller waits for a free one. Module state
lives per sandbox, as in AWS, so state a handler keeps is seen only by the invocations that land on
the same sandbox. A sandbox that timed out, ran out of memory or crashed is discarded; the next
invocation that needs it starts a fresh one.
"""
from __future__ import annotations

import os
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import orjson

from slipway.local.faults import FunctionFault
from slipway.local.lambda_logs import LogShipper
from slipway.local.runtimes import PythonRuntime, RuntimeUnavailable, python_runtime
from slipway.local.sandbox import Outcome, Sandbox, SandboxSpec

# Lambda's synchronous invocation payload quota (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html)
MAX_PAYLOAD_BYTES = 6 * 1024 * 1024
DEFAULT_LOCAL_CAP = 4  # sandboxes per function; SLIPWAY_LOCAL_CONCURRENCY changes it


def local_cap() -> int:
    return max(1, int(os.environ.get("SLIPWAY_LOCAL_CONCURRENCY", DEFAULT_LOCAL_CAP)))


@dataclass(frozen=True)
class FunctionConfig:
    name: str
    arn: str
    handler: str
    runtime: str
    memory_mb: int
    timeout_s: int
    environment: dict[str, str]
    architecture: str = "x86_64"
    log_group: str = ""
    reserved_concurrency: int | None = None

    @classmethod
    def from_api(cls, configuration: dict[str, Any], *, reserved_concurrency: int | None = None) -> "FunctionConfig":
        return cls(
            name=configuration["FunctionName"],
            arn=configuration["FunctionArn"],
            handler=configuration["Handler"],
            runtime=configuration.get("Runtime", ""),
            memory_mb=int(configuration.get("MemorySize", 128)),
            timeout_s=int(configuration.get("Timeout", 3)),
            environment=dict(configuration.get("Environment", {}).get("Variables", {})),
            architecture=(configuration.get("Architectures") or ["x86_64"])[0],
            log_group=(configuration.get("LoggingConfig") or {}).get("LogGroup")
            or f"/aws/lambda/{configuration['FunctionName']}",
            reserved_concurrency=reserved_concurrency,
        )


@dataclass
class LambdaContext:
    """The context object for calling a handler directly in a test (slipway.events.lambda_context);
    sandboxes get the real one from awslambdaric."""

    function_name: str
    invoked_function_arn: str
    memory_limit_in_mb: int
    timeout_s: int
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    log_group_name: str = ""
    log_stream_name: str = ""

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.timeout_s
        self.log_group_name = self.log_group_name or f"/aws/lambda/{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


@dataclass(frozen=True)
class Invocation:
    """What Lambda reports back: the payload, or the error type/message with FunctionError set."""

    payload: Any = None
    error_type: str | None = None
    error_message: str | None = None
    stack: tuple[str, ...] = ()
    duration_ms: float = 0.0
    request_id: str = ""
    init_duration_ms: float | None = None  # set on a cold start

    @property
    def failed(self) -> bool:
        return self.error_type is not None

    @classmethod
    def from_outcome(cls, outcome: Outcome) -> "Invocation":
        if outcome.error_type is not None:
            return cls(error_type=outcome.error_type, error_message=outcome.error_message, stack=outcome.stack,
                       duration_ms=outcome.duration_ms, request_id=outcome.request_id,
                       init_duration_ms=outcome.init_duration_ms)
        return cls(payload=outcome.payload(), duration_ms=outcome.duration_ms, request_id=outcome.request_id,
                   init_duration_ms=outcome.init_duration_ms)


Observer = Callable[[str, Invocation], None]


def _cannot_run(config: FunctionConfig) -> str | None:
    machine = os.uname().machine
    if config.architecture == "arm64" and machine not in ("aarch64", "arm64"):
        return (f"{config.name} is built for arm64 (Architectures: arm64); its bundle's native wheels cannot run "
                f"on this {machine} machine. Deploy it as x86_64 to test it locally.")
    return None


class LocalFunction:
    """Thread-safe: concurrent callers run in different sandboxes."""

    def __init__(self, config: FunctionConfig, *, task_root: Path, target_environment: dict[str, str],
                 work_dir: Path, logs: LogShipper | None = None, max_sandboxes: int | None = None,
                 runtime: PythonRuntime | None = None) -> None:
        self.config = config
        self.task_root = task_root
        self.logs = logs or LogShipper()
        caps = [c for c in (config.reserved_concurrency, max_sandboxes or local_cap()) if c is not None]
        self.max_sandboxes = max(1, min(caps))
        self.problem = _cannot_run(config)
        self._runtime = runtime
        self._target_environment = target_environment
        self._work_dir = work_dir
        self._spec: SandboxSpec | None = None
        self._idle: list[Sandbox] = []
        self._all: set[Sandbox] = set()
        self._slots = threading.Condition()
        self._closed = False
        self.cold_starts = 0
        self.peak_sandboxes = 0  # the most that ran at once
        self.faults: list[FunctionFault] = []  # injected crashes (real SIGKILLs), for resilience tests
        self.observers: list[Observer] = []

    def spec(self) -> SandboxSpec:
        """Resolves the runtime (and builds its packages once); raises RuntimeUnavailable."""
        if self._spec is None:
            runtime = self._runtime or python_runtime(self.config.runtime)
            self._spec = SandboxSpec(
                function_name=self.config.name, function_arn=self.config.arn, handler=self.config.handler,
                runtime=runtime, memory_mb=self.config.memory_mb, task_root=self.task_root,
                log_group=self.config.log_group or f"/aws/lambda/{self.config.name}",
                deployed_environment=self.config.environment, target_environment=self._target_environment,
                work_dir=self._work_dir / self.config.name[:40])
        return self._spec

    @property
    def sandboxes(self) -> int:
        return len(self._all)

    def invoke(self, event: Any, *, timeout_s: float | None = None, qualifier: str | None = None) -> Invocation:
        """Invoke and wait at most the function's timeout; a shorter caller's limit raises TimeoutError
        when it passes (the function runs on, as behind API Gateway's integration timeout). A qualifier
        (an alias such as "live") appears in the context's invoked_function_arn, as in AWS."""
        invocation = self._invoke(event, timeout_s, f"{self.config.arn}:{qualifier}" if qualifier else self.config.arn)
        for observer in self.observers:
            observer(self.config.name, invocation)
        return invocation

    def _invoke(self, event: Any, timeout_s: float | None, invoked_arn: str) -> Invocation:
        if self.problem:
            return Invocation(error_type="Slipway.CannotRunLocally", error_message=self.problem)
        payload = orjson.dumps(event)
        if len(payload) > MAX_PAYLOAD_BYTES:
            return Invocation(error_type="RequestEntityTooLargeException",
                              error_message=f"Request must be smaller than {MAX_PAYLOAD_BYTES} bytes for the "
                                            "InvokeFunction operation")
        try:
            self.spec()
        except RuntimeUnavailable as error:
            return Invocation(error_type="Slipway.RuntimeUnavailable", error_message=str(error))
        crash = next((f.phase for f in self.faults if f.should_fire(event)), None)
        if timeout_s is not None and timeout_s < self.config.timeout_s:
            return self._with_caller_limit(payload, crash, timeout_s, invoked_arn)
        return self._run(payload, crash, invoked_arn)

    def _with_caller_limit(self, payload: bytes, crash: str | None, limit_s: float, invoked_arn: str) -> Invocation:
        done: list[Invocation] = []
        finished = threading.Event()

        def run() -> None:
            done.append(self._run(payload, crash, invoked_arn))
            finished.set()

        threading.Thread(target=run, name=f"invoke-{self.config.name[:20]}", daemon=True).start()
        if not finished.wait(limit_s):
            raise TimeoutError(f"{self.config.name} did not answer within {limit_s} s")
        return done[0]

    def _run(self, payload: bytes, crash: str | None, invoked_arn: str) -> Invocation:
        sandbox = self._acquire()
        try:
            outcome = sandbox.invoke(payload, timeout_s=self.config.timeout_s, crash=crash, invoked_arn=invoked_arn)
        finally:
            self._release(sandbox)
        return Invocation.from_outcome(outcome)

    def _acquire(self) -> Sandbox:
        with self._slots:
            while True:
                while not self._idle and len(self._all) >= self.max_sandboxes:
                    self._slots.wait()
                if not self._idle:
                    break
                sandbox = self._idle.pop()  # the most recently used: the warmest
                if sandbox.running():
                    return sandbox
                self._all.discard(sandbox)  # its process died while idle (a background thread's crash)
                sandbox.close()
            sandbox = Sandbox(self.spec(), self.logs)
            self._all.add(sandbox)
            self.peak_sandboxes = max(self.peak_sandboxes, len(self._all))
        self.cold_starts += 1
        try:
            return sandbox.start()
        except BaseException:
            self._release(sandbox, discard=True)
            raise

    def _release(self, sandbox: Sandbox, *, discard: bool = False) -> None:
        keep = sandbox.alive and not discard and not self._closed
        with self._slots:
            if keep:
                self._idle.append(sandbox)
            else:
                self._all.discard(sandbox)
            self._slots.notify()
        if not keep:
            sandbox.close()

    def close(self) -> None:
        with self._slots:
            self._closed = True
            sandboxes, self._idle = list(self._all), []
            self._all.clear()
        for sandbox in sandboxes:
            sandbox.close()
