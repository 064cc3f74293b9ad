from __future__ import annotations

import json

import pytest

from stacks.config import ConfigError, SlipwayConfig
from tests.conftest import REPO

DEFAULTS = json.loads((REPO / "cdk.json").read_text())["context"]


def test_given_cdk_json_defaults_when_parsed_then_every_knob_is_typed():
    config = SlipwayConfig.from_mapping(DEFAULTS)

    assert config.batch_size == 100
    assert config.bundle_dependencies is True
    assert config.pointer_key == "pointers/model.json"
    assert config.python_version == "3.12"


def test_given_cli_strings_when_parsed_then_they_are_coerced():
    config = SlipwayConfig.from_mapping({**DEFAULTS, "batch_size": "50", "bundle_dependencies": "false"})

    assert (config.batch_size, config.bundle_dependencies) == (50, False)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("batch_size", 0, "cdk.json context 'batch_size': got 0; expected an integer from 1 to 10000"),
        ("batch_size", "ten", "cdk.json context 'batch_size': got 'ten'; expected an integer from 1 to 10000"),
        ("api_auth", "open", "cdk.json context 'api_auth': got 'open'; allowed values are iam, none"),
        ("lambda_runtime", "python3.11",
         "cdk.json context 'lambda_runtime': got 'python3.11'; allowed values are python3.12, python3.13, python3.14"),
        ("bundle_dependencies", "yes", "cdk.json context 'bundle_dependencies': got 'yes'; allowed values are true, false"),
        ("model_name", "My Model", "cdk.json context 'model_name': got 'My Model'; use 1-63 lowercase"),
    ],
)
def test_given_a_bad_value_when_parsed_then_the_error_names_the_key_and_the_allowed_values(key, value, message):
    with pytest.raises(ConfigError) as error:
        SlipwayConfig.from_mapping({**DEFAULTS, key: value})

    assert error.value.key == key
    assert str(error.value).startswith(message)


def test_given_a_missing_key_when_parsed_then_the_error_says_where_to_set_it():
    context = {k: v for k, v in DEFAULTS.items() if k != "stream_shards"}

    with pytest.raises(ConfigError, match="'stream_shards': is missing; set it in cdk.json or with -c"):
        SlipwayConfig.from_mapping(context)
