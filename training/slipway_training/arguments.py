"""SageMaker's `--key value` command line, into strings."""
from __future__ import annotations

import re
from collections.abc import Sequence

from .errors import MalformedArguments


def parse_args(argv: Sequence[str]) -> dict[str, str]:
    """`--key value` pairs (as the SageMaker toolkit builds them) and `--key=value`, into strings.

    Not argparse: it would turn a bad value into a usage message on stderr and exit 2, bypassing
    the failure file. One-letter keys arrive as `-C value` (the toolkit's spelling)."""
    values: dict[str, str] = {}
    tokens = list(argv)
    index = 0
    while index < len(tokens):
        token = tokens[index]
        dashes = 2 if token.startswith("--") else 1 if re.match(r"^-[A-Za-z]$", token) else 0
        if not dashes or token == "--":
            raise MalformedArguments(f"expected '--key value', got {token!r}")
        key, equals, value = token[dashes:].partition("=")
        if not equals:
            if index + 1 >= len(tokens):
                raise MalformedArguments(f"hyperparameter {key!r} has no value")
            index += 1
            value = tokens[index]
        if key in values:
            raise MalformedArguments(f"hyperparameter {key!r} is given twice")
        values[key] = value
        index += 1
    return values
