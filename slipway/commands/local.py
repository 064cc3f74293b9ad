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

    deployment = deploy_local(args.project, api_port=args.port)
    try:
        if args.model:
            pointer = promote(deployment.clients, bucket=deployment.output("ModelsBucketName"),
                              pointer_key=deployment.output("ModelPointerKey"), tar_path=args.model)
            print(f"promoted {pointer.model_name} {pointer.version}")
        endpoint = deployment.target.endpoint_url
        stream = deployment.output("InputStreamName")
        print(f"""
Slipway is up on the embedded emulator ({endpoint}).

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


def register(commands: argparse._SubParsersAction) -> None:
    demo = commands.add_parser("demo", help="train, deploy locally, and predict over HTTP and Kinesis")
    demo.add_argument("--records", type=int, default=1000)
    demo.set_defaults(run=_demo)

    local = commands.add_parser("local", help="the app on the embedded AWS emulator").add_subparsers(
        dest="local_command", required=True)
    up = local.add_parser("up", help="deploy the synthesized app to the emulator and serve it until Ctrl-C")
    up.add_argument("--port", type=int, default=3000, help="local API Gateway port (0: any free port)")
    up.add_argument("--model", type=Path, help="a model.tar.gz to promote once the stack is up")
    up.set_defaults(run=_local_up)
