"""`slipway train SPEC`, `slipway tune SPEC` (on this machine) and `slipway cloud train|tune SPEC`
(SageMaker): one job spec, three places. Thin: parse, call slipway.jobs / slipway.tuning, print."""
from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

EXIT_FAILED = 1
EXIT_INVALID = 2


def _pairs(values: list[str] | None, flag: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for value in values or []:
        key, equals, rest = value.partition("=")
        if not equals or not key:
            raise SystemExit(f"slipway: error: {flag} takes NAME=VALUE, got {value!r}")
        pairs[key] = rest
    return pairs


def _local_channels(args: argparse.Namespace, spec: Any) -> dict[str, Path]:
    given = _pairs(args.channel, "--channel")
    if not given and args.dataset:
        from slipway.datasets import write_dataset

        data = write_dataset(args.dataset, args.project / ".slipway" / "datasets" / args.dataset)
        given = {"train": str(data.train_csv)}
    channels = {name: (args.project / path) for name, path in
                (given or dict(spec.local_channels)).items()}
    if "train" not in channels:
        raise SystemExit("slipway: error: no train channel: pass --channel train=PATH, "
                         "--dataset NAME, or set channels.local.train in the spec")
    return channels


def _train(args: argparse.Namespace) -> int:
    from slipway.jobs import load_job_spec
    from slipway.jobs.local import train_locally

    spec = load_job_spec(args.spec)
    result = train_locally(spec, channels=_local_channels(args, spec),
                           base_dir=args.work_dir or args.project / ".slipway" / "jobs",
                           job_name=args.job_name, overrides=_pairs(args.hp, "--hp"),
                           on_line=print if args.show_log else None)
    print(f"trained {result.job_name} in {result.duration_s:.1f} s")
    for name, value in sorted(result.metrics.items()):
        print(f"  {name} = {value:.6g}")
    print(f"model    {result.model_artifact}")
    return 0


def _tune(args: argparse.Namespace) -> int:
    from slipway.jobs import load_job_spec
    from slipway.tuning import run_tuning

    spec = load_job_spec(args.spec)
    result = run_tuning(spec, channels=_local_channels(args, spec),
                        work_dir=args.work_dir or args.project / ".slipway" / "tuning",
                        job_name=args.job_name, max_jobs=args.max_jobs,
                        max_parallel=args.max_parallel, seed=args.seed)
    print("\n" + result.table)
    print(f"best      #{result.best.number} {result.objective}={result.best.value:.6g} "
          f"{json.dumps(result.best.hyperparameters)}")
    print(f"candidate {result.candidate}")
    print(f"plot      {result.plot_path}\nresults   {result.csv_path}")
    return 0


def _cloud(args: argparse.Namespace) -> int:
    from slipway.aws import AwsTarget, Clients
    from slipway.jobs import load_job_spec, render_training_job, render_tuning_job
    from slipway.jobs.local import unique_job_name
    from slipway.jobs.preflight import preflight
    from slipway.jobs.send import send_training_job, send_tuning_job

    spec = load_job_spec(args.spec)
    preflight(spec)  # before a cent is spent: hyperparameters and metric regexes vs the trainer
    region = args.region or spec.region or _session_region()
    channels: Mapping[str, str] = _pairs(args.channel, "--channel") or dict(spec.s3_channels)
    tune = args.cloud_command == "tune"
    name = args.job_name or unique_job_name(spec.name, limit=32 if tune else 63)
    common = dict(job_name=name, role_arn=args.role, output_s3_uri=args.output,
                  channels=channels, checkpoint_s3_uri=args.checkpoint,
                  kms_key_id=args.kms_key_id, region=region)
    request = render_tuning_job(spec, **common) if tune else render_training_job(
        spec, **common, hyperparameter_overrides={k: json.dumps(v) for k, v in
                                                  _pairs(args.hp, "--hp").items()})
    if args.dry_run:
        print(json.dumps(request, indent=2))
        return 0
    clients = Clients(AwsTarget(region=region))
    send = send_tuning_job if tune else send_training_job
    print(f"created {send(clients, request, spec.source_dir)}")
    return 0


def _session_region() -> str | None:
    import boto3

    return boto3.session.Session().region_name


def _guarded(run: Any) -> Any:
    def call(args: argparse.Namespace) -> int:
        from slipway.jobs.errors import JobError
        from slipway.sagemaker.errors import TrainingRunnerError

        try:
            return int(run(args))
        except JobError as error:
            print(f"slipway: {error.code}: {error.message}", file=sys.stderr)
            return EXIT_FAILED if error.code == "TuningJobFailed" else EXIT_INVALID
        except TrainingRunnerError as error:
            print(f"slipway: {error.code}: {error.message}", file=sys.stderr)
            return EXIT_FAILED

    return call


def _local_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("spec", type=Path, help="a job spec, e.g. training/jobs/xgboost-classifier.yaml")
    parser.add_argument("--channel", action="append", metavar="NAME=PATH",
                        help="a data channel (file or folder); repeatable; default: the spec's")
    parser.add_argument("--dataset", choices=("breast_cancer", "iris", "wine"),
                        help="use a bundled scikit-learn table as the train channel")
    parser.add_argument("--job-name", help="default: the spec's name and a timestamp")
    parser.add_argument("--work-dir", type=Path, help="default: <project>/.slipway/{jobs,tuning}")


def register(commands: argparse._SubParsersAction) -> None:
    train = commands.add_parser("train", help="run a job spec's training job on this machine")
    _local_options(train)
    train.add_argument("--hp", action="append", metavar="KEY=VALUE", help="override a hyperparameter")
    train.add_argument("--show-log", action="store_true", help="print the job's output as it runs")
    train.set_defaults(run=_guarded(_train))

    tune = commands.add_parser("tune", help="run a job spec's hyperparameter search on this machine")
    _local_options(tune)
    tune.add_argument("--max-jobs", type=int, help="fewer trials than the spec's max_jobs")
    tune.add_argument("--max-parallel", type=int, help="fewer parallel trials than the spec's")
    tune.add_argument("--seed", type=int, help="the sampler's seed (default: tuning.random_seed)")
    tune.set_defaults(run=_guarded(_tune))

    cloud = commands.add_parser("cloud", help="render (--dry-run) or send a job spec to SageMaker")
    which = cloud.add_subparsers(dest="cloud_command", required=True)
    for verb in ("train", "tune"):
        parser = which.add_parser(verb, help="CreateTrainingJob" if verb == "train"
                                  else "CreateHyperParameterTuningJob")
        parser.add_argument("spec", type=Path)
        parser.add_argument("--role", required=True, help="the SageMaker execution role ARN")
        parser.add_argument("--output", required=True, metavar="S3_URI",
                            help="S3OutputPath (the code goes to <output>/<job>/source/)")
        parser.add_argument("--channel", action="append", metavar="NAME=S3_URI",
                            help="a data channel; repeatable; default: the spec's channels.s3")
        parser.add_argument("--checkpoint", metavar="S3_URI",
                            help="default: the spec's, else <output>/<job>/checkpoints")
        parser.add_argument("--kms-key-id", help="encrypts the output and (where allowed) volumes")
        parser.add_argument("--region", help="default: the spec's, else your AWS configuration")
        parser.add_argument("--job-name")
        parser.add_argument("--dry-run", action="store_true",
                            help="print the validated request as JSON; send nothing")
        if verb == "train":
            parser.add_argument("--hp", action="append", metavar="KEY=VALUE")
        parser.set_defaults(run=_guarded(_cloud))
