from __future__ import annotations

import os
import textwrap

import pytest

from slipway.local.functions import FunctionConfig, LocalFunction


@pytest.fixture
def code_dir(tmp_path):
    package = tmp_path / "fnpkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "handler.py").write_text(textwrap.dedent("""
        import asyncio, os
        COLD_STARTS = []
        def handler(event, context):
            COLD_STARTS.append(1)
            asyncio.get_event_loop()  # Lambda's runtime thread has one; Mangum needs it
            if event.get("fail"):
                raise ValueError("asked to fail")
            return {"invocations": len(COLD_STARTS), "setting": os.environ.get("SETTING"),
                    "host_secret": os.environ.get("AWS_SECRET_ACCESS_KEY"),
                    "name": context.function_name, "remaining": context.get_remaining_time_in_millis()}
    """))
    return tmp_path


def _function(code_dir, name: str, setting: str) -> LocalFunction:
    config = FunctionConfig(name=name, arn=f"arn:aws:lambda:us-east-1:123456789012:function:{name}",
                            handler="fnpkg.handler.handler", runtime="python3.12", memory_mb=128, timeout_s=3,
                            environment={"SETTING": setting})
    return LocalFunction(config, code_dir=code_dir, runtime_env={"AWS_REGION": "us-east-1"})


def test_each_function_has_its_own_module_state_and_its_own_environment(code_dir, monkeypatch):
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "the-developers-own")
    first, second = _function(code_dir, "first", "one"), _function(code_dir, "second", "two")

    results = [first.invoke({}).payload, first.invoke({}).payload, second.invoke({}).payload]

    assert [(r["invocations"], r["setting"], r["name"]) for r in results] == [
        (1, "one", "first"), (2, "one", "first"), (1, "two", "second")]
    assert {r["host_secret"] for r in results} == {None}
    assert 0 < results[0]["remaining"] <= 3000
    assert os.environ["AWS_SECRET_ACCESS_KEY"] == "the-developers-own"
    assert "SETTING" not in os.environ


def test_a_handler_error_is_reported_as_data_like_lambdas_function_error(code_dir):
    result = _function(code_dir, "failing", "x").invoke({"fail": True})

    assert (result.failed, result.error_type, result.error_message) == (True, "ValueError", "asked to fail")
    assert any("asked to fail" in line for line in result.stack)


def test_a_function_running_past_its_timeout_fails_and_its_sandbox_is_replaced(code_dir):
    (code_dir / "fnpkg" / "slow.py").write_text(
        "import time\nSTARTS = []\n"
        "def handler(event, context):\n"
        "    STARTS.append(1)\n"
        "    time.sleep(event['sleep'])\n"
        "    return len(STARTS)\n")
    config = FunctionConfig(name="slow", arn="arn:aws:lambda:us-east-1:123456789012:function:slow",
                            handler="fnpkg.slow.handler", runtime="python3.12", memory_mb=128, timeout_s=1,
                            environment={})
    function = LocalFunction(config, code_dir=code_dir, runtime_env={})

    timed_out = function.invoke({"sleep": 1.5})
    after = function.invoke({"sleep": 0})

    assert (timed_out.error_type, timed_out.error_message) == ("Sandbox.Timedout", "Task timed out after 1.00 seconds")
    assert after.payload == 1  # a fresh sandbox: a cold start with its own module state
    assert function.cold_starts == 2


def test_two_functions_run_at_the_same_time_each_in_its_own_environment(code_dir):
    import threading

    (code_dir / "fnpkg" / "wait.py").write_text(
        "import os, threading\nBARRIER = None\n"
        "def handler(event, context):\n"
        "    event['barrier'].wait(timeout=5)\n"
        "    return os.environ['SETTING']\n")
    barrier = threading.Barrier(2)
    functions = []
    for name, setting in (("a", "A"), ("b", "B")):
        config = FunctionConfig(name=name, arn=f"arn:aws:lambda:us-east-1:123456789012:function:{name}",
                                handler="fnpkg.wait.handler", runtime="python3.12", memory_mb=128, timeout_s=5,
                                environment={"SETTING": setting})
        functions.append(LocalFunction(config, code_dir=code_dir, runtime_env={}))
    results = {}
    threads = [threading.Thread(target=lambda f=f: results.setdefault(f.config.name, f.invoke({"barrier": barrier})))
               for f in functions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert {name: r.payload for name, r in results.items()} == {"a": "A", "b": "B"}
