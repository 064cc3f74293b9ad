from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Template


def _template(assembly: Path, stack: str) -> Template:
    return Template.from_json(json.loads((assembly / f"{stack}.template.json").read_text()))


@pytest.fixture(scope="session")
def data_template(assembly: Path) -> Template:
    return _template(assembly, "SlipwayData")


@pytest.fixture(scope="session")
def inference_template(assembly: Path) -> Template:
    return _template(assembly, "SlipwayInference")


@pytest.fixture(scope="session")
def validation_report(assembly: Path) -> dict[str, Any]:
    """The validation plugins' report (cdk-nag packs included) that every synth writes."""
    return json.loads((assembly / "validation-report.json").read_text())


@pytest.fixture(scope="session")
def stack_metadata(assembly: Path) -> dict[str, list[dict[str, Any]]]:
    """Construct metadata of every stack, merged: path -> entries (annotations among them)."""
    merged: dict[str, list[dict[str, Any]]] = {}
    for path in assembly.glob("*.metadata.json"):
        for construct_path, entries in json.loads(path.read_text()).items():
            merged.setdefault(construct_path, []).extend(entries)
    return merged


@pytest.fixture(scope="session")
def training_template(assembly: Path) -> Template:
    return _template(assembly, "SlipwayTraining")


def flatten(value: Any) -> str:
    """A resolved CloudFormation string with its references as readable `${...}` markers."""
    if isinstance(value, str):
        return value
    if "Fn::Join" in value:
        delimiter, parts = value["Fn::Join"]
        return delimiter.join(flatten(part) for part in parts)
    if "Ref" in value:
        return "${" + value["Ref"] + "}"
    if "Fn::GetAtt" in value:
        return "${" + ".".join(value["Fn::GetAtt"]) + "}"
    if "Fn::ImportValue" in value:
        return "${Import:" + value["Fn::ImportValue"] + "}"
    if "Fn::FindInMap" in value:
        table, key, attribute = value["Fn::FindInMap"]
        return "${Map:" + table + "." + flatten(key) + "." + attribute + "}"
    if "Fn::Sub" in value:
        return value["Fn::Sub"]
    raise ValueError(f"unexpected intrinsic {value!r}")


@pytest.fixture(scope="session")
def pipeline_definition(training_template: Template) -> dict[str, Any]:
    """The state machine's definition, parsed, with references as `${...}` markers."""
    [machine] = training_template.find_resources("AWS::StepFunctions::StateMachine").values()
    return json.loads(flatten(machine["Properties"]["DefinitionString"]))


# The options the default app does not use, synthesized once per session (and cached by content):
# an open API, SnapStart, arm64 on the newest runtime, no tracing, an alarm e-mail. Dependencies
# are not bundled, so this synth needs no PyPI.
ALTERNATIVE_CONTEXT = {
    "api_auth": "none", "api_cold_start": "snapstart", "lambda_architecture": "arm64",
    "lambda_runtime": "python3.14", "tracing": False, "alarm_email": "ops@example.com",
    "bundle_dependencies": False, "model_name": "churn-prediction-v2",
}


@pytest.fixture(scope="session")
def alternative_assembly() -> Path:
    from slipway.synth import synthesize
    from tests.conftest import REPO

    return synthesize(REPO, context=ALTERNATIVE_CONTEXT)
