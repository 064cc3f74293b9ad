"""The `slipway` command line: thin, each command group a module in slipway.commands."""
from __future__ import annotations

import argparse
import importlib
import logging
import sys
from pathlib import Path

COMMAND_MODULES = ("slipway.commands.local", "slipway.commands.jobs", "slipway.commands.pipeline", "slipway.commands.models")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="slipway", description=__doc__)
    parser.add_argument("--project", type=Path, default=Path.cwd(), help="the project root (app.py, cdk.json)")
    parser.add_argument("-v", "--verbose", action="store_true")
    commands = parser.add_subparsers(dest="command", required=True)
    for name in COMMAND_MODULES:
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
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
