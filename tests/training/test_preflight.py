from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from slipway_training import preflight

TRAINING = Path(__file__).resolve().parents[2] / "training"


def test_a_valid_configuration_answers_with_the_lines_the_trainer_prints() -> None:
    answer = preflight.check({"algorithm": "xgboost", "num_round": "10"},
                             [{"eta": "0.01"}, {"eta": "0.5"}])

    assert answer["ok"] is True
    assert (answer["task"], answer["algorithm"]) == ("classification", "xgboost")
    assert answer["sample_lines"][0] == "round=1 validation:logloss=0.654321"
    assert "validation:accuracy=0.123456" in answer["sample_lines"]


def test_a_bad_candidate_value_is_named_before_anything_trains() -> None:
    answer = preflight.check({"algorithm": "xgboost"}, [{"max_depth": "3"}, {"max_depth": "0"}])

    assert answer == {"ok": False, "key": "max_depth", "reason": (
        "InvalidHyperparameter: hyperparameter 'max_depth' must be an integer >= 1, got '0'")}


def test_it_runs_as_a_module_reading_stdin_and_writing_stdout() -> None:
    request = {"static": {"algorithm": "ridge", "num_round": "5"}, "candidates": []}

    done = subprocess.run([sys.executable, "-m", "slipway_training.preflight"], cwd=TRAINING,
                          input=json.dumps(request), capture_output=True, text=True, check=False)

    assert done.returncode == 1
    assert json.loads(done.stdout)["reason"].startswith(
        "InapplicableHyperparameter: hyperparameter 'num_round' does not apply to algorithm "
        "'ridge'")
