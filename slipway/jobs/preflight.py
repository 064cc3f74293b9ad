"""Before anything trains or any cloud money is spent: the spec's hyperparameters (static, and
every range's edges) go through the trainer's own rules, and every metric regex is shown the very
lines the trainer prints. A regex that matches none of them fails here, loudly, by name."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import dataclass

from .errors import PreflightError
from .ranges import encode
from .spec import JobSpec


@dataclass(frozen=True)
class Preflight:
    task: str
    algorithm: str
    sample_lines: tuple[str, ...]


def script_values(values: dict[str, object]) -> dict[str, str]:
    """What the script sees: SageMaker's JSON text, decoded by the toolkit, then str()."""
    return {key: str(json.loads(encode(value))) for key, value in values.items()}  # type: ignore[arg-type]


def _ask_trainer(spec: JobSpec) -> dict[str, object]:
    candidates = [script_values({r.name: v}) for r in (spec.tuning.ranges if spec.tuning else ())
                  for v in r.endpoints()]
    request = {"static": script_values(dict(spec.hyperparameters)), "candidates": candidates}
    done = subprocess.run([sys.executable, "-m", "slipway_training.preflight"],
                          cwd=spec.source_dir, input=json.dumps(request), capture_output=True,
                          text=True, timeout=60, check=False)
    try:
        return dict(json.loads(done.stdout))
    except json.JSONDecodeError:
        raise PreflightError(f"{spec.path}: the trainer's preflight in {spec.source_dir} did not "
                             f"answer (exit {done.returncode}): {done.stderr.strip()[-500:]}") \
            from None


def check_regexes(spec: JobSpec, lines: list[str]) -> None:
    for index, metric in enumerate(spec.metrics):
        pattern = re.compile(metric.regex)
        values = [m.group(1) for m in map(pattern.search, lines) if m]
        if not values:
            raise PreflightError(
                f"{spec.path}: metrics[{index}] ({metric.name}): regex {metric.regex!r} matches "
                f"none of the lines the trainer prints for this job, e.g. {lines[:3]}")
        try:
            [float(value) for value in values]
        except ValueError:
            raise PreflightError(f"{spec.path}: metrics[{index}] ({metric.name}): regex "
                                 f"{metric.regex!r} captures {values[0]!r}, not a number") from None


def preflight(spec: JobSpec) -> Preflight:
    answer = _ask_trainer(spec)
    if not answer.get("ok"):
        key = answer.get("key")
        where = f"hyperparameters.{key}" if key in spec.hyperparameters else \
            f"tuning.ranges.{key}" if key else "hyperparameters"
        raise PreflightError(f"{spec.path}: {where}: {answer.get('reason')}")
    lines = [str(line) for line in answer["sample_lines"]]  # type: ignore[union-attr]
    check_regexes(spec, lines)
    return Preflight(task=str(answer["task"]), algorithm=str(answer["algorithm"]),
                     sample_lines=tuple(lines))
