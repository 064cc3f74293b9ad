"""The Step Functions patches are switched on with the embedded emulator and off when it stops, so
moto used elsewhere in the same process (a test's mock_aws) behaves as shipped."""
from __future__ import annotations


def test_state_machines_execute_only_while_the_emulator_runs(monkeypatch):
    from moto.core.config import default_user_config
    from moto.stepfunctions import models as sfn_models
    from moto.stepfunctions.parser.models import stepfunctions_parser_backends

    from slipway.local import stepfunctions
    from slipway.local.emulator import MotoEmulator

    monkeypatch.delenv("MOTO_PORT", raising=False)
    with MotoEmulator() as target:
        assert default_user_config["stepfunctions"]["execute_state_machine"] is True
        assert sfn_models.stepfunctions_backends is stepfunctions_parser_backends
        assert stepfunctions.endpoint_port() == target.endpoint_url.rsplit(":", 1)[1]

    assert default_user_config["stepfunctions"]["execute_state_machine"] is False
    assert sfn_models.stepfunctions_backends is not stepfunctions_parser_backends
    assert stepfunctions.endpoint_port() == "5000"  # moto's own default again
