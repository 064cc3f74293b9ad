"""The one walker of CloudFormation references (routes, adapters, the report and the checks use it)."""
from __future__ import annotations

from slipway.local.intrinsics import (dependencies, referenced_resource, references, refers_to, replace_refs,
                                      target)

INTEGRATION_URI = {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":apigateway:", {"Ref": "AWS::Region"},
                                     ":lambda:path/2015-03-31/functions/", {"Fn::GetAtt": ["Fn", "Arn"]},
                                     "/invocations"]]}


def test_references_are_found_through_joins_subs_and_nesting_in_order():
    value = {"A": [{"Ref": "Bucket"}, {"Fn::Sub": ["${Queue.Arn}/${Suffix}", {"Suffix": {"Ref": "Param"}}]}],
             "B": {"Fn::GetAtt": "Stream.Arn"}}

    assert list(references(value)) == ["Bucket", "Queue", "Param", "Stream"]


def test_the_target_of_a_cdk_integration_uri_is_the_function_not_a_pseudo_parameter():
    assert target(INTEGRATION_URI) == "Fn"
    assert target("integrations/abc") is None


def test_dependencies_include_depends_on_and_refers_to_ignores_plain_strings():
    resource = {"Properties": {"Role": {"Fn::GetAtt": ["Role", "Arn"]}, "Name": "Role"}, "DependsOn": "Policy"}

    assert dependencies(resource) == {"Role", "Policy"}
    assert not refers_to({"Name": "Role"}, {"Role"})


def test_replacing_a_ref_leaves_everything_else():
    value = {"FunctionName": {"Ref": "Alias"}, "Other": {"Ref": "Keep"}}

    assert replace_refs(value, {"Alias": {"Fn::GetAtt": ["Fn", "Arn"]}}) == {
        "FunctionName": {"Fn::GetAtt": ["Fn", "Arn"]}, "Other": {"Ref": "Keep"}}


def test_an_import_value_is_followed_to_the_exporting_stack():
    templates = {
        "Data": {"Resources": {"Queue": {"Type": "AWS::SQS::Queue"}},
                 "Outputs": {"Arn": {"Value": {"Fn::GetAtt": ["Queue", "Arn"]}, "Export": {"Name": "Data:QueueArn"}}}},
        "App": {"Resources": {}},
    }

    assert referenced_resource({"Fn::ImportValue": "Data:QueueArn"}, "App", templates) == ("Data", "Queue")
    assert referenced_resource({"Fn::ImportValue": "Nope"}, "App", templates) is None
