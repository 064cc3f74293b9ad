"""Lambda functions run in this process: the deployed configuration, the project's own code.

Each function runs on its own sandbox thread, one invocation at a time, seeing exactly the
environment Lambda would give it (its deployed variables plus the runtime's own) through a
per-thread os.environ, so handlers hold no local-only code. A cold start imports the handler's
package afresh, so
each function, like each Lambda sandbox, has its own module state (cached clients, loaded models)
and shares none with another function or an earlier deployment.
"""
from __future__ import annotations

import asyncio
import importlib
import sys
import threading
import time
import traceback
import uuid
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from slipway.local.environ import function_environment, use_for_this_thread
from slipway.local.faults import FunctionFault, InjectedCrash

_IMPORT_LOCK = threading.Lock()


@dataclass(frozen=True)
class FunctionConfig:
    name: str
    arn: str
    handler: str
    runtime: str
    memory_mb: int
    timeout_s: int
    environment: dict[str, str]

    @classmethod
    def from_api(cls, configuration: dict[str, Any]) -> "FunctionConfig":
        return cls(
            name=configuration["FunctionName"],
            arn=configuration["FunctionArn"],
            handler=configuration["Handler"],
            runtime=configuration.get("Runtime", ""),
            memory_mb=int(configuration.get("MemorySize", 128)),
            timeout_s=int(configuration.get("Timeout", 3)),
            environment=dict(configuration.get("Environment", {}).get("Variables", {})),
        )


@dataclass
class LambdaContext:
    """The attributes of the context object that Lambda's Python runtime passes to a handler."""

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

    @property
    def failed(self) -> bool:
        return self.error_type is not None


def _import_isolated(module_name: str, code_dir: Path) -> Any:
    """Import a handler module with fresh copies of its top-level package's modules.

    The copies stay alive through the handler's globals; sys.modules is left as it was, so the
    next cold start gets copies of its own.
    """
    package = module_name.split(".", 1)[0]

    def owned(name: str) -> bool:
        return name == package or name.startswith(package + ".")

    with _IMPORT_LOCK:
        if str(code_dir) not in sys.path:
            sys.path.insert(0, str(code_dir))
        previous = {name: sys.modules.pop(name) for name in list(sys.modules) if owned(name)}
        try:
            return importlib.import_module(module_name)
        finally:
            for name in [name for name in sys.modules if owned(name)]:
                del sys.modules[name]
            sys.modules.update(previous)


class LocalFunction:
    def __init__(self, config: FunctionConfig, *, code_dir: Path, runtime_env: dict[str, str]) -> None:
        self.config = config
        self.code_dir = code_dir
        self._env = {
            **runtime_env,
            "AWS_LAMBDA_FUNCTION_NAME": config.name,
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(config.memory_mb),
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{config.name}",
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{config.runtime}",
            "LAMBDA_TASK_ROOT": str(code_dir),
            **config.environment,
        }
        self._handler: Callable[[Any, Any], Any] | None = None
        self._sandbox = self._new_sandbox()
        self._sandbox_lock = threading.Lock()
        self.cold_starts = 0
        self.faults: list[FunctionFault] = []  # injected crashes, for resilience tests

    def _new_sandbox(self) -> ThreadPoolExecutor:
        # Lambda's runtime calls a handler from one thread, one event at a time, with an event loop
        # available (Mangum relies on it); a single worker thread per function reproduces that.
        env = function_environment(self._env)

        def start_sandbox() -> None:
            asyncio.set_event_loop(asyncio.new_event_loop())
            use_for_this_thread(env)

        return ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"lambda-{self.config.name[:20]}",
                                  initializer=start_sandbox)

    def _load(self) -> Callable[[Any, Any], Any]:
        if self._handler is None:
            self.cold_starts += 1
            module_name, _, attribute = self.config.handler.rpartition(".")
            self._handler = getattr(_import_isolated(module_name, self.code_dir), attribute)
        return self._handler

    def invoke(self, event: Any, *, timeout_s: float | None = None) -> Invocation:
        """Invoke and wait at most the function's timeout (or a shorter caller's limit)."""
        limit = min(self.config.timeout_s, timeout_s) if timeout_s else self.config.timeout_s
        with self._sandbox_lock:
            future = self._sandbox.submit(self._invoke, event)
        try:
            return future.result(timeout=limit)
        except FutureTimeout:
            if limit < self.config.timeout_s:
                raise  # the caller gave up (API Gateway's 30 s), the function runs on
            self._replace_sandbox()
            return Invocation(error_type="Sandbox.Timedout",
                              error_message=f"Task timed out after {self.config.timeout_s:.2f} seconds")

    def _replace_sandbox(self) -> None:
        """Lambda discards a timed-out sandbox; the next invocation is a cold start elsewhere."""
        with self._sandbox_lock:
            self._sandbox.shutdown(wait=False, cancel_futures=False)
            self._sandbox = self._new_sandbox()
            self._handler = None

    def _crash_if_injected(self, phase: str, event: Any) -> None:
        for fault in self.faults:
            if fault.phase == phase and fault.should_fire(event):
                raise InjectedCrash(f"injected crash {phase} the handler")

    def close(self) -> None:
        self._sandbox.shutdown(wait=True)

    def _invoke(self, event: Any) -> Invocation:
        context = LambdaContext(self.config.name, self.config.arn, self.config.memory_mb, self.config.timeout_s)
        started = time.perf_counter()
        try:
            self._crash_if_injected("before", event)
            payload = self._load()(event, context)
            self._crash_if_injected("after", event)
        except Exception as error:  # a handler's error is data for the caller, as Lambda reports it
            return Invocation(
                error_type=type(error).__name__,
                error_message=str(error),
                stack=tuple(traceback.format_exception(error)),
                duration_ms=(time.perf_counter() - started) * 1000,
                request_id=context.aws_request_id,
            )
        return Invocation(payload=payload, duration_ms=(time.perf_counter() - started) * 1000,
                          request_id=context.aws_request_id)
