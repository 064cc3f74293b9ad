"""contracts/pointer.schema.json, checked from both sides as the manifest is: what every writer
writes (the kit's promote and point_at, the pipeline's promote) follows the schema, and every reader
(serving's store, the pipeline's evaluate, the kit's models) accepts what the schema accepts and
refuses what it refuses."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from slipway_pipeline.artifacts import read_pointer
from slipway_pipeline.errors import ArtifactError as PipelineArtifactError
from slipway_pipeline.promote import promote as pipeline_promote
from slipway_serving.errors import ArtifactError as ServingArtifactError
from slipway_serving.manifest import parse_pointer
from tests.lambdas_pipeline.conftest import BUCKET, model_archive, put_candidate

SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "contracts" / "pointer.schema.json").read_text())
NOW = datetime(2026, 11, 21, 9, 45, tzinfo=timezone.utc)
VALID = {"schema_version": 1, "model_name": "churn", "version": "20261121T094500Z-1a2b3c4d",
         "uri": f"s3://{BUCKET}/models/churn/20261121T094500Z-1a2b3c4d/model.tar.gz", "sha256": "ab" * 32,
         "promoted_at": "2026-11-21T09:45:00Z"}


def validate(document: dict[str, Any]) -> None:
    import jsonschema

    jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker()).validate(document)


def stored_pointer(s3: Any) -> dict[str, Any]:
    return json.loads(s3.get_object(Bucket=BUCKET, Key="pointers/churn.json")["Body"].read())


def test_the_pipeline_writer_follows_the_schema(s3, config):
    pipeline_promote(s3, config, put_candidate(s3, {"validation:auc": 0.8}), now=NOW)

    pointer = stored_pointer(s3)
    validate(pointer)
    assert pointer["uri"].endswith(f"/{pointer['version']}/model.tar.gz")


def test_the_kit_writers_follow_the_schema(s3, tmp_path):
    from slipway.promote import point_at, promote

    archive = tmp_path / "model.tar.gz"
    archive.write_bytes(model_archive({"validation:auc": 0.8}))

    first = promote(lambda service: s3, bucket=BUCKET, pointer_key="pointers/churn.json", tar_path=archive,
                    prefix="models/churn/", now=NOW)
    validate(stored_pointer(s3))
    again = point_at(s3, bucket=BUCKET, pointer_key="pointers/churn.json", prefix="models/churn/",
                     version=first.version, now=datetime(2026, 11, 22, tzinfo=timezone.utc))
    validate(stored_pointer(s3))
    assert (again.uri, again.sha256, again.promoted_at) == (first.uri, first.sha256, "2026-11-22T00:00:00Z")


def test_every_reader_accepts_a_schema_valid_pointer(s3):
    from slipway.models import serving_pointer

    validate(VALID)
    s3.put_object(Bucket=BUCKET, Key="pointers/churn.json", Body=json.dumps(VALID).encode())

    served = parse_pointer(json.dumps(VALID).encode())
    assert (served.model_name, served.version, served.uri, served.sha256) == (
        VALID["model_name"], VALID["version"], VALID["uri"], VALID["sha256"])
    assert read_pointer(s3, BUCKET, "pointers/churn.json") == VALID
    assert serving_pointer(s3, _app()) == VALID


@pytest.mark.parametrize(("field", "value"), [("uri", None), ("sha256", "ABC"), ("uri", "https://x/y"),
                                              ("model_name", None)])
def test_what_the_schema_refuses_the_serving_reader_refuses(field, value):
    import jsonschema

    document = {**VALID, field: value} if value is not None else {k: v for k, v in VALID.items() if k != field}

    with pytest.raises(jsonschema.ValidationError):
        validate(document)
    with pytest.raises(ServingArtifactError):
        parse_pointer(json.dumps(document).encode())


def test_the_pipeline_reader_refuses_a_pointer_without_a_uri(s3):
    s3.put_object(Bucket=BUCKET, Key="pointers/churn.json",
                  Body=json.dumps({k: v for k, v in VALID.items() if k != "uri"}).encode())

    with pytest.raises(PipelineArtifactError, match="it has no 'uri'"):
        read_pointer(s3, BUCKET, "pointers/churn.json")


def _app():
    from slipway.deployed import DeployedApp

    return DeployedApp(models_bucket=BUCKET, pointer_key="pointers/churn.json", models_prefix="models/churn/",
                       state_machine_arn="arn:aws:states:us-east-1:123456789012:stateMachine:p",
                       training_data_uri="s3://data/training/churn/", topic_arn="arn:aws:sns:us-east-1:1:t")
