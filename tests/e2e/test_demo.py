"""The spine, end to end: what `make demo` prints is what these tests assert."""
from __future__ import annotations

import json

from slipway.demo import PROBABILITY_TOLERANCE


def test_served_http_predictions_equal_the_trained_models(demo_report):
    assert demo_report.http.rows == 114
    assert demo_report.http.labels_match is True
    assert demo_report.http.max_probability_error <= PROBABILITY_TOLERANCE


def test_served_predictions_are_accurate_on_the_unseen_holdout(demo_report):
    assert demo_report.http.accuracy >= 0.9


def test_every_kinesis_record_yields_exactly_one_result(demo_report):
    stream = demo_report.stream

    assert (stream.records_in, stream.results_out, stream.rejects_out, stream.duplicates) == (1000, 1000, 0, 0)
    assert stream.results_uri.startswith("s3://") and stream.results_uri.endswith("/results/")


def test_the_promoted_pointer_names_the_trained_artifact(demo_report):
    pointer, training = demo_report.pointer, demo_report.training

    assert pointer.sha256 == training.model_artifact_sha256
    assert pointer.uri.endswith(f"/models/breast-cancer/{pointer.version}/model.tar.gz")
    assert json.loads((training.model_dir / "manifest.json").read_text())["model_name"] == pointer.model_name


def test_the_demo_console_shows_one_short_line_per_invocation_and_no_raw_log_lines(demo_console):
    """The functions' own output goes to their CloudWatch Logs groups, as in AWS; the console gets a summary."""
    _, lines = demo_console
    invocations = [line for line in lines if line.startswith("  ")]

    assert not [line for line in lines if line.lstrip().startswith("{")]
    assert any("ApiFunction" in line and " ok " in line for line in invocations)
    assert any("ScorerFunction" in line and " ok " in line for line in invocations)
    assert all(len(line) < 140 for line in invocations)
