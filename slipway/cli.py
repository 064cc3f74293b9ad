"""Slipway takes a scikit-learn or XGBoost model from a table of data to production on AWS, and
runs all of it on this machine first, with no AWS account:

  1. slipway train SPEC              train a job spec's model here (or tune it) -> model.tar.gz
  2. slipway local up --model TAR    serve it over HTTP, Kinesis and CSV on an embedded AWS emulator
  3. slipway cloud train SPEC        the same job on SageMaker; `cdk deploy` ships the same app

`slipway demo` walks steps 1 and 2 once, on a bundled table.
"""
from __future__ import annotations

import argparse
import importlib
import logging
import sys
from pathlib import Path

from slipway.errors import SlipwayError

COMMAND_MODULES = ("slipway.commands.local", "slipway.commands.jobs", "slipway.commands.pipeline",
                   "slipway.commands.models")
log = logging.getLogger("slipway")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="slipway", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="Each command has its own --help, e.g. slipway train --help.")
    parser.add_argument("--project", type=Path, default=Path.cwd(), help="the project root (app.py, cdk.json)")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logs, and the traceback of an error")
    commands = parser.add_subparsers(dest="command", required=True)
    for name in COMMAND_MODULES:  # one module per command group
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name != name:
                raise
            continue  # a command group not installed in this build
        module.register(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    args.project = args.project.resolve()
    try:
        return int(args.run(args))
    except Exception as error:
        known = _explained(error)
        if known is None:
            raise  # a defect in Slipway: the traceback is what a bug report needs
        code, message, exit_code = known
        log.debug("%s", code, exc_info=True)
        print(f"slipway: {code}: {message}", file=sys.stderr)
        return exit_code


def _explained(error: Exception) -> tuple[str, str, int] | None:
    """(code, message, exit code) of an error the user can fix; None for anything else."""
    if isinstance(error, SlipwayError):
        return error.code, error.message, error.exit_code
    if isinstance(error, FileNotFoundError):  # a file or folder the user named
        return "FileNotFound", f"{error.filename}: no such file or directory", 2
    botocore = sys.modules.get("botocore.exceptions")  # not imported: not an AWS error
    if botocore is not None and isinstance(error, botocore.ClientError):
        return type(error).__name__, str(error), 1
    if botocore is not None and isinstance(error, botocore.BotoCoreError):  # no answer, no credentials
        return type(error).__name__, f"{error} (check AWS_ENDPOINT_URL, the region and credentials)", 1
    return None


if __name__ == "__main__":
    sys.exit(main())
