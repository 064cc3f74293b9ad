from __future__ import annotations

import pytest

from slipway_pipeline.errors import ArtifactError, InvalidInput
from slipway_pipeline.evaluate import candidate_uri, evaluate, handler, not_worse
from tests.lambdas_pipeline.conftest import BUCKET, put_candidate, put_serving


@pytest.mark.parametrize(
    ("candidate", "current", "objective_type", "tolerance", "expected"),
    [
        (0.91, None, "Maximize", 0.0, True),
        (0.91, 0.90, "Maximize", 0.0, True),
        (0.90, 0.90, "Maximize", 0.0, True),
        (0.89, 0.90, "Maximize", 0.0, False),
        (0.89, 0.90, "Maximize", 0.02, True),
        (0.30, 0.35, "Minimize", 0.0, True),
        (0.36, 0.35, "Minimize", 0.0, False),
        (0.36, 0.35, "Minimize", 0.01, True),
    ],
)
def test_not_worse_respects_the_objective_direction_and_tolerance(candidate, current, objective_type, tolerance,
                                                                  expected):
    assert not_worse(candidate, current, objective_type=objective_type, tolerance=tolerance) is expected


def test_given_no_serving_model_when_evaluated_then_the_candidate_is_promoted(s3, config):
    uri = put_candidate(s3, {"validation:auc": 0.8})

    verdict = evaluate(s3, config, uri)

    assert (verdict.promote, verdict.reason, verdict.candidate, verdict.current) == (
        True, "no model is serving yet", 0.8, None)


def test_given_a_better_serving_model_when_evaluated_then_the_candidate_is_not_promoted(s3, config):
    put_serving(s3, {"validation:auc": 0.9}, version="v-old")
    uri = put_candidate(s3, {"validation:auc": 0.85})

    verdict = evaluate(s3, config, uri)

    assert verdict.promote is False
    assert verdict.current_version == "v-old"
    assert verdict.reason == ("validation:auc 0.85 is worse than the serving model's 0.9 (Maximize, tolerance 0)")


def test_given_a_candidate_without_the_objective_metric_when_evaluated_then_it_is_an_artifact_error(s3, config):
    uri = put_candidate(s3, {"validation:accuracy": 0.9})

    with pytest.raises(ArtifactError, match="the manifest has no numeric metric 'validation:auc'"):
        evaluate(s3, config, uri)


def test_given_an_archive_without_a_manifest_when_evaluated_then_it_is_an_artifact_error(s3, config):
    uri = put_candidate(s3, None)

    with pytest.raises(ArtifactError, match="has no manifest.json at its root"):
        evaluate(s3, config, uri)


def test_given_an_object_that_is_not_an_archive_when_evaluated_then_it_is_an_artifact_error(s3, config):
    s3.put_object(Bucket=BUCKET, Key="training/churn/x/output/model.tar.gz", Body=b"not gzip")

    with pytest.raises(ArtifactError, match="is not a readable model.tar.gz"):
        evaluate(s3, config, f"s3://{BUCKET}/training/churn/x/output/model.tar.gz")


@pytest.mark.parametrize(
    "event",
    [{}, {"candidate_model_uri": 3}, {"candidate_model_uri": f"s3://{BUCKET}/pointers/churn.json"},
     {"candidate_model_uri": "s3://other-bucket/training/churn/x/output/model.tar.gz"}],
)
def test_given_a_uri_outside_the_candidate_prefix_when_evaluated_then_the_input_is_refused(config, event):
    with pytest.raises(InvalidInput):
        candidate_uri(event, config)


def test_the_handler_returns_a_json_ready_verdict_for_the_choice_state(s3, env):
    put_serving(s3, {"validation:auc": 0.7})
    uri = put_candidate(s3, {"validation:auc": 0.75})

    result = handler({"candidate_model_uri": uri}, None)

    assert result == {"promote": True, "reason": "validation:auc 0.75 is not worse than the serving model's 0.7 "
                      "(Maximize, tolerance 0)", "metric": "validation:auc", "objective_type": "Maximize",
                      "candidate": 0.75, "current": 0.7, "current_version": "20260101T000000Z-00000000",
                      "candidate_model_uri": uri}
