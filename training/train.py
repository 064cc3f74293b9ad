"""SageMaker script-mode entry point: `python train.py --key value ...`.

Thin on purpose: read the environment and the arguments, call the package, and turn any failure into
`<output>/failure` plus a non-zero exit, which SageMaker reports as the job's FailureReason.
"""
from __future__ import annotations

import logging
import os
import sys
import traceback
from collections.abc import Mapping, Sequence
from pathlib import Path

from slipway_training import env as env_module
from slipway_training import hyperparameters, pipeline
from slipway_training.errors import TrainingError

# SageMaker truncates FailureReason at 1024 characters; keep the head, it carries the code
FAILURE_LIMIT = 1024
EXIT_TRAINING_ERROR = 1
EXIT_INTERNAL_ERROR = 2


def write_failure(path: Path, reason: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(reason[:FAILURE_LIMIT], encoding="utf-8")
    except OSError as error:
        print(f"could not write {path}: {error}", file=sys.stderr, flush=True)


def main(argv: Sequence[str], environ: Mapping[str, str]) -> int:
    logging.basicConfig(stream=sys.stderr, level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    failure = env_module.output_dir(environ) / "failure"
    # A reason left over from an earlier run by hand must not outlive a successful one
    failure.unlink(missing_ok=True)
    try:
        training_env = env_module.TrainingEnv.from_environ(environ)
        hp = hyperparameters.from_argv(argv)
        pipeline.run(training_env, hp)
    except TrainingError as error:
        print(f"training failed: {error.reason}", file=sys.stderr, flush=True)
        write_failure(failure, error.reason)
        return EXIT_TRAINING_ERROR
    except Exception as error:  # noqa: BLE001 - the job must always leave a reason behind
        traceback.print_exc()
        write_failure(failure, f"InternalError: {type(error).__name__}: {error}")
        return EXIT_INTERNAL_ERROR
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], os.environ))
