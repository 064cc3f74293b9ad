"""`slipway models list | describe | promote | rollback`: the deployment's promoted models.

The deployment is found through CloudFormation where boto3 looks (its account, region and
credentials; AWS_ENDPOINT_URL reaches `slipway local up`), so the same command serves both.
"""
from __future__ import annotations

import argparse
import json
import os


def _run(args: argparse.Namespace) -> int:
    from slipway import models
    from slipway.deployed import clients_for, discover

    clients = clients_for(os.environ.get("AWS_ENDPOINT_URL"))
    # DeploymentNotFound, PromotionError and AWS errors: one line from cli.main
    app = discover(clients)
    s3 = clients("s3")
    if args.models_command == "list":
        versions = models.list_versions(s3, app)
        if not versions:
            print(f"no versions under s3://{app.models_bucket}/{app.models_prefix}")
        for version in versions:
            metrics = models.describe(s3, app, version.version)["metrics"]
            shown = " ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                             for k, v in sorted(metrics.items()))
            print(f"{'*' if version.serving else ' '} {version.version}  {shown}")
    elif args.models_command == "describe":
        print(json.dumps(models.describe(s3, app, args.version), indent=2))
    else:
        pointer = (models.rollback(s3, app) if args.models_command == "rollback"
                   else models.promote_version(s3, app, args.version))
        print(f"serving {pointer.model_name} {pointer.version} ({pointer.uri})")
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("models", help="promoted model versions of the deployment, and which one serves")
    actions = parser.add_subparsers(dest="models_command", required=True)
    actions.add_parser("list", help="every version (* marks the one serving) with its metrics").set_defaults(run=_run)
    describe = actions.add_parser("describe", help="one version's manifest summary and metrics")
    describe.add_argument("version")
    describe.set_defaults(run=_run)
    promote = actions.add_parser("promote", help="serve an existing version (its artifact verified first)")
    promote.add_argument("version")
    promote.set_defaults(run=_run)
    actions.add_parser("rollback", help="serve the version before the one serving now").set_defaults(run=_run)
