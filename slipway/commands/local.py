"""`slipway demo` and `slipway local ...`: the app on the embedded emulator."""
from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path

from slipway.errors import SlipwayError


def _demo(args: argparse.Namespace) -> int:
    from slipway.demo import run_demo

    report = run_demo(args.project, records=args.records)
    print(f"\nserved accuracy on the holdout: {report.http.accuracy:.4f}; "
          f"Kinesis: {report.stream.records_in} in, {report.stream.results_out} results out "
          f"({report.stream.results_uri})")
    return 0


class InvalidEvent(SlipwayError):
    exit_code = 2


def _state_file(project: Path) -> Path:
    return project / ".slipway" / "local" / "up.json"


def _local_up(args: argparse.Namespace) -> int:
    import json

    from slipway.local.lambda_logs import console_line
    from slipway.local.stack import LocalDeploymentError, deploy_local
    from slipway.local.summary import describe
    from slipway.promote import PromotionError, promote, read_manifest

    deployment = deploy_local(args.project, api_port=args.port, target=args.target)
    deployment.observe(lambda name, invocation: print(console_line(name, invocation), flush=True))
    state = _state_file(args.project)
    try:
        manifest = None
        if args.model:
            try:
                manifest = read_manifest(args.model)
                pointer = promote(deployment.clients, bucket=deployment.output("ModelsBucketName"),
                                  pointer_key=deployment.output("ModelPointerKey"), tar_path=args.model)
            except (PromotionError, LocalDeploymentError) as error:
                print(f"cannot promote {args.model}: {error}", file=sys.stderr)
                return 2
            print(f"promoted {pointer.model_name} {pointer.version}")
        print(describe(deployment, manifest=manifest), flush=True)
        state.parent.mkdir(parents=True, exist_ok=True)
        state.write_text(json.dumps({"endpoint_url": deployment.target.endpoint_url, "region": deployment.target.region,
                                     "log_groups": {key: f.config.log_group for key, f in deployment.functions.items()}}))
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            # A timed wait: a signal the kernel hands to another thread must not leave it blocked.
            while not stop.wait(timeout=0.5):
                pass
        except KeyboardInterrupt:
            pass
    finally:
        state.unlink(missing_ok=True)
        deployment.stop()
    return 0


def _local_logs(args: argparse.Namespace) -> int:
    """The function's log group in the running `local up`'s CloudWatch Logs, as `aws logs tail` shows it."""
    import json
    import time

    from slipway.aws import AwsTarget, Clients

    state = _state_file(args.project)
    if not state.is_file():
        print("no `slipway local up` is running for this project", file=sys.stderr)
        return 2
    up = json.loads(state.read_text())
    groups = up["log_groups"]
    matches = [g for key, g in groups.items() if args.function in (key, key.split("/", 1)[1], g)
               or args.function.lower() in key.lower()]
    if len(matches) != 1:
        known = ", ".join(sorted(key.split("/", 1)[1] for key in groups))
        print(f"{args.function!r} matches {'several functions' if matches else 'no function'}; the app's "
              f"functions are: {known}", file=sys.stderr)
        return 2
    logs = Clients(AwsTarget(region=up["region"], endpoint_url=up["endpoint_url"], access_key_id="testing",
                             secret_access_key="testing"))("logs")
    seen: set[str] = set()
    start = 0
    try:
        while True:
            try:
                pages = logs.get_paginator("filter_log_events").paginate(logGroupName=matches[0], startTime=start)
                events = [e for page in pages for e in page.get("events", [])]
            except logs.exceptions.ResourceNotFoundException:
                events = []  # no invocation yet: Lambda creates the group on the first
            except Exception as error:  # noqa: BLE001 - the emulator went away with `local up`
                print(f"the emulator at {up['endpoint_url']} does not answer: {error}", file=sys.stderr)
                return 1
            for event in sorted(events, key=lambda e: (e["timestamp"], e.get("ingestionTime", 0))):
                if event["eventId"] not in seen:
                    seen.add(event["eventId"])
                    print(f"{event['logStreamName']} {event['message']}", flush=True)
                    start = max(start, event["timestamp"])
            if not args.follow:
                return 0
            time.sleep(1)
    except KeyboardInterrupt:
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
    from slipway.local.functions import local_cap
    from slipway.local.sandbox import WATCHDOG

    notes = sys.stderr if args.json else sys.stdout
    print(f"Lambda functions run in sandbox processes (awslambdaric on the runtime's Python, the deployed asset as "
          f"task root), at most {local_cap()} per function unless reserved concurrency is lower "
          f"(SLIPWAY_LOCAL_CONCURRENCY); MemorySize is enforced by an {WATCHDOG.mechanism}.", file=notes)
    for stack in stacks:
        for logical_id, resource in stack.template.get("Resources", {}).items():
            properties = resource.get("Properties", {})
            if resource.get("Type") == "AWS::Lambda::Function" and "arm64" in properties.get("Architectures", []):
                print(f"{stack.name}/{logical_id} is built for arm64: its bundle cannot run in a local sandbox on "
                      "this x86_64 machine; invoking it locally fails", file=notes)
    return 0


def _local_invoke(args: argparse.Namespace) -> int:
    """The result alone on stdout (as `aws lambda invoke` writes it to its outfile); the rest on stderr."""
    import json

    from slipway.local.lambda_logs import console_line
    from slipway.local.stack import LocalDeploymentError, deploy_local
    from slipway.promote import promote

    text = args.event.read_text() if str(args.event) != "-" else sys.stdin.read()  # a missing file: cli.main says so
    try:
        event = json.loads(text)
    except ValueError as error:
        raise InvalidEvent(f"{args.event} is not JSON: {error}") from None
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
        print(console_line(function.config.name, result), file=sys.stderr)
    if result.failed:
        print(json.dumps({"errorMessage": result.error_message, "errorType": result.error_type,
                          "requestId": result.request_id, "stackTrace": list(result.stack)}))
        return 1
    print(json.dumps(result.payload))
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

    logs = local.add_parser("logs", help="a function's logs (START/END/REPORT and its output) from the running "
                                         "`slipway local up`")
    logs.add_argument("function", help="logical id (or a unique part of it) or the deployed function name")
    logs.add_argument("--follow", "-f", action="store_true", help="keep printing new lines until Ctrl-C")
    logs.set_defaults(run=_local_logs)
