from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone

import pytest

from slipway_pipeline.errors import ArtifactError
from slipway_pipeline.promote import handler, promote
from tests.lambdas_pipeline.conftest import BUCKET, model_archive, put_candidate

NOW = datetime(2026, 11, 21, 9, 45, tzinfo=timezone.utc)


def test_given_a_candidate_when_promoted_then_the_artifact_is_versioned_and_the_pointer_names_it(s3, config):
    uri = put_candidate(s3, {"validation:auc": 0.8})
    archive = s3.get_object(Bucket=BUCKET, Key=uri.split("/", 3)[3])["Body"].read()
    digest = hashlib.sha256(archive).hexdigest()

    result = promote(s3, config, uri, now=NOW)

    version = f"20261121T094500Z-{digest[:8]}"
    key = f"models/churn/{version}/model.tar.gz"
    pointer = json.loads(s3.get_object(Bucket=BUCKET, Key="pointers/churn.json")["Body"].read())
    assert pointer == {"schema_version": 1, "model_name": "churn", "version": version,
                       "uri": f"s3://{BUCKET}/{key}", "sha256": digest, "promoted_at": "2026-11-21T09:45:00Z"}
    copied = s3.get_object(Bucket=BUCKET, Key=key)
    assert copied["Body"].read() == archive
    assert copied["ServerSideEncryption"] == "AES256"
    assert copied["Metadata"] == {"sha256": digest, "source": uri}
    assert result == {**pointer, "bytes": len(archive), "pointer_key": "pointers/churn.json"}


def test_the_handler_promotes_the_candidate_named_in_the_state(s3, env):
    uri = put_candidate(s3, {"validation:auc": 0.8})

    result = handler({"candidate_model_uri": uri}, None)

    assert result["uri"].startswith(f"s3://{BUCKET}/models/churn/")
    assert json.loads(s3.get_object(Bucket=BUCKET, Key="pointers/churn.json")["Body"].read())["uri"] == result["uri"]


def test_a_candidate_whose_manifest_names_no_model_is_refused_before_anything_is_written(s3, config):
    """The pointer names the manifest's model (serving refuses a mismatch): there is no fallback name."""
    key = "training/churn/churn-1a2b3c4d-final/output/model.tar.gz"
    s3.put_object(Bucket=BUCKET, Key=key, Body=model_archive({"validation:auc": 0.8}, model_name=""))

    with pytest.raises(ArtifactError, match="the candidate's manifest has no model_name"):
        promote(s3, config, f"s3://{BUCKET}/{key}", now=NOW)

    assert s3.list_objects_v2(Bucket=BUCKET, Prefix="models/").get("KeyCount") == 0
    assert s3.list_objects_v2(Bucket=BUCKET, Prefix="pointers/").get("KeyCount") == 0


def test_the_pointer_is_written_encrypted_like_the_artifact(s3, config):
    uri = put_candidate(s3, {"validation:auc": 0.8})

    promote(s3, config, uri, now=NOW)

    assert s3.get_object(Bucket=BUCKET, Key="pointers/churn.json")["ServerSideEncryption"] == "AES256"
