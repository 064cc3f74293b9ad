from __future__ import annotations

import json
from pathlib import Path

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
