"""`slipway demo` and `slipway local ...`: the app on the embedded emulator."""
from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path


def _demo(args: argparse.Namespace) -> int:
    from slipway.demo import DemoFailed, run_demo

    try:
        report = run_demo(args.project, records=args.records)
    except DemoFailed as error:
        print(f"demo failed: {error}", file=sys.stderr)
        return 1
    print(f"\nserved accuracy on the holdout: {report.http.accuracy:.4f}; "
          f"Kinesis: {report.stream.records_in} in, {report.stream.results_out} results out "
          f"({report.stream.results_uri})")
    return 0


def _local_up(args: argparse.Namespace) -> int:
    from slipway.local.stack import deploy_local
    from slipway.promote import promote

    from slipway.local.backends import BackendUnavailable

    try:
        deployment = deploy_local(args.project, api_port=args.port, target=args.target)
    except BackendUnavailable as error:
        print(error, file=sys.stderr)
        return 2
    try:
        if args.model:
            pointer = promote(deployment.clients, bucket=deployment.output("ModelsBucketName"),
                              pointer_key=deployment.output("ModelPointerKey"), tar_path=args.model)
            print(f"promoted {pointer.model_name} {pointer.version}")
        endpoint = deployment.target.endpoint_url
        stream = deployment.output("InputStreamName")
        print(f"""
Slipway is up on {deployment.backend.name} ({endpoint}).

  API      {deployment.api_url}
    curl -s {deployment.api_url}/health
    curl -s -X POST {deployment.api_url}/predict -H 'content-type: application/json' \\
         -d '{{"instances": [{{"feature": 1.0}}]}}'

  Stream   {stream}
    AWS_ENDPOINT_URL={endpoint} AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing \\
    aws kinesis put-record --region {deployment.target.region} --stream-name {stream} --partition-key k \\
        --cli-binary-format raw-in-base64-out --data '{{"id": "1", "features": {{"feature": 1.0}}}}'

  Results  s3://{deployment.output("ResultsBucketName")}/results/
  Models   s3://{deployment.output("ModelsBucketName")}/{deployment.output("ModelPointerKey")}

Ctrl-C stops it.""", flush=True)
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            stop.wait()
        except KeyboardInterrupt:
            pass
    finally:
        deployment.stop()
    return 0


def _local_report(args: argparse.Namespace) -> int:
    import json
    from dataclasses import asdict

    from slipway.local.assembly import read_assembly
    from slipway.local.capabilities import moto_supports, render_table, report
    from slipway.synth import synthesize

    stacks = read_assembly(synthesize(args.project))
    rows = report({s.name: s.template for s in stacks}, backend_supports=moto_supports)
    print(json.dumps([asdict(r) for r in rows], indent=2) if args.json else render_table(rows))
    return 0


def _local_invoke(args: argparse.Namespace) -> int:
    import json

    from slipway.local.stack import LocalDeploymentError, deploy_local
    from slipway.promote import promote

    event = json.loads(args.event.read_text()) if str(args.event) != "-" else json.load(sys.stdin)
    with deploy_local(args.project, start_gateway=False, start_pollers=False) as deployment:
        if args.model:
            promote(deployment.clients, bucket=deployment.output("ModelsBucketName"),
                    pointer_key=deployment.output("ModelPointerKey"), tar_path=args.model)
        try:
            function = deployment.function(args.function)
        except LocalDeploymentError as error:
            print(error, file=sys.stderr)
            return 2
        result = function.invoke(event)
    if result.failed:
        print(json.dumps({"errorType": result.error_type, "errorMessage": result.error_message,
                          "stackTrace": list(result.stack)}, indent=2))
        return 1
    print(json.dumps(result.payload, indent=2, default=str))
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    demo = commands.add_parser("demo", help="train, deploy locally, and predict over HTTP and Kinesis")
    demo.add_argument("--records", type=int, default=1000)
    demo.set_defaults(run=_demo)

    local = commands.add_parser("local", help="the app on the embedded AWS emulator").add_subparsers(
        dest="local_command", required=True)
    up = local.add_parser("up", help="deploy the synthesized app to the emulator and serve it until Ctrl-C")
    up.add_argument("--port", type=int, default=3000, help="local API Gateway port (0: any free port)")
    up.add_argument("--model", type=Path, help="a model.tar.gz to promote once the stack is up")
    up.add_argument("--target", choices=("moto", "localstack"), default="moto",
                    help="where the AWS resources run: the embedded moto server, or your running LocalStack")
    up.set_defaults(run=_local_up)

    report = local.add_parser("report", help="every resource of the synthesized app: emulated, run by Slipway, or not")
    report.add_argument("--json", action="store_true")
    report.set_defaults(run=_local_report)

    invoke = local.add_parser("invoke", help="invoke one function of the locally deployed app with an event file")
    invoke.add_argument("function", help="logical id (or a unique part of it) or the deployed function name")
    invoke.add_argument("--event", type=Path, required=True, help="event JSON file, or - for stdin")
    invoke.add_argument("--model", type=Path, help="a model.tar.gz to promote before invoking")
    invoke.set_defaults(run=_local_invoke)
