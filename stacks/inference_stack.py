"""Serving: the HTTP prediction API, the Kinesis stream scorer and the batch predictor, sharing one
bundle; each invoked through its `live` alias, each with its own least-privilege role, all alarmed."""
from __future__ import annotations

import aws_cdk as cdk
from constructs import Construct

from stacks.access import allow_list, allow_objects
from stacks.config import SlipwayConfig
from stacks.constructs.alarms import ServingAlarms
from stacks.constructs.batch_predictor import BatchPredictor
from stacks.constructs.encrypted_topic import EncryptedTopic
from stacks.constructs.prediction_api import ApiAuth, PredictionApi
from stacks.constructs.slipway_function import SlipwayFunction
from stacks.constructs.stream_scorer import StreamScorer
from stacks.data_stack import BATCH_PREFIX
from stacks.lambda_code import serving_code
from stacks.shared import DataExports, import_data

RESULTS_PREFIX = "results/"
REJECTS_PREFIX = "rejects/"
PREDICTIONS_PREFIX = "predictions/"
MODELS_PREFIX = "models/"


class InferenceStack(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str, *, config: SlipwayConfig, data: DataExports,
                 **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        refs = import_data(self, data)
        code = serving_code(config)
        code.report(self)
        model_env = {
            "SLIPWAY_MODEL_BUCKET": refs.models_bucket.bucket_name,
            "SLIPWAY_MODEL_POINTER_KEY": config.pointer_key,
        }

        self.api_function = SlipwayFunction(
            self, "ApiFunction", config=config, code=code.code,
            handler="slipway_serving.handlers.http.handler",
            memory_mb=config.api_memory_mb, timeout_seconds=config.api_timeout_seconds,
            environment=model_env,
            cold_start=config.api_cold_start, provisioned_concurrency=config.api_provisioned_concurrency,
            failure_handling="API Gateway invokes it synchronously and returns its errors to the caller",
            description="Slipway: HTTP predictions (API Gateway -> one router -> ONNX Runtime)",
        )
        self.scorer_function = SlipwayFunction(
            self, "ScorerFunction", config=config, code=code.code,
            handler="slipway_serving.handlers.kinesis.handler",
            memory_mb=config.scorer_memory_mb, timeout_seconds=config.scorer_timeout_seconds,
            environment={**model_env, "SLIPWAY_RESULTS_BUCKET": refs.results_bucket.bucket_name,
                         "SLIPWAY_RESULTS_PREFIX": RESULTS_PREFIX, "SLIPWAY_REJECTS_PREFIX": REJECTS_PREFIX},
            failure_handling="its Kinesis event source mapping invokes it synchronously and sends batches that "
                             "exhaust their retries to the mapping's on-failure queue",
            description="Slipway: Kinesis stream scorer",
        )
        self.batch_function = SlipwayFunction(
            self, "BatchFunction", config=config, code=code.code,
            handler="slipway_serving.handlers.csv.handler",
            memory_mb=config.batch_memory_mb, timeout_seconds=config.batch_timeout_seconds,
            environment={**model_env, "SLIPWAY_RESULTS_BUCKET": refs.results_bucket.bucket_name,
                         "SLIPWAY_PREDICTIONS_PREFIX": PREDICTIONS_PREFIX},
            failure_handling="its SQS event source mapping invokes it synchronously; messages that keep failing "
                             "move to the inbox queue's dead-letter queue",
            description="Slipway: batch predictions for CSV files under batch/",
        )
        serving = (self.api_function, self.scorer_function, self.batch_function)

        # Serving reads the promoted pointer of its slot and the artifacts it names, and nothing else.
        for function in serving:
            allow_objects(function.role, bucket=refs.models_bucket, keys=config.pointer_key,
                          actions=["s3:GetObject"])
            allow_objects(function.role, bucket=refs.models_bucket, keys=f"{MODELS_PREFIX}*",
                          actions=["s3:GetObject"], why="promoted artifacts are versioned keys under models/.")
        scorer_role, batch_role = self.scorer_function.role, self.batch_function.role
        allow_objects(scorer_role, bucket=refs.results_bucket, keys=f"{RESULTS_PREFIX}*", actions=["s3:PutObject"],
                      why="one results file per shard and batch of sequence numbers.")
        allow_objects(scorer_role, bucket=refs.results_bucket, keys=f"{REJECTS_PREFIX}*", actions=["s3:PutObject"],
                      why="one rejects file per shard and batch of sequence numbers.")
        allow_objects(batch_role, bucket=refs.data_bucket, keys=f"{BATCH_PREFIX}*",
                      actions=["s3:GetObject", "s3:GetObjectVersion"],
                      why="the CSV files users drop for batch prediction (the version a notification names).")
        # Without ListBucket S3 answers 403, not 404, for a file deleted before it was read: the handler
        # would retry it to the dead-letter queue instead of recording why in an error document.
        allow_list(batch_role, bucket=refs.data_bucket, prefixes=[BATCH_PREFIX])
        allow_objects(batch_role, bucket=refs.results_bucket, keys=f"{PREDICTIONS_PREFIX}*",
                      actions=["s3:PutObject", "s3:DeleteObject"],
                      why="one predictions file per input file; a re-run deletes outputs its outcome contradicts.")

        self.api = PredictionApi(
            self, "Api", handler=self.api_function.alias,
            auth=ApiAuth(mode=config.api_auth, jwt_issuer=config.jwt_issuer, jwt_audience=config.jwt_audience),
            rate_limit=config.api_throttle_rate_limit, burst_limit=config.api_throttle_burst_limit,
            log_retention_days=config.log_retention_days,
        )
        self.scorer = StreamScorer(self, "Scorer", config=config, function=self.scorer_function.alias,
                                   stream=refs.stream)
        self.batch = BatchPredictor(self, "Batch", function=self.batch_function.alias, queue=refs.batch_queue,
                                    files_per_invocation=config.batch_files_per_invocation,
                                    max_concurrency=config.batch_max_concurrency)

        self.alarm_topic = EncryptedTopic(self, "AlarmTopic", description="Slipway serving alarms",
                                          email=config.alarm_email)
        self.alarms = ServingAlarms(
            self, "Alarms", topic=self.alarm_topic.topic,
            functions={"Api": self.api_function.function, "Scorer": self.scorer_function.function,
                       "Batch": self.batch_function.function},
            stream_consumers={"Scorer": self.scorer_function.function},
            iterator_age_threshold_seconds=config.iterator_age_alarm_seconds,
            dead_letter_queues={"ScorerOnFailure": self.scorer.on_failure_queue,
                                "BatchDeadLetters": refs.batch_dead_letter_queue},
            server_errors=self.api.http_api.metric_server_error(period=cdk.Duration.minutes(5)),
        )

        for name, value in {
            "ApiUrl": self.api.url,
            "ApiFunctionName": self.api_function.function.function_name,
            "ScorerFunctionName": self.scorer_function.function.function_name,
            "BatchFunctionName": self.batch_function.function.function_name,
            "AliasName": config.alias_name,
            "ModelPointerKey": config.pointer_key,
            "OnFailureQueueUrl": self.scorer.on_failure_queue.queue_url,
            "AlarmTopicArn": self.alarm_topic.topic.topic_arn,
        }.items():
            cdk.CfnOutput(self, name, value=value)
