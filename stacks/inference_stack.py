"""Serving: the HTTP prediction API and the Kinesis stream scorer, sharing one bundle."""
from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_kinesis as kinesis
from aws_cdk import aws_s3 as s3
from constructs import Construct

from stacks.config import SlipwayConfig
from stacks.constructs.prediction_api import PredictionApi
from stacks.constructs.serving_function import ServingFunction, serving_code
from stacks.constructs.stream_scorer import StreamScorer

RESULTS_PREFIX = "results/"
REJECTS_PREFIX = "rejects/"


class InferenceStack(cdk.Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: SlipwayConfig,
        models_bucket: s3.IBucket,
        results_bucket: s3.IBucket,
        stream: kinesis.IStream,
        **kwargs,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        code = serving_code(config)
        model_env = {
            "SLIPWAY_MODEL_BUCKET": models_bucket.bucket_name,
            "SLIPWAY_MODEL_POINTER_KEY": config.pointer_key,
        }

        self.api_function = ServingFunction(
            self,
            "ApiFunction",
            config=config,
            code=code,
            handler="slipway_serving.handlers.http.handler",
            memory_mb=config.api_memory_mb,
            timeout_seconds=config.api_timeout_seconds,
            environment=model_env,
        )
        self.scorer_function = ServingFunction(
            self,
            "ScorerFunction",
            config=config,
            code=code,
            handler="slipway_serving.handlers.kinesis.handler",
            memory_mb=config.scorer_memory_mb,
            timeout_seconds=config.scorer_timeout_seconds,
            environment={
                **model_env,
                "SLIPWAY_RESULTS_BUCKET": results_bucket.bucket_name,
                "SLIPWAY_RESULTS_PREFIX": RESULTS_PREFIX,
                "SLIPWAY_REJECTS_PREFIX": REJECTS_PREFIX,
            },
        )
        # Serving reads the promoted pointer and the artifacts it names, and nothing else.
        for function in (self.api_function, self.scorer_function):
            models_bucket.grant_read(function, "pointers/*")
            models_bucket.grant_read(function, "models/*")
        results_bucket.grant_put(self.scorer_function, f"{RESULTS_PREFIX}*")
        results_bucket.grant_put(self.scorer_function, f"{REJECTS_PREFIX}*")

        self.api = PredictionApi(self, "Api", function=self.api_function, auth=config.api_auth)
        self.scorer = StreamScorer(self, "Scorer", config=config, function=self.scorer_function, stream=stream)

        cdk.CfnOutput(self, "ApiUrl", value=self.api.url)
        cdk.CfnOutput(self, "ApiFunctionName", value=self.api_function.function_name)
        cdk.CfnOutput(self, "ScorerFunctionName", value=self.scorer_function.function_name)
        cdk.CfnOutput(self, "ModelPointerKey", value=config.pointer_key)
        cdk.CfnOutput(self, "OnFailureQueueUrl", value=self.scorer.on_failure_queue.queue_url)
