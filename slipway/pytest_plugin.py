"""Pytest fixtures for testing your own Slipway app locally (installed as a pytest11 plugin).

    def test_predict(slipway_stack, slipway_model):
        status, body = slipway_stack.post("/predict", {"instances": [...]})
        assert status == 200

    def test_handler(slipway_events):
        event = slipway_events.http_api_event("POST", "/predict", body={"instances": [...]})

Options: --slipway-project DIR (default: the rootdir), --slipway-model PATH (a model.tar.gz the
`slipway_model` fixture promotes), --slipway-target moto|localstack.
"""
from __future__ import annotations

import types
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Iterator

import orjson
import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("slipway")
    group.addoption("--slipway-project", default=None, help="the Slipway project root (app.py, cdk.json)")
    group.addoption("--slipway-model", default=None, help="model.tar.gz for the slipway_model fixture")
    group.addoption("--slipway-target", default="moto", choices=("moto", "localstack"),
                    help="where the local stack's AWS resources run")


class LocalAppClient:
    """The deployed local app, with a small HTTP client for its API."""

    def __init__(self, deployment: Any) -> None:
        self.deployment = deployment
        self.clients = deployment.clients
        self.output = deployment.output
        self.api_url = deployment.api_url if deployment.gateways else None

    def request(self, method: str, path: str, body: Any = None,
                headers: dict[str, str] | None = None) -> tuple[int, Any]:
        data = orjson.dumps(body) if body is not None and not isinstance(body, bytes) else body
        request = urllib.request.Request(f"{self.api_url}{path}", data=data, method=method,
                                         headers={"content-type": "application/json", **(headers or {})})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                raw, status = response.read(), response.status
        except urllib.error.HTTPError as error:
            raw, status = error.read(), error.code
        try:
            return status, orjson.loads(raw) if raw else None
        except orjson.JSONDecodeError:
            return status, raw

    def post(self, path: str, body: Any, **kwargs: Any) -> tuple[int, Any]:
        return self.request("POST", path, body, **kwargs)

    def get(self, path: str, **kwargs: Any) -> tuple[int, Any]:
        return self.request("GET", path, **kwargs)

    def function(self, name: str) -> Any:
        return self.deployment.function(name)


@pytest.fixture(scope="session")
def slipway_project(pytestconfig: pytest.Config) -> Path:
    return Path(pytestconfig.getoption("--slipway-project") or pytestconfig.rootpath).resolve()


@pytest.fixture(scope="session")
def slipway_stack(slipway_project: Path, pytestconfig: pytest.Config) -> Iterator[LocalAppClient]:
    """The project's synthesized app deployed to the embedded emulator, its functions served here."""
    from slipway.local.stack import deploy_local

    with deploy_local(slipway_project, target=pytestconfig.getoption("--slipway-target")) as deployment:
        yield LocalAppClient(deployment)


@pytest.fixture(scope="session")
def slipway_model(slipway_stack: LocalAppClient, pytestconfig: pytest.Config) -> Any:
    """Promotes --slipway-model into the local stack; returns the pointer."""
    from slipway.promote import promote

    path = pytestconfig.getoption("--slipway-model")
    if not path:
        pytest.skip("no --slipway-model given")
    return promote(slipway_stack.clients, bucket=slipway_stack.output("ModelsBucketName"),
                   pointer_key=slipway_stack.output("ModelPointerKey"), tar_path=Path(path))


@pytest.fixture
def slipway_events() -> types.ModuleType:
    """Factories for recorded AWS event shapes: http_api_event, rest_api_event, kinesis_event,
    sqs_event, s3_notification, load_event."""
    from slipway import events

    return events
