"""What `slipway local up` prints: what the deployed app has, read from its templates, with the
Slipway-specific lines (the served model, an example prediction) only where the app has them."""
from __future__ import annotations

import json
import shlex
from typing import Any

from slipway.local.functions import local_cap
from slipway.local.sandbox import WATCHDOG
from slipway.local.stack import LocalDeployment

_LISTED = {  # resource type -> heading; the physical id is what a user types
    "AWS::Kinesis::Stream": "Stream",
    "AWS::SQS::Queue": "Queue",
    "AWS::S3::Bucket": "Bucket",
    "AWS::DynamoDB::Table": "Table",
    "AWS::StepFunctions::StateMachine": "State machine",
}


def example_row(manifest: dict[str, Any]) -> dict[str, Any]:
    """One row the model accepts: 1.0 for a number, the first category for a category."""
    row: dict[str, Any] = {}
    for feature in manifest.get("features", []):
        categories = feature.get("categories") or []
        row[feature["name"]] = categories[0] if feature.get("type") == "category" and categories else 1.0
    return row


def _env_prefix(deployment: LocalDeployment) -> str:
    return (f"AWS_ENDPOINT_URL={deployment.target.endpoint_url} AWS_ACCESS_KEY_ID=testing "
            f"AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION={deployment.target.region}")


def describe(deployment: LocalDeployment, *, manifest: dict[str, Any] | None = None) -> str:
    lines = [f"Slipway is up on {deployment.backend.name} ({deployment.target.endpoint_url}).", ""]
    outputs = {k: v for stack in deployment.stacks.values() for k, v in stack.outputs.items()}
    row = example_row(manifest) if manifest else None
    for key, gateway in deployment.gateways.items():
        lines.append(f"  API            {gateway.url}   ({key})")
        for route in gateway.routes:
            function = route.function_logical_id.split("/", 1)[-1]
            lines.append(f"    {route.route_key:<28} -> {function}")
    if deployment.gateways and {"ModelsBucketName", "ModelPointerKey"} <= outputs.keys():
        url = deployment.api_url
        lines.append(f"    curl -s {url}/health")
        if row is not None:
            body = shlex.quote(json.dumps({"instances": [row]}))
            lines.append(f"    curl -s -X POST {url}/predict -H 'content-type: application/json' -d {body}")
        else:
            lines.append("    (no model is promoted: restart with --model path/to/model.tar.gz, e.g. the one "
                         "`make demo` trains, to serve predictions)")
    lines.append("")
    for stack in deployment.stacks.values():
        for logical_id, resource in stack.template.get("Resources", {}).items():
            heading = _LISTED.get(resource.get("Type", ""))
            if heading:
                lines.append(f"  {heading:<14} {stack.physical_ids.get(logical_id, '?')}   ({stack.name}/{logical_id})")
    stream = outputs.get("InputStreamName")
    if stream and row is not None:
        record = shlex.quote(json.dumps({"id": "1", "features": row}))
        lines += ["", "  Send a record (AWS CLI v2 needs --cli-binary-format raw-in-base64-out to take --data as",
                  "  text; AWS CLI v1 takes it as text already and does not know the option):",
                  f"    {_env_prefix(deployment)} \\",
                  f"    aws kinesis put-record --stream-name {stream} --partition-key k \\",
                  f"        --cli-binary-format raw-in-base64-out --data {record}   # v2",
                  f"    {_env_prefix(deployment)} \\",
                  f"    aws kinesis put-record --stream-name {stream} --partition-key k --data {record}   # v1"]
    if "ResultsBucketName" in outputs:
        lines.append(f"  Results        s3://{outputs['ResultsBucketName']}/results/")
    caps = sorted({f.max_sandboxes for f in deployment.functions.values()})
    lines += ["", f"  Functions      {len(deployment.functions)}, each in sandbox processes running its deployed asset "
              f"(at most {'/'.join(map(str, caps)) or local_cap()} at once per function: reserved concurrency, "
              f"else SLIPWAY_LOCAL_CONCURRENCY={local_cap()}); memory limit by {WATCHDOG.mechanism}",
              "                 their logs: slipway local logs FUNCTION --follow"]
    lines += [f"  Note           {note}" for note in deployment.notes]
    lines += ["", "Ctrl-C stops it."]
    return "\n".join(lines)
