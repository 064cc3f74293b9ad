from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from stacks.config import ConfigError, SlipwayConfig, knob_names
from tests.conftest import REPO

CDK_JSON = json.loads((REPO / "cdk.json").read_text())["context"]
DEFAULTS = {key: value for key, value in CDK_JSON.items() if not key.startswith("@aws-cdk/")}


def test_given_cdk_json_when_compared_with_the_config_then_every_knob_has_a_default_and_no_default_is_unread():
    assert sorted(DEFAULTS) == sorted(knob_names())


def test_given_cdk_json_defaults_when_parsed_then_every_knob_is_typed():
    config = SlipwayConfig.from_mapping(DEFAULTS)

    assert config.batch_size == 100
    assert config.bundle_dependencies is True
    assert config.jwt_audience == ()
    assert config.promotion_tolerance == 0.0
    assert config.pointer_key == "pointers/model.json"
    assert config.python_version == "3.12"
    assert config.alias_name == "live"


def test_given_cli_strings_when_parsed_then_they_are_coerced():
    config = SlipwayConfig.from_mapping({**DEFAULTS, "batch_size": "50", "bundle_dependencies": "false",
                                         "promotion_tolerance": "0.01", "log_retention_days": "90"})

    assert (config.batch_size, config.bundle_dependencies) == (50, False)
    assert (config.promotion_tolerance, config.log_retention_days) == (0.01, 90)


def test_given_jwt_auth_when_audiences_come_as_a_comma_separated_string_then_they_become_a_tuple():
    config = SlipwayConfig.from_mapping({**DEFAULTS, "api_auth": "jwt", "jwt_issuer": "https://auth.example.com/",
                                         "jwt_audience": "slipway, ops"})

    assert config.jwt_audience == ("slipway", "ops")


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("batch_size", 0, "cdk.json context 'batch_size': got 0; expected an integer from 1 to 10000"),
        ("batch_size", "ten", "cdk.json context 'batch_size': got 'ten'; expected an integer from 1 to 10000"),
        ("batch_size", True, "cdk.json context 'batch_size': got True; expected an integer from 1 to 10000"),
        ("api_auth", "open", "cdk.json context 'api_auth': got 'open'; allowed values are iam, jwt, none"),
        ("lambda_runtime", "python3.11",
         "cdk.json context 'lambda_runtime': got 'python3.11'; allowed values are python3.12, python3.13, python3.14"),
        ("bundle_dependencies", "yes", "cdk.json context 'bundle_dependencies': got 'yes'; allowed values are true, false"),
        ("model_name", "My Model", "cdk.json context 'model_name': got 'My Model'; use 1-63 lowercase"),
        ("api_cold_start", "warm",
         "cdk.json context 'api_cold_start': got 'warm'; allowed values are none, provisioned, snapstart"),
        ("log_retention_days", 10, "cdk.json context 'log_retention_days': got 10; allowed values are 1, 3, 5, 7, 14"),
        ("training_instance_type", "ml.m5.xlarge",
         "cdk.json context 'training_instance_type': got 'ml.m5.xlarge'; allowed values are ml.g4dn.xlarge"),
        ("jwt_issuer", "http://auth.example.com", "cdk.json context 'jwt_issuer': got 'http://auth.example.com'; "
                                                  "expected an https:// URL"),
        ("jwt_audience", [1], "cdk.json context 'jwt_audience': got [1]; expected a list of strings"),
        ("alarm_email", "ops", "cdk.json context 'alarm_email': got 'ops'; expected an e-mail address"),
        ("promotion_tolerance", -0.1, "cdk.json context 'promotion_tolerance': got -0.1; expected a number from 0"),
        ("training_job_spec", "../spec.yaml", "cdk.json context 'training_job_spec': got '../spec.yaml'; "
                                              "expected a path relative to the project root"),
        ("batch_files_per_invocation", 11,
         "cdk.json context 'batch_files_per_invocation': got 11; expected an integer from 1 to 10"),
    ],
)
def test_given_a_bad_value_when_parsed_then_the_error_names_the_key_and_the_allowed_values(key, value, message):
    with pytest.raises(ConfigError) as error:
        SlipwayConfig.from_mapping({**DEFAULTS, key: value})

    assert error.value.key == key
    assert str(error.value).startswith(message)


@pytest.mark.parametrize(
    ("overrides", "key", "message"),
    [
        ({"api_auth": "jwt"}, "jwt_issuer", "is required when api_auth is jwt"),
        ({"api_auth": "jwt", "jwt_issuer": "https://auth.example.com/"}, "jwt_audience",
         "is required when api_auth is jwt"),
    ],
)
def test_given_jwt_auth_without_its_settings_when_parsed_then_the_missing_key_is_named(overrides, key, message):
    with pytest.raises(ConfigError) as error:
        SlipwayConfig.from_mapping({**DEFAULTS, **overrides})

    assert error.value.key == key
    assert message in str(error.value)


def test_given_a_missing_key_when_parsed_then_the_error_says_where_to_set_it():
    context = {k: v for k, v in DEFAULTS.items() if k != "stream_shards"}

    with pytest.raises(ConfigError, match="'stream_shards': is missing; set it in cdk.json or with -c"):
        SlipwayConfig.from_mapping(context)


def test_given_a_bad_context_value_when_the_app_synthesizes_then_it_fails_naming_the_key():
    context = json.dumps({**CDK_JSON, "retry_attempts": -1})
    env = {**os.environ, "CDK_CONTEXT_JSON": context, "CDK_OUTDIR": "/nonexistent/never-written",
           "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}

    result = subprocess.run([sys.executable, "app.py"], cwd=REPO, env=env, capture_output=True, text=True)

    assert result.returncode != 0
    assert "ConfigError: cdk.json context 'retry_attempts': got -1; expected an integer from 0 to 10000" in result.stderr


@pytest.mark.parametrize("document", ["README.md", "docs/operations.md"])
def test_every_knob_is_documented_with_its_default(document):
    text = (REPO / document).read_text()

    undocumented = [key for key in knob_names() if f"`{key}`" not in text]
    assert undocumented == []
