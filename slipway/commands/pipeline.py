"""`slipway local pipeline run`: the deployed training pipeline on the emulator, end to end."""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

DERIVED_SPECS = Path(".slipway") / "pipeline"


def derived_job_spec(project: Path, name: str, *, tuning: dict[str, Any] | None = None,
                     hyperparameters: dict[str, Any] | None = None) -> str:
    """A copy of the app's job spec with some settings changed, for a fresh deployment to synthesize.

    Written under .slipway/ (the config takes a project-relative path) with its source dir re-pointed
    at the original's, so it trains the same code. Returns the project-relative path.
    """
    import yaml

    context = json.loads((project / "cdk.json").read_text()).get("context", {})
    original = project / context.get("training_job_spec", "training/jobs/xgboost-classifier.yaml")
    spec = yaml.safe_load(original.read_text())
    if tuning and not isinstance(spec.get("tuning"), dict):
        raise SystemExit(f"{original} has no tuning section to change")
    spec.get("tuning", {}).update(tuning or {})
    spec.setdefault("hyperparameters", {}).update(hyperparameters or {})
    target = project / DERIVED_SPECS / f"{original.stem}-{name}.yaml"
    target.parent.mkdir(parents=True, exist_ok=True)
    source_dir = (original.parent / spec.get("source", {}).get("dir", ".")).resolve()
    spec.setdefault("source", {})["dir"] = os.path.relpath(source_dir, target.parent)
    target.write_text(yaml.safe_dump(spec, sort_keys=False))
    return str(target.relative_to(project))


def max_jobs_spec(project: Path, max_jobs: int) -> str:
    import yaml

    context = json.loads((project / "cdk.json").read_text()).get("context", {})
    spec = yaml.safe_load((project / context.get("training_job_spec", "training/jobs/xgboost-classifier.yaml"))
                          .read_text())
    parallel = (spec.get("tuning") or {}).get("max_parallel", 1)
    return derived_job_spec(project, f"max{max_jobs}", tuning={"max_jobs": max_jobs,
                                                               "max_parallel": min(max_jobs, parallel)})


def _channels(args: argparse.Namespace) -> dict[str, Path] | str:
    files = {"train": args.train, **({"validation": args.validation} if args.validation else {})}
    for channel, path in files.items():
        if not path.is_file():
            return f"--{channel}: {path} is not a file"
    return files


def _run_on(clients: Any, files: dict[str, Path], *, timeout_s: float | None, verbose: bool) -> int:
    from slipway import pipeline
    from slipway.deployed import discover

    if not verbose:  # moto's interpreter logs every Fail state as an error, and the server every refusal
        for name in ("werkzeug", "moto"):
            logging.getLogger(name).setLevel(logging.CRITICAL)

    app = discover(clients)
    for uri in pipeline.upload_channels(clients("s3"), app, files):
        print(f"uploaded {uri}")
    execution = pipeline.start(clients("stepfunctions"), app)
    print(f"started {execution}", flush=True)
    outcome = pipeline.watch(clients, execution, say=lambda line: print(line, flush=True), timeout_s=timeout_s)
    print(outcome.summary())
    return 0 if outcome.succeeded else 1


def _pipeline_run(args: argparse.Namespace) -> int:
    files = _channels(args)
    if isinstance(files, str):
        print(files, file=sys.stderr)
        return 2
    endpoint = args.endpoint or os.environ.get("AWS_ENDPOINT_URL")
    # DeploymentNotFound, PipelineFailed, synth and AWS errors: one line from cli.main
    if endpoint:
        if args.max_jobs:
            print("--max-jobs changes the synthesized tuning job, so it needs a fresh deployment: "
                  "stop `slipway local up` (or unset AWS_ENDPOINT_URL) and run again", file=sys.stderr)
            return 2
        from slipway.deployed import clients_for

        return _run_on(clients_for(endpoint), files, timeout_s=args.timeout, verbose=args.verbose)
    from slipway.local.stack import deploy_local

    context = {"training_job_spec": max_jobs_spec(args.project, args.max_jobs)} if args.max_jobs else None
    print("no running deployment (AWS_ENDPOINT_URL unset): deploying the app to the embedded emulator", flush=True)
    with deploy_local(args.project, context=context, start_gateway=False, start_pollers=False) as deployment:
        return _run_on(deployment.clients, files, timeout_s=args.timeout, verbose=args.verbose)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def register(commands: argparse._SubParsersAction) -> None:
    # `slipway local` is registered by slipway.commands.local; its sub-parsers gain `pipeline` here.
    local = commands.choices.get("local")
    if local is None:
        return
    sub = next(action for action in local._actions if isinstance(action, argparse._SubParsersAction))
    pipeline = sub.add_parser("pipeline", help="the deployed training pipeline (SlipwayTraining) on the emulator")
    actions = pipeline.add_subparsers(dest="pipeline_command", required=True)
    run = actions.add_parser("run", help="upload data, execute the state machine, follow it to its outcome")
    run.add_argument("--train", type=Path, required=True, help="CSV or Parquet file for the train channel")
    run.add_argument("--validation", type=Path, help="file for the validation channel (else the trainer splits)")
    run.add_argument("--max-jobs", type=_positive, help="tuning trials (synthesizes a fresh deployment with this limit)")
    run.add_argument("--endpoint", help="a running `slipway local up` (default: AWS_ENDPOINT_URL; "
                                        "unset: a fresh deployment in this process)")
    run.add_argument("--timeout", type=float, help="give up after this many seconds")
    run.set_defaults(run=_pipeline_run)
