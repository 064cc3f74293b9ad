"""Functions in sandbox processes: AWS's runtime interface client on the runtime's Python, the asset as
task root, Lambda's limits. Each test builds a tiny asset; the runtime's packages are built once
(~/.cache/slipway/lambda-runtimes) and shared."""
from __future__ import annotations

import os
import textwrap
import threading

import pytest

from slipway.local.faults import FunctionFault
from slipway.local.functions import MAX_PAYLOAD_BYTES, FunctionConfig, LocalFunction
from slipway.local.lambda_logs import LogShipper

HANDLER = """
import datetime, os, time
INVOCATIONS = []
def handler(event, context):
    INVOCATIONS.append(1)
    print("handling", len(INVOCATIONS))
    time.sleep(event.get("sleep", 0))
    if event.get("fail"):
        raise ValueError("asked to fail")
    if event.get("datetime"):
        return {"at": datetime.datetime(2026, 1, 1)}
    if event.get("allocate_mb"):
        hoard = bytearray(event["allocate_mb"] * 1024 * 1024)
        time.sleep(2)
    return {"invocations": len(INVOCATIONS), "pid": os.getpid(), "setting": os.environ.get("SETTING"),
            "region": os.environ.get("AWS_REGION"), "host_secret": os.environ.get("HOST_ONLY_SECRET"),
            "memory": context.memory_limit_in_mb, "arn": context.invoked_function_arn,
            "remaining": context.get_remaining_time_in_millis(), "task_root": os.environ["LAMBDA_TASK_ROOT"],
            "cwd": os.getcwd()}
"""


@pytest.fixture
def asset(tmp_path):
    root = tmp_path / "asset"
    (root / "fnpkg").mkdir(parents=True)
    (root / "fnpkg" / "__init__.py").write_text("")
    (root / "fnpkg" / "handler.py").write_text(textwrap.dedent(HANDLER))
    return root


def _function(asset, tmp_path, *, name="fn", handler="fnpkg.handler.handler", timeout_s=3, memory_mb=128,
              environment=None, runtime="python3.12", architecture="x86_64", logs=None, max_sandboxes=None):
    config = FunctionConfig(name=name, arn=f"arn:aws:lambda:us-east-1:123456789012:function:{name}", handler=handler,
                            runtime=runtime, memory_mb=memory_mb, timeout_s=timeout_s,
                            environment=environment or {}, architecture=architecture)
    return LocalFunction(config, task_root=asset, target_environment={"AWS_REGION": "us-east-1"},
                         work_dir=tmp_path / "sandboxes", logs=logs, max_sandboxes=max_sandboxes)


@pytest.fixture
def function(asset, tmp_path):
    created = []

    def make(**kwargs):
        created.append(_function(asset, tmp_path, **kwargs))
        return created[-1]

    yield make
    for f in created:
        f.close()


def test_a_sandbox_sees_the_deployed_environment_under_lambdas_reserved_variables_and_nothing_of_the_host(
        function, asset, monkeypatch):
    """Reserved keys cannot be set by a function's configuration:
    https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime"""
    monkeypatch.setenv("HOST_ONLY_SECRET", "the-developers-own")
    fn = function(environment={"SETTING": "one", "AWS_REGION": "eu-west-1"})

    first, second = fn.invoke({}), fn.invoke({})

    assert (first.payload["invocations"], second.payload["invocations"]) == (1, 2)
    assert first.payload["pid"] == second.payload["pid"] != os.getpid()
    assert (first.payload["setting"], first.payload["region"], first.payload["host_secret"]) == ("one", "us-east-1", None)
    assert first.payload["memory"] == "128"  # awslambdaric types it as a string, as in AWS
    assert first.payload["arn"] == "arn:aws:lambda:us-east-1:123456789012:function:fn"
    assert first.payload["task_root"] == first.payload["cwd"] == str(asset)
    assert 0 < first.payload["remaining"] <= 3000
    assert first.init_duration_ms is not None and second.init_duration_ms is None


def test_a_handler_error_is_reported_as_lambdas_error_payload(function):
    result = function().invoke({"fail": True})

    assert (result.failed, result.error_type, result.error_message) == (True, "ValueError", "asked to fail")
    assert any("asked to fail" in frame for frame in result.stack)


def test_a_datetime_in_the_result_is_a_marshal_error(function):
    """AWS's client serializes with its JSON rules: https://docs.aws.amazon.com/lambda/latest/dg/python-exceptions.html"""
    result = function().invoke({"datetime": True})

    assert result.error_type == "Runtime.MarshalError"
    assert "datetime is not JSON serializable" in result.error_message


