"""`slipway local report`: what Slipway does per resource type comes from the backend's adapter."""
from __future__ import annotations

import json

import pytest

from slipway.local.adapters import LocalStackAdapter, MotoAdapter
from slipway.local.capabilities import (COMPLETED_BY_SLIPWAY, EMULATED, NOT_EMULATED, RUN_BY_SLIPWAY, render_table,
                                        report)

TEMPLATES = {
    "Data": {"Resources": {
        "Stream": {"Type": "AWS::Kinesis::Stream", "Properties": {}},
        "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {}},
        "Queue": {"Type": "AWS::SQS::Queue", "Properties": {}},
    }, "Outputs": {"QueueArn": {"Value": {"Fn::GetAtt": ["Queue", "Arn"]}, "Export": {"Name": "Data:QueueArn"}}}},
    "App": {"Resources": {
        "Fn": {"Type": "AWS::Lambda::Function", "Properties": {}},
        "Route": {"Type": "AWS::ApiGatewayV2::Route", "Properties": {"AuthorizationType": "AWS_IAM"}},
        "Alias": {"Type": "AWS::Lambda::Alias", "Properties": {}},
        "FromQueue": {"Type": "AWS::Lambda::EventSourceMapping",
                      "Properties": {"EventSourceArn": {"Fn::ImportValue": "Data:QueueArn"}}},
        "FromTable": {"Type": "AWS::Lambda::EventSourceMapping",
                      "Properties": {"EventSourceArn": {"Fn::GetAtt": ["Table", "StreamArn"]}}},
        "Table": {"Type": "AWS::DynamoDB::Table", "Properties": {}},
        "Setup": {"Type": "Custom::Setup", "Properties": {}},
        "Made": {"Type": "AWS::Made::Up", "Properties": {}},
    }},
}


def _by_id(rows):
    return {row.logical_id: row for row in rows}


def test_every_resource_is_accounted_for_with_the_status_its_adapter_declares():
    rows = _by_id(report(TEMPLATES, adapter=MotoAdapter()))

    assert len(rows) == 11
    assert rows["Stream"].status == EMULATED
    assert rows["Bucket"].status == COMPLETED_BY_SLIPWAY
    assert (rows["Fn"].status, rows["Alias"].status) == (RUN_BY_SLIPWAY, COMPLETED_BY_SLIPWAY)
    assert rows["Route"].status == RUN_BY_SLIPWAY and "AWS_IAM authorization is not verified" in rows["Route"].detail
    assert rows["FromQueue"].status == RUN_BY_SLIPWAY and rows["FromQueue"].detail.startswith("SQS poller")
    assert (rows["FromTable"].status, rows["FromTable"].detail) == (
        NOT_EMULATED, "only Kinesis and SQS sources are polled locally (this one is AWS::DynamoDB::Table)")
    assert rows["Setup"].status == NOT_EMULATED and "custom resources" in rows["Setup"].detail
    assert (rows["Made"].status, rows["Made"].detail) == (
        NOT_EMULATED, "the backend's CloudFormation has no support for AWS::Made::Up")


def test_the_types_moto_skips_are_exactly_those_its_adapter_reports_as_not_created():
    adapter = MotoAdapter()

    declared_skipped = {kind for kind, entry in adapter.coverage.items() if not entry.created_by_backend}

    assert declared_skipped == adapter.skipped_types
    assert all(entry.status != EMULATED for kind, entry in adapter.coverage.items() if kind in declared_skipped)


def test_another_backend_reports_from_its_own_adapter():
    rows = _by_id(report(TEMPLATES, adapter=LocalStackAdapter()))

    assert rows["Alias"].status == EMULATED  # LocalStack creates aliases itself
    assert rows["Route"].status == RUN_BY_SLIPWAY


def test_the_table_ends_with_the_counts_per_status():
    table = render_table(report(TEMPLATES, adapter=MotoAdapter()))

    assert table.splitlines()[-1] == ("11 resources: 3 emulated, 2 emulated + completed by Slipway, "
                                      "3 run by Slipway, 3 not emulated")


@pytest.mark.infra
def test_slipway_local_report_lists_every_resource_of_the_synthesized_app(assembly, capsys):
    """The command end to end on this project: JSON rows for every resource of every stack."""
    from slipway.cli import main
    from slipway.local.assembly import read_assembly

    expected = {(s.name, lid) for s in read_assembly(assembly) for lid in s.template.get("Resources", {})}

    assert main(["local", "report", "--json"]) == 0

    rows = json.loads(capsys.readouterr().out)
    assert {(r["stack"], r["logical_id"]) for r in rows} == expected
    assert all(r["status"] in (EMULATED, COMPLETED_BY_SLIPWAY, RUN_BY_SLIPWAY, NOT_EMULATED) for r in rows)
    by_type = {r["resource_type"]: r["status"] for r in rows}
    assert by_type["AWS::Lambda::Function"] == RUN_BY_SLIPWAY
    assert by_type["AWS::ApiGatewayV2::Route"] == RUN_BY_SLIPWAY
    assert by_type["AWS::Lambda::EventSourceMapping"] == RUN_BY_SLIPWAY
