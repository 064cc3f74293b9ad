"""Any CDK app, not only Slipway's: its function runs from its own asset on its own runtime."""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "rest_app"
SLIPWAY = Path(sys.executable).with_name("slipway")


def _call(method: str, url: str, body: dict | None = None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.fixture(scope="module")
def app(tmp_path_factory) -> Path:
    copy = tmp_path_factory.mktemp("app") / "rest_app"
    shutil.copytree(FIXTURE, copy)
    return copy


@pytest.fixture(scope="module")
def served_app(app):
    process = subprocess.Popen([str(SLIPWAY), "--project", str(app), "local", "up", "--port", "0"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env={**os.environ})
    printed: list[str] = []
    deadline = time.monotonic() + 240
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        printed.append(line.rstrip("\n"))
        if line.startswith("Ctrl-C stops it."):
            break
    yield printed
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


def test_local_up_lists_what_the_app_has_and_nothing_of_slipways_own(served_app):
    text = "\n".join(served_app)

    assert "Ctrl-C stops it." in text, text
    assert re.search(r"^  API +http://127\.0\.0\.1:\d+/prod ", text, re.M), text  # REST: served under its stage
    assert "ANY /{proxy+}" in text and "-> ApiHandler" in text
    assert re.search(r"^  Table +\S+ +\(ItemsApp/Items", text, re.M)
    assert "predict" not in text and "Stream" not in text


def test_its_python_3_13_function_runs_from_its_own_folder_and_writes_to_dynamodb(served_app):
    """The REST API's proxy integration (payload 1.0) in front of the function:
    https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html"""
    url = re.search(r"^  API +(\S+)", "\n".join(served_app), re.M).group(1)

    created = _call("POST", f"{url}/items", {"id": "a1", "name": "first"})
    found = _call("GET", f"{url}/items/a1")
    missing = _call("GET", f"{url}/items/zz")

    assert created == (201, {"id": "a1", "name": "first"})
    assert found == (200, {"id": "a1", "name": "first", "python": "3.13"})
    assert missing == (404, {"message": "no item zz"})


def test_local_invoke_prints_the_result_alone_on_stdout(app, served_app):
    """Like `aws lambda invoke`'s outfile: the payload only; the one-line summary goes to stderr."""
    event = {"httpMethod": "GET", "path": "/items/none", "body": None}

    result = subprocess.run([str(SLIPWAY), "--project", str(app), "local", "invoke", "ApiHandler", "--event", "-"],
                            input=json.dumps(event), capture_output=True, text=True, timeout=240)

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"statusCode": 404, "body": json.dumps({"message": "no item none"})}
    assert "ok" in result.stderr.splitlines()[-1]
