"""The `slipway` command line: thin, each command a call into one module."""
from __future__ import annotations

import argparse
import logging
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


def _train(args: argparse.Namespace) -> int:
    from slipway.training.errors import TrainingJobFailed
    from slipway.training.runner import run_training_job

    hyperparameters = dict(item.split("=", 1) for item in args.hyperparameter)
    hyperparameters.setdefault("target", args.target)
    channels = {"train": args.train, **({"validation": args.validation} if args.validation else {})}
    try:
        result = run_training_job(args.job_name, base_dir=args.base_dir, channels=channels,
                                  hyperparameters=hyperparameters, source_dir=args.project / "training",
                                  overwrite=args.overwrite, on_line=print)
    except TrainingJobFailed as error:
        print(f"training failed: {error}", file=sys.stderr)
        return 1
    print(f"model: {result.model_artifact} (sha256 {result.model_artifact_sha256})")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="slipway", description=__doc__)
    parser.add_argument("--project", type=Path, default=Path.cwd(), help="the project root (app.py, cdk.json)")
    parser.add_argument("-v", "--verbose", action="store_true")
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo", help="train, deploy locally, and predict over HTTP and Kinesis")
    demo.add_argument("--records", type=int, default=1000)
    demo.set_defaults(run=_demo)

    local = commands.add_parser("local", help="the app on the embedded AWS emulator").add_subparsers(
        dest="local_command", required=True)
    up = local.add_parser("up", help="deploy the synthesized app to the emulator and serve it until Ctrl-C")
    up.add_argument("--port", type=int, default=3000, help="local API Gateway port (0: any free port)")
    up.add_argument("--model", type=Path, help="a model.tar.gz to promote once the stack is up")
    up.set_defaults(run=_local_up)

    train = commands.add_parser("train", help="run training/train.py locally under the SageMaker contract")
    train.add_argument("--train", type=Path, required=True, help="CSV file or directory for the train channel")
    train.add_argument("--validation", type=Path)
    train.add_argument("--target", default="target")
    train.add_argument("--job-name", default="local-training")
    train.add_argument("--base-dir", type=Path, default=Path(".slipway/jobs"))
    train.add_argument("--overwrite", action="store_true")
    train.add_argument("--hyperparameter", "-H", action="append", default=[], metavar="KEY=VALUE")
    train.set_defaults(run=_train)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    args.project = args.project.resolve()
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
