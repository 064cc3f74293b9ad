"""The app under non-default knobs: the conditional acknowledgements hold and the options land."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from stacks.constructs.training_pipeline import JobNaming
from stacks.nag import PACKS


def _template(assembly: Path, stack: str) -> dict:
    return json.loads((assembly / f"{stack}.template.json").read_text())


def _resources(template: dict, kind: str) -> list[dict]:
    return [r["Properties"] for r in template["Resources"].values() if r["Type"] == kind]


@pytest.mark.parametrize("pack", PACKS)
def test_given_alternative_knobs_when_the_packs_run_then_every_finding_is_acknowledged(alternative_assembly, pack):
    report = next(r for r in json.loads((alternative_assembly / "validation-report.json").read_text())["pluginReports"]
                  if r["pluginName"] == pack)

    assert [v["ruleName"] for v in report["violations"]] == []
    acknowledged = {s["acknowledgedId"] for s in report["suppressedViolations"]}
    assert not any(a.endswith(("-L1", "-LambdaLatestVersion")) for a in acknowledged)  # python3.14 is the newest
    if pack == "AwsSolutions":
        assert "AwsSolutions::AwsSolutions-APIG4" in acknowledged
    else:
        assert "Serverless::Serverless-SNSRedrivePolicy" in acknowledged


def test_given_snapstart_arm64_and_no_tracing_then_every_function_follows(alternative_assembly):
    functions = [f for stack in ("SlipwayInference", "SlipwayTraining")
                 for f in _resources(_template(alternative_assembly, stack), "AWS::Lambda::Function")]

    assert {(f["Runtime"], tuple(f["Architectures"])) for f in functions} == {("python3.14", ("arm64",))}
    assert not any("TracingConfig" in f for f in functions)
    snapshotted = [f["Handler"] for f in functions if f.get("SnapStart") == {"ApplyOn": "PublishedVersions"}]
    assert snapshotted == ["slipway_serving.handlers.http.handler"]


def test_given_no_auth_then_routes_are_open_and_given_an_email_then_both_topics_mail_it(alternative_assembly):
    inference = _template(alternative_assembly, "SlipwayInference")
    training = _template(alternative_assembly, "SlipwayTraining")

    assert {r["AuthorizationType"] for r in _resources(inference, "AWS::ApiGatewayV2::Route")} == {"NONE"}
    for template in (inference, training):
        assert [(s["Protocol"], s["Endpoint"]) for s in _resources(template, "AWS::SNS::Subscription")] == [
            ("email", "ops@example.com")]


def test_given_a_long_model_name_then_job_names_fit_sagemakers_limits(alternative_assembly):
    [machine] = _resources(_template(alternative_assembly, "SlipwayTraining"), "AWS::StepFunctions::StateMachine")
    definition = "".join(p for p in machine["DefinitionString"]["Fn::Join"][1] if isinstance(p, str))

    prefix = JobNaming.for_stack("churn-prediction-v2", "SlipwayTraining").prefix
    assert prefix.startswith("churn-predi-") and len(f"{prefix}-0123abcd-hpo") <= 32  # 11 + 1 + 6 + 1 + 8 + 4
    assert f"States.Format('{prefix}-{{}}-hpo', $.run.id)" in definition
    assert f"States.Format('{prefix}-{{}}-final', $.run.id)" in definition
