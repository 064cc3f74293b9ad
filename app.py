#!/usr/bin/env python3
"""The CDK app: read the typed config, wire the stacks, nothing else."""
from __future__ import annotations

import json
import os
from pathlib import Path

import aws_cdk as cdk

from stacks.config import SlipwayConfig
from stacks.data_stack import DataStack
from stacks.inference_stack import InferenceStack
from stacks.nag import add_compliance_checks
from stacks.training_stack import TrainingStack

PROJECT = Path(__file__).resolve().parent


def _context_from_cdk_json() -> dict:
    """`python app.py` without the CLI still honours cdk.json (the CLI passes it in CDK_CONTEXT_JSON)."""
    if "CDK_CONTEXT_JSON" in os.environ or "CONTEXT_OVERFLOW_LOCATION_ENV" in os.environ:
        return {}
    return json.loads((PROJECT / "cdk.json").read_text())["context"]


def build_app(context: dict | None = None, outdir: str | None = None) -> cdk.App:
    app = cdk.App(context={**_context_from_cdk_json(), **(context or {})}, outdir=outdir)
    config = SlipwayConfig.from_context(app.node.try_get_context)
    env = cdk.Environment(account=os.environ.get("CDK_DEFAULT_ACCOUNT"), region=os.environ.get("CDK_DEFAULT_REGION"))
    data = DataStack(app, "SlipwayData", config=config, env=env)
    inference = InferenceStack(app, "SlipwayInference", config=config, data=data.exports, env=env)
    training = TrainingStack(app, "SlipwayTraining", config=config, data=data.exports, env=env)
    for stack in (inference, training):
        stack.add_stack_dependency(data, "imports the buckets, stream and queues by export name")
    if config.compliance_checks:
        add_compliance_checks(app)
    return app


if __name__ == "__main__":
    build_app().synth()
