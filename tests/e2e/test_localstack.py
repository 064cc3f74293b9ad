"""Opt-in: the same template on a LocalStack the developer runs (`pytest -m localstack`)."""
from __future__ import annotations

import pytest

from slipway.local.backends import BackendUnavailable, LocalStackBackend
from slipway.local.stack import deploy_local
from tests.conftest import REPO

pytestmark = pytest.mark.localstack


@pytest.fixture(scope="module")
def localstack():
    try:
        LocalStackBackend().start()
    except BackendUnavailable as error:
        pytest.skip(str(error))
    with deploy_local(REPO, target="localstack") as deployment:
        yield deployment


def test_the_template_deploys_and_the_functions_are_served_here(localstack):
    assert localstack.api_url.startswith("http://127.0.0.1:")
    assert localstack.output("InputStreamName")
    assert any("ApiFunction" in key for key in localstack.functions)
    assert any("ScorerFunction" in key for key in localstack.functions)


def test_the_mappings_are_polled_by_slipway_not_by_localstack(localstack):
    mappings = localstack.clients("lambda").list_event_source_mappings()["EventSourceMappings"]

    assert mappings and all(m["State"] in ("Disabled", "Disabling") for m in mappings)
    assert localstack.pollers
