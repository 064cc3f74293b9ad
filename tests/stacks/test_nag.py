"""cdk-nag's AwsSolutions and Serverless packs run on every synth of the app (compliance_checks);
these tests read what they reported into the assembly's validation-report.json."""
from __future__ import annotations

import pytest

from stacks.constructs.training_pipeline import JobNaming
from stacks.nag import PACKS, acknowledge, flatten_reference

JOB_PREFIX = JobNaming.for_stack("model", "SlipwayTraining").prefix  # unique to the stack

# Every acknowledged finding in the default configuration. A new one must be added here on purpose,
# with its reason in the stacks and in docs/operations.md.
ACKNOWLEDGED = {
    "AwsSolutions::AwsSolutions-L1",
    "AwsSolutions::AwsSolutions-SQS3",
    "AwsSolutions::AwsSolutions-IAM5[Resource::*]",
    "AwsSolutions::AwsSolutions-IAM5[Resource::SlipwayData-ModelsBucketArn/models/*]",
    "AwsSolutions::AwsSolutions-IAM5[Resource::SlipwayData-ResultsBucketArn/results/*]",
    "AwsSolutions::AwsSolutions-IAM5[Resource::SlipwayData-ResultsBucketArn/rejects/*]",
    "AwsSolutions::AwsSolutions-IAM5[Resource::SlipwayData-ResultsBucketArn/predictions/*]",
    "AwsSolutions::AwsSolutions-IAM5[Resource::SlipwayData-DataBucketArn/batch/*]",
    "AwsSolutions::AwsSolutions-IAM5[Resource::SlipwayData-DataBucketArn/training/model/*]",
    "AwsSolutions::AwsSolutions-IAM5[Resource::SlipwayData-ModelsBucketArn/training/model/*]",
    "AwsSolutions::AwsSolutions-IAM5[Resource::SlipwayData-ModelsBucketArn/checkpoints/model/*]",
    "AwsSolutions::AwsSolutions-IAM5[Resource::SlipwayData-ModelsBucketArn/models/model/*]",
    "AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:"
    "log-group:/aws/sagemaker/TrainingJobs:*]",
    "AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:"
    f"hyper-parameter-tuning-job/{JOB_PREFIX}-*]",
    "AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:"
    f"training-job/{JOB_PREFIX}-*]",
    "Serverless::Serverless-LambdaDLQ",
    "Serverless::Serverless-LambdaLatestVersion",
    "Serverless::Serverless-SQSRedrivePolicy",
    "Serverless::Serverless-LambdaEventSourceMappingDestination",
}


def _reports(validation_report) -> dict[str, dict]:
    return {report["pluginName"]: report for report in validation_report["pluginReports"]}


@pytest.mark.parametrize("pack", PACKS)
def test_given_the_default_app_when_the_pack_runs_then_no_finding_is_left_unacknowledged(validation_report, pack):
    report = _reports(validation_report)[pack]

    assert report["conclusion"] == "success"
    assert [(v["ruleName"], [c["constructPath"] for c in v["violatingConstructs"]])
            for v in report["violations"]] == []


def test_every_acknowledgement_names_the_exact_finding_and_gives_a_reason(validation_report):
    for pack in PACKS:
        for suppressed in _reports(validation_report)[pack]["suppressedViolations"]:
            assert suppressed["acknowledgedId"] == f"{pack}::{suppressed['ruleName']}"
            assert len(suppressed["reason"]) >= 40, suppressed["acknowledgedId"]


def test_the_acknowledged_findings_are_exactly_the_reviewed_ones(validation_report):
    acknowledged = {s["acknowledgedId"] for pack in PACKS
                    for s in _reports(validation_report)[pack]["suppressedViolations"]}

    assert acknowledged == ACKNOWLEDGED


def test_no_acknowledgement_is_stale(validation_report, stack_metadata):
    made = {(path, finding) for path, entries in stack_metadata.items() for entry in entries
            if entry["type"] == "aws:cdk:acknowledged-rules" for finding in entry["data"]
            if finding.split("::")[0] in PACKS}
    used = {("/" + s["acknowledgedAt"], s["acknowledgedId"]) for pack in PACKS
            for s in _reports(validation_report)[pack]["suppressedViolations"]}

    assert made - used == set()


def test_no_acknowledgement_is_made_at_stack_level(validation_report):
    for pack in PACKS:
        for suppressed in _reports(validation_report)[pack]["suppressedViolations"]:
            assert suppressed["acknowledgedAt"].count("/") >= 1, suppressed["acknowledgedId"]


def test_given_a_finding_without_its_pack_or_reason_when_acknowledged_then_it_is_refused():
    with pytest.raises(ValueError, match="name the pack and exact finding"):
        acknowledge(None, "AwsSolutions-S1", "a reason long enough to pass the length check")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="give a real reason"):
        acknowledge(None, "AwsSolutions::AwsSolutions-S1", "because")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("resolved", "flat"),
    [
        ({"Fn::Join": ["", [{"Fn::ImportValue": "SlipwayData-ModelsBucketArn"}, "/models/*"]]},
         "SlipwayData-ModelsBucketArn/models/*"),
        ({"Fn::Join": ["", [{"Fn::GetAtt": ["Key1", "Arn"]}, "/*"]]}, "<Key1.Arn>/*"),
        ({"Fn::Join": [":", ["arn", {"Ref": "AWS::Partition"}, "s3:::x/*"]]}, "arn:<AWS::Partition>:s3:::x/*"),
        ({"Fn::Sub": "arn:${AWS::Partition}:logs:*"}, "arn:<AWS::Partition>:logs:*"),
    ],
)
def test_a_resolved_resource_is_named_as_cdk_nag_names_it(resolved, flat):
    assert flatten_reference(resolved) == flat