def test_a_module_left_out_of_the_bundle_is_an_import_module_error(function, asset, tmp_path):
    """The asset is the task root: a package beside it in the source tree is not importable.
    https://docs.aws.amazon.com/lambda/latest/dg/python-package.html"""
    (tmp_path / "shared_helpers").mkdir()
    (tmp_path / "shared_helpers" / "__init__.py").write_text("VALUE = 1\n")
    (asset / "fnpkg" / "needs_helpers.py").write_text("import shared_helpers\ndef handler(event, context):\n    return 1\n")
    fn = function(handler="fnpkg.needs_helpers.handler")

    result = fn.invoke({})

    assert result.error_type == "Runtime.ImportModuleError"
    assert result.error_message == "Unable to import module 'fnpkg.needs_helpers': No module named 'shared_helpers'"


def test_a_timeout_kills_the_sandbox_and_the_next_invocation_is_a_cold_start(function):
    """https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html"""
    logs = LogShipper()
    fn = function(timeout_s=1, logs=logs)

    timed_out = fn.invoke({"sleep": 5})
    after = fn.invoke({})

    assert (timed_out.error_type, timed_out.error_message) == (
        "Sandbox.Timedout", f"RequestId: {timed_out.request_id} Error: Task timed out after 1.00 seconds")
    assert after.payload["invocations"] == 1 and fn.cold_starts == 2
    reports = [line for line in logs.events("/aws/lambda/fn") if line.startswith("REPORT")]
    assert "Status: timeout" in reports[0]
    assert after.request_id in reports[1] and "Init Duration: " in reports[1]


def test_memory_above_memory_size_ends_the_sandbox_with_lambdas_out_of_memory_error(function):
    """Runtime.OutOfMemory, "Runtime exited with error: signal: killed" (the error type Lambda reports,
    https://github.com/DataDog/datadog-lambda-extension/pull/776)."""
    fn = function(memory_mb=128, timeout_s=10)

    result = fn.invoke({"allocate_mb": 300})

    assert result.error_type == "Runtime.OutOfMemory"
    assert result.error_message.endswith("Error: Runtime exited with error: signal: killed")
    assert fn.invoke({}).payload["invocations"] == 1


def test_a_payload_over_six_megabytes_is_refused(function):
    """Invocation payload quota, 6 MB synchronous:
    https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html"""
    result = function().invoke({"blob": "x" * MAX_PAYLOAD_BYTES})

    assert result.error_type == "RequestEntityTooLargeException"
    assert result.error_message == "Request must be smaller than 6291456 bytes for the InvokeFunction operation"


def test_concurrent_invocations_run_in_separate_sandboxes_each_with_its_own_module_state(function):
    """Module state is per execution environment: https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html"""
    fn = function(max_sandboxes=2)
    results = []
    lock = threading.Lock()

    def call() -> None:
        result = fn.invoke({"sleep": 0.3})
        with lock:
            results.append(result.payload)

    threads = [threading.Thread(target=call) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    by_pid: dict[int, list[int]] = {}
    for payload in results:
        by_pid.setdefault(payload["pid"], []).append(payload["invocations"])
    assert len(results) == 6 and len(by_pid) == 2 == fn.cold_starts
    assert all(sorted(counts) == list(range(1, len(counts) + 1)) for counts in by_pid.values())


def test_an_injected_crash_is_a_real_process_death_reported_as_an_exit_error(function):
    """Runtime.ExitError "Runtime exited with error: signal: killed", as Lambda reports a killed runtime
    (https://github.com/DataBiosphere/azul/issues/3485)."""
    fn = function()
    fn.faults.append(FunctionFault(phase="after", times=1))

    crashed = fn.invoke({})
    after = fn.invoke({})

    assert (crashed.error_type, crashed.error_message) == (
        "Runtime.ExitError", f"RequestId: {crashed.request_id} Error: Runtime exited with error: signal: killed")
    assert after.payload["invocations"] == 1 and fn.cold_starts == 2


def test_a_function_on_a_runtime_the_machine_lacks_fails_with_a_message_naming_it(function):
    result = function(runtime="python3.14").invoke({})

    assert result.error_type == "Slipway.RuntimeUnavailable"
    assert "python3.14" in result.error_message and "Python 3.14" in result.error_message


def test_an_arm64_bundle_is_refused_with_the_reason(function):
    result = function(architecture="arm64").invoke({})

    assert result.error_type == "Slipway.CannotRunLocally"
    assert "arm64" in result.error_message


def test_an_invocation_through_an_alias_carries_the_qualified_arn_in_the_context(function):
    """invoked_function_arn includes the qualifier: https://docs.aws.amazon.com/lambda/latest/dg/python-context.html"""
    result = function().invoke({}, qualifier="live")

    assert result.payload["arn"] == "arn:aws:lambda:us-east-1:123456789012:function:fn:live"
