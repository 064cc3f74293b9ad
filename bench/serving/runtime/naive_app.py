"""The naive baseline: a first Lambda for a scikit-learn or XGBoost model, as tutorials write it.

FastAPI + Mangum, the fitted estimator loaded with joblib when the module is imported (it ships in
the bundle), a boto3 S3 client made at import for the stream's results, pydantic validating the
body, the estimator's own ``predict_proba``, and stdlib ``json`` for the stream.
Bench-only: joblib never appears under lambdas/.
"""
from __future__ import annotations

import base64
import json
import os

import boto3
import joblib
import numpy as np
from fastapi import FastAPI
from mangum import Mangum
from pydantic import BaseModel

model = joblib.load(os.environ["NAIVE_MODEL_PATH"])
FEATURES = [f"f{i:02d}" for i in range(30)]
S3 = boto3.client("s3")

app = FastAPI()


class PredictRequest(BaseModel):
    instances: list[dict[str, float]]


@app.post("/predict")
async def predict(request: PredictRequest) -> dict:
    X = np.array([[row[f] for f in FEATURES] for row in request.instances], dtype=np.float32)
    probabilities = model.predict_proba(X)
    return {"model_version": "bench-1", "predictions": [
        {"label": int(p.argmax()), "probabilities": {"0": float(p[0]), "1": float(p[1])}} for p in probabilities]}


@app.get("/health")
async def health() -> dict:
    return {"status": "ok"}


handler = Mangum(app, lifespan="off")


def stream_handler(event: dict, context: object) -> dict:
    ids, rows = [], []
    for record in event["Records"]:
        document = json.loads(base64.b64decode(record["kinesis"]["data"]))
        ids.append((document.get("id"), record["kinesis"]["sequenceNumber"]))
        features = document["features"]
        rows.append(features if isinstance(features, list) else [features[f] for f in FEATURES])
    probabilities = model.predict_proba(np.array(rows, dtype=np.float32))
    lines = [json.dumps({"id": i, "sequence_number": s, "label": int(p.argmax()),
                         "probabilities": {"0": float(p[0]), "1": float(p[1])}}) for (i, s), p in zip(ids, probabilities)]
    shard = event["Records"][0]["eventID"].rsplit(":", 1)[0]
    S3.put_object(Bucket="bench-results", Key=f"naive/{shard}.jsonl", Body="\n".join(lines).encode())
    return {"batchItemFailures": []}
