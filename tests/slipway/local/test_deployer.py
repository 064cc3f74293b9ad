from __future__ import annotations

import json

import pytest

from slipway.local.assembly import AssemblyError, read_assembly
from slipway.local.adapters import LocalStackAdapter, MotoAdapter, strip_unreadable_outputs


def test_the_assembly_lists_stacks_after_their_dependencies_with_their_assets(assembly):
    stacks = read_assembly(assembly)

    assert [s.name for s in stacks] == ["SlipwayData", "SlipwayInference", "SlipwayTraining"]
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

    notes = strip_unreadable_outputs(template, MotoAdapter.skipped_types)

    assert notes == ["output ApiUrl dropped: it reads a resource the backend does not create"]
    assert "ApiUrl" not in template["Outputs"] and "ApiFunctionName" in template["Outputs"]


def test_for_moto_references_to_an_alias_use_its_function_and_the_alias_is_created_afterwards():
    template = {"Resources": {
        "Fn": {"Type": "AWS::Lambda::Function", "Properties": {}},
        "Live": {"Type": "AWS::Lambda::Alias", "Properties": {"FunctionName": {"Ref": "Fn"}, "Name": "live",
                                                              "FunctionVersion": "1"}},
        "Mapping": {"Type": "AWS::Lambda::EventSourceMapping", "Properties": {"FunctionName": {"Ref": "Live"}}},
    }, "Outputs": {"Alias": {"Value": {"Ref": "Live"}}}}

    notes = MotoAdapter().prepare(template)

    assert template["Resources"]["Mapping"]["Properties"]["FunctionName"] == {"Fn::GetAtt": ["Fn", "Arn"]}
    assert template["Outputs"]["Alias"]["Value"] == {"Fn::GetAtt": ["Fn", "Arn"]}
    assert notes == ["alias Live: references use function Fn; the alias is created after deploy"]


def test_for_localstack_http_api_resources_and_their_dependants_are_left_to_the_local_gateway(assembly):
    template = json.loads((assembly / "SlipwayInference.template.json").read_text())
    kinds_before = {r["Type"] for r in template["Resources"].values()}

    notes = LocalStackAdapter().prepare(template)

    kinds_after = {r["Type"] for r in template["Resources"].values()}
    assert "AWS::ApiGatewayV2::Route" in kinds_before
    assert not any(kind.startswith("AWS::ApiGatewayV2::") for kind in kinds_after)
    assert "AWS::Lambda::Function" in kinds_after
    assert not any("HttpApi" in lid and "Permission" in lid for lid in template["Resources"])
    assert any("served by Slipway's local gateway" in note for note in notes)


@pytest.mark.e2e
def test_for_moto_a_code_bundle_is_published_as_a_placeholder_that_says_why(assembly, tmp_path, clients):
    import io
    import zipfile

    from slipway.local.deployer import Deployer

    stack = read_assembly(assembly)[1]
    [code] = [a for a in stack.assets if a.packaging == "zip"]
    deployer = Deployer(clients.target, adapter=MotoAdapter(), cache_dir=tmp_path)
    deployer.bootstrap([stack])

    deployer.publish(code)

    bucket = code.bucket.replace("${AWS::AccountId}", "123456789012").replace("${AWS::Region}", "us-east-1")
    body = clients("s3").get_object(Bucket=bucket, Key=code.key)["Body"].read()
    names = zipfile.ZipFile(io.BytesIO(body)).namelist()
    assert names == ["SLIPWAY_PLACEHOLDER.txt"]
    assert not list(tmp_path.iterdir())  # nothing was zipped
