"""`python -m slipway_training.preflight`: the checks a job spec must pass before any training
runs (locally or on SageMaker). Reads JSON from stdin, writes JSON to stdout:

in:  {"static": {key: str}, "candidates": [{key: str}, ...]}   (each candidate overrides static)
out: {"ok": true, "task", "algorithm", "sample_lines": [...]}  or  {"ok": false, "reason", "key"}

It imports nothing heavier than the hyperparameter rules, so it answers in a blink.
"""
from __future__ import annotations

import json
import sys
from typing import Any

from .errors import TrainingError
from .hyperparameters import from_strings
from .metric_names import sample_lines


def check(static: dict[str, str], candidates: list[dict[str, str]]) -> dict[str, Any]:
    try:
        hp = from_strings(static)
        for candidate in candidates:
            from_strings({**static, **candidate})
    except TrainingError as error:
        return {"ok": False, "reason": error.reason, "key": getattr(error, "key", None)}
    return {"ok": True, "task": hp.task, "algorithm": hp.algorithm,
            "sample_lines": sample_lines(hp.task, hp.algorithm)}


def main() -> int:
    request = json.load(sys.stdin)
    answer = check(dict(request.get("static", {})), list(request.get("candidates", [])))
    json.dump(answer, sys.stdout)
    return 0 if answer["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
