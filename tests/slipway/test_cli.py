"""`slipway` as a user meets it: the help says what the tool does and the path it takes, and a
user's mistake in any command group ends as one line naming what to fix (no traceback), with the
exit code of its error class."""
from __future__ import annotations

import json
import shutil
import socket
from pathlib import Path

import pytest

from slipway.cli import main

REPO = Path(__file__).resolve().parents[2]
SPEC = REPO / "training" / "jobs" / "xgboost-classifier.yaml"
ROLE = "arn:aws:iam::123456789012:role/SlipwaySageMaker"


def _fails(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(argv)
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.count("\n") == 1, err
    return code, err.rstrip("\n")


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_help_opens_with_what_slipway_does_and_the_path_it_takes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["--help"])

    text = capsys.readouterr().out
    assert caught.value.code == 0
    description = text[text.index("\n\n") + 2:]
    assert description.startswith("Slipway takes a scikit-learn or XGBoost model from a table of data to "
                                  "production on AWS")
    steps = [description.index(f"{n}. slipway {command}") for n, command in
             ((1, "train"), (2, "local up"), (3, "cloud train"))]
    assert steps == sorted(steps)


def _project_with_bad_cdk_json(root: Path) -> Path:
    for name in ("stacks", "lambdas", "training", "slipway"):
        (root / name).symlink_to(REPO / name)
    shutil.copy(REPO / "app.py", root / "app.py")
    cdk = json.loads((REPO / "cdk.json").read_text())
    cdk["context"]["api_auth"] = "password"
    (root / "cdk.json").write_text(json.dumps(cdk))
    return root


@pytest.mark.parametrize("command", [["local", "report"], ["demo", "--records", "10"]])
def test_a_bad_cdk_json_value_is_one_line_naming_the_key(command: list[str], tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    project = _project_with_bad_cdk_json(tmp_path)

    code, err = _fails(["--project", str(project), *command], capsys)

    assert code == 1
    assert err.startswith(f"slipway: SynthError: synth of {project / 'app.py'} failed: ")
    assert err.endswith("ConfigError: cdk.json context 'api_auth': got 'password'; allowed values are iam, jwt, none")


def test_local_a_missing_event_file_is_one_line_naming_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "event.json"

    code, err = _fails(["--project", str(tmp_path), "local", "invoke", "Api", "--event", str(missing)], capsys)

    assert (code, err) == (2, f"slipway: FileNotFound: {missing}: no such file or directory")


def test_local_an_unreachable_localstack_is_one_line_saying_how_to_go_on(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("LOCALSTACK_HOST", f"127.0.0.1:{_closed_port()}")

    code, err = _fails(["--project", str(REPO), "local", "up", "--target", "localstack", "--port", "0"], capsys)

    assert code == 2
    assert err.startswith("slipway: BackendUnavailable: no LocalStack answers at http://127.0.0.1:")
    assert err.endswith("start it, or set LOCALSTACK_HOST, or use the default embedded moto backend")


def test_train_a_missing_data_file_is_one_line_naming_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = _fails(["--project", str(tmp_path), "train", str(SPEC), "--channel", "train=missing.csv"], capsys)

    assert (code, err) == (1, f"slipway: ValidationException: channel 'train': {tmp_path / 'missing.csv'} does not exist")


def test_tune_a_missing_data_file_is_one_line_naming_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = _fails(["--project", str(tmp_path), "tune", str(SPEC), "--channel", "train=missing.csv"], capsys)

    assert (code, err) == (1, f"slipway: ValidationException: channel 'train': {tmp_path / 'missing.csv'} does not exist")


def test_cloud_an_unreachable_endpoint_is_one_line_saying_what_to_check(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    endpoint = f"http://127.0.0.1:{_closed_port()}"
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")

    code, err = _fails(["cloud", "train", str(SPEC), "--role", ROLE, "--output", "s3://models/jobs",
                        "--channel", "train=s3://data/train/", "--region", "us-east-1"], capsys)

    assert code == 1
    assert err.startswith(f"slipway: EndpointConnectionError: Could not connect to the endpoint URL: \"{endpoint}/")
    assert err.endswith("(check AWS_ENDPOINT_URL, the region and credentials)")
