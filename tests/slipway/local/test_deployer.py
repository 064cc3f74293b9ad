from __future__ import annotations

import json

import pytest

from slipway.local.assembly import AssemblyError, read_assembly
from slipway.local.deployer import strip_unreadable_outputs
from slipway.local.emulator import MOTO_SKIPS_RESOURCE_TYPES


def test_the_assembly_lists_stacks_after_their_dependencies_with_their_assets(assembly):
    stacks = read_assembly(assembly)

    assert [s.name for s in stacks] == ["SlipwayData", "SlipwayInference"]
    assert stacks[1].dependencies == ("SlipwayData",)
    code = [a for a in stacks[1].assets if a.packaging == "zip"]
    assert len(code) == 1 and (code[0].source / "slipway_serving" / "handlers" / "http.py").is_file()
    assert code[0].bucket == "cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}"
    assert stacks[0].bootstrap_parameter == "/cdk-bootstrap/hnb659fds/version"


def test_a_directory_that_is_not_an_assembly_is_named_in_the_error(tmp_path):
    with pytest.raises(AssemblyError, match=f"{tmp_path} is not a cloud assembly"):
        read_assembly(tmp_path)


def test_outputs_reading_resources_the_backend_skips_are_dropped_and_reported(assembly):
    template = json.loads((assembly / "SlipwayInference.template.json").read_text())

    notes = strip_unreadable_outputs(template, MOTO_SKIPS_RESOURCE_TYPES)

    assert notes == ["output ApiUrl dropped: it reads a resource the backend does not create"]
    assert "ApiUrl" not in template["Outputs"] and "ApiFunctionName" in template["Outputs"]
