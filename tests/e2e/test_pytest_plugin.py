"""The plugin as a user meets it: their own test file, run by pytest, against this project."""
from __future__ import annotations

import textwrap

import pytest

from tests.conftest import REPO

pytest_plugins = ["pytester"]

USER_TESTS = textwrap.dedent('''
    def test_health_answers_with_the_promoted_version(slipway_stack, slipway_model):
        status, body = slipway_stack.get("/health")
        assert status == 200
        assert body["model_version"] == slipway_model.version

    def test_the_handler_takes_a_recorded_event_shape(slipway_stack, slipway_model, slipway_events):
        event = slipway_events.http_api_event("GET", "/model")
        result = slipway_stack.function("ApiFunction").invoke(event)
        assert result.payload["statusCode"] == 200

    def test_outputs_name_the_deployed_resources(slipway_stack):
        assert slipway_stack.output("InputStreamName")
''')


def test_a_users_tests_run_against_the_local_stack_with_the_plugins_fixtures(pytester, demo_report):
    pytester.makepyfile(test_user=USER_TESTS)

    result = pytester.runpytest_subprocess(
        f"--slipway-project={REPO}", f"--slipway-model={demo_report.training.model_artifact}",
        "-p", "no:cacheprovider", "-o", "addopts=", "-q")

    result.assert_outcomes(passed=3)


def test_without_a_model_the_model_fixture_skips_with_the_reason(pytester):
    pytester.makepyfile(test_user="def test_needs_model(slipway_model):\n    pass\n")

    result = pytester.runpytest_subprocess(f"--slipway-project={REPO}", "-o", "addopts=", "-rs", "-q")

    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*no --slipway-model given*"])
