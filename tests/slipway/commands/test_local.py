"""`slipway local logs` and the example `local up` prints, without deploying the app."""
from __future__ import annotations

import argparse
import json
import time

from slipway.aws import Clients
from slipway.commands.local import _local_logs
from slipway.local.summary import example_row


def test_the_example_prediction_is_built_from_the_promoted_models_manifest():
    manifest = {"features": [{"name": "age", "type": "number"},
                             {"name": "plan", "type": "category", "categories": ["basic", "pro"]}]}

    assert example_row(manifest) == {"age": 1.0, "plan": "basic"}


def _up_state(project, emulator, group):
    state = project / ".slipway" / "local" / "up.json"
    state.parent.mkdir(parents=True)
    state.write_text(json.dumps({"endpoint_url": emulator.endpoint_url, "region": emulator.region,
                                 "log_groups": {"App/ScorerFunctionC14": group, "App/ApiFunction685": "/aws/lambda/api"}}))


def test_local_logs_prints_the_functions_log_group_from_the_running_emulator(tmp_path, emulator, capsys):
    now = int(time.time() * 1000)  # CloudWatch Logs refuses events older than 14 days
    logs = Clients(emulator)("logs")
    logs.create_log_group(logGroupName="/aws/lambda/scorer")
    logs.create_log_stream(logGroupName="/aws/lambda/scorer", logStreamName="2026/01/01/[$LATEST]abc")
    logs.put_log_events(logGroupName="/aws/lambda/scorer", logStreamName="2026/01/01/[$LATEST]abc",
                        logEvents=[{"timestamp": now, "message": "START RequestId: r1 Version: $LATEST"},
                                   {"timestamp": now + 1, "message": "END RequestId: r1"}])
    _up_state(tmp_path, emulator, "/aws/lambda/scorer")

    code = _local_logs(argparse.Namespace(project=tmp_path, function="Scorer", follow=False))

    assert code == 0
    assert capsys.readouterr().out.splitlines() == ["2026/01/01/[$LATEST]abc START RequestId: r1 Version: $LATEST",
                                                    "2026/01/01/[$LATEST]abc END RequestId: r1"]


def test_local_logs_names_the_functions_when_the_name_matches_none(tmp_path, emulator, capsys):
    _up_state(tmp_path, emulator, "/aws/lambda/scorer")

    code = _local_logs(argparse.Namespace(project=tmp_path, function="Nope", follow=False))

    assert code == 2
    assert capsys.readouterr().err == "'Nope' matches no function; the app's functions are: ApiFunction685, ScorerFunctionC14\n"


def test_local_logs_without_a_running_local_up_says_so(tmp_path, capsys):
    code = _local_logs(argparse.Namespace(project=tmp_path, function="Scorer", follow=False))

    assert (code, capsys.readouterr().err) == (2, "no `slipway local up` is running for this project\n")
