from __future__ import annotations

import tarfile
from pathlib import Path

from stacks.constructs.training_pipeline import JobNaming
from tests.stacks.conftest import flatten

PREFIX = JobNaming.for_stack("model", "SlipwayTraining").prefix  # model-<digest of the stack name>

SYNC = {"Tune": "arn:${AWS::Partition}:states:::sagemaker:createHyperParameterTuningJob.sync",
        "TrainBest": "arn:${AWS::Partition}:states:::sagemaker:createTrainingJob.sync"}


def _policy(template, role_prefix: str) -> list[dict]:
    [policy] = [p for p in template.find_resources("AWS::IAM::Policy").values()
                if p["Properties"]["Roles"][0]["Ref"].startswith(role_prefix)]
    return policy["Properties"]["PolicyDocument"]["Statement"]


def _grants(template, role_prefix: str) -> dict[str, set[str]]:
    """action -> flattened resources, for one role."""
    grants: dict[str, set[str]] = {}
    for statement in _policy(template, role_prefix):
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        for action in actions:
            grants.setdefault(action, set()).update(flatten(r) for r in resources)
    return grants


def test_the_pipeline_tunes_trains_the_best_evaluates_and_promotes_only_if_not_worse(pipeline_definition):
    states = pipeline_definition["States"]

    assert pipeline_definition["StartAt"] == "NameRun"
    order, state = [], "NameRun"
    while state in states and "Next" in states[state]:
        order.append(state)
        state = states[state]["Next"]
    assert order + [state] == ["NameRun", "StaticHyperparameters", "Tune", "HasBest"]
    # A Choice on a missing variable is itself a States.Runtime: test presence first
    assert states["HasBest"]["Choices"] == [{"And": [{"Variable": "$.tuning.objectives.Succeeded", "IsPresent": True},
                                                     {"Variable": "$.tuning.objectives.Succeeded",
                                                      "NumericGreaterThan": 0}],
                                             "Next": "DescribeBest"}]
    assert states["HasBest"]["Default"] == "NoBestTrainingJob"
    assert states["NoBestTrainingJob"]["ResultPath"] == "$.error"
    assert states["NoBestTrainingJob"]["Next"] == "NotifyFailedSummary"
    order, state = [], "DescribeBest"
    while state in states and "Next" in states[state]:
        order.append(state)
        state = states[state]["Next"]
    assert order + [state] == ["DescribeBest", "TrainBest", "Evaluate", "NotWorse"]
    choice = states["NotWorse"]
    assert choice["Choices"] == [{"Variable": "$.evaluation.promote", "BooleanEquals": True, "Next": "Promote"}]
    assert choice["Default"] == "NotifyKeptSummary"
    assert states["Promote"]["Next"] == "NotifyPromotedSummary"
    assert states["Promote"]["Parameters"] == {"candidate_model_uri.$": "$.training.model_uri"}
    assert states["NotifyPromoted"]["Resource"].endswith(":states:::sns:publish")
    assert states["NotifyPromoted"]["End"] is True and states["NotifyKept"]["End"] is True


def test_every_task_notifies_and_fails_the_execution_on_error(pipeline_definition):
    states = pipeline_definition["States"]

    for name in ("Tune", "DescribeBest", "TrainBest", "Evaluate", "Promote"):
        assert states[name]["Catch"] == [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error",
                                          "Next": "NotifyFailedSummary"}]
    assert states["NotifyFailed"]["Next"] == "Failed" and states["Failed"]["Type"] == "Fail"


def test_the_sagemaker_steps_wait_for_their_jobs_and_keep_only_what_later_steps_read(pipeline_definition):
    states = pipeline_definition["States"]

    for name, resource in SYNC.items():
        assert states[name]["Resource"] == resource
    # Only what DescribeHyperParameterTuningJob always returns: a path into an absent BestTrainingJob
    # would fail the state with States.Runtime, which no Catch catches
    assert states["Tune"]["ResultSelector"] == {"job_name.$": "$.HyperParameterTuningJobName",
                                                "objectives.$": "$.ObjectiveStatusCounters",
                                                "trials.$": "$.TrainingJobStatusCounters"}
    assert states["DescribeBest"]["Resource"] == \
        "arn:${AWS::Partition}:states:::aws-sdk:sagemaker:describeHyperParameterTuningJob"
    assert states["DescribeBest"]["ResultSelector"]["hyperparameters.$"] == "$.BestTrainingJob.TunedHyperParameters"
    assert states["TrainBest"]["ResultSelector"] == {"job_name.$": "$.TrainingJobName",
                                                     "model_uri.$": "$.ModelArtifacts.S3ModelArtifacts"}


def test_tuning_runs_on_a_gpu_with_spot_checkpoints_kms_a_runtime_limit_and_network_isolation(pipeline_definition):
    definition = pipeline_definition["States"]["Tune"]["Parameters"]["TrainingJobDefinition"]

    assert definition["ResourceConfig"]["InstanceType"] == "ml.g4dn.xlarge"
    assert definition["EnableManagedSpotTraining"] is True
    stopping = definition["StoppingCondition"]
    assert stopping["MaxRuntimeInSeconds"] == 3600 and stopping["MaxWaitTimeInSeconds"] >= 3600
    assert definition["CheckpointConfig"] == {
        "LocalPath": "/opt/ml/checkpoints",
        "S3Uri.$": "States.Format('s3://${Import:SlipwayData-ModelsBucketName}/checkpoints/model/{}/tuning/', "
                   "$.run.id)"}
    assert definition["OutputDataConfig"] == {"S3OutputPath": "s3://${Import:SlipwayData-ModelsBucketName}/training/model/",
                                              "KmsKeyId": "${TrainingKey4F170038.Arn}"}
    assert definition["EnableNetworkIsolation"] is True
    assert definition["EnableInterContainerTrafficEncryption"] is True
    assert definition["RoleArn"] == "${SageMakerRole574B07EB.Arn}"
    assert definition["AlgorithmSpecification"]["TrainingImage"] == "${Map:TrainingImages.${AWS::Region}.uri}"


def test_the_code_travels_as_an_input_channel_with_its_wheelhouse_because_the_jobs_are_isolated(pipeline_definition):
    definition = pipeline_definition["States"]["Tune"]["Parameters"]["TrainingJobDefinition"]
    channels = {c["ChannelName"]: c["DataSource"]["S3DataSource"]["S3Uri"] for c in definition["InputDataConfig"]}

    assert channels["train"] == "s3://${Import:SlipwayData-DataBucketName}/training/model/train/"
    assert channels["validation"] == "s3://${Import:SlipwayData-DataBucketName}/training/model/validation/"
    asset = channels["code"].rsplit("/", 1)[1]
    assert definition["StaticHyperParameters"]["sagemaker_submit_directory"] == f'"/opt/ml/input/data/code/{asset}"'
    assert definition["Environment"] == {"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": "/opt/ml/code/wheelhouse",
                                         "PIP_NO_DEPS": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}


def test_the_trainer_archive_carries_the_code_and_the_wheels_the_image_lacks(assembly: Path, pipeline_definition):
    channels = pipeline_definition["States"]["Tune"]["Parameters"]["TrainingJobDefinition"]["InputDataConfig"]
    asset = next(c for c in channels if c["ChannelName"] == "code")["DataSource"]["S3DataSource"]["S3Uri"]
    asset_hash = asset.rsplit("/", 1)[1].split(".", 1)[0]
    [archive] = assembly.glob(f"asset.{asset_hash}.*")  # staged as .tar.gz, published as <hash>.gz

    with tarfile.open(archive, "r:gz") as tar:
        names = tar.getnames()
        pinned = tar.extractfile("requirements.txt").read().decode().split()
    wheels = {Path(n).name.split("-", 1)[0].lower() for n in names if n.startswith("wheelhouse/")}
    assert {"train.py", "requirements.txt", "requirements.lock"} <= set(names)
    assert not any(n.startswith("jobs/") for n in names)
    # the CUDA 12 build of XGBoost, the lock's closure, and what pip needs to install offline
    assert {"xgboost_cu12", "onnx", "onnxruntime", "onnxmltools", "skl2onnx", "pyarrow", "setuptools", "wheel"} <= wheels
    assert wheels.isdisjoint({"numpy", "pandas", "scipy", "scikit_learn", "nvidia_nccl_cu12"})
    # the toolkit installs exactly the lock: one pinned line per wheel
    assert len(pinned) == len(wheels) and all("==" in line for line in pinned)


def test_the_best_configuration_is_retrained_with_the_tuned_over_the_static_hyperparameters(pipeline_definition):
    states = pipeline_definition["States"]
    training = states["TrainBest"]["Parameters"]

    assert training["HyperParameters.$"] == ("States.JsonMerge($.static_hyperparameters, "
                                             "$.best.hyperparameters, false)")
    assert states["StaticHyperparameters"]["Result"]["num_round"] == "300"
    assert training["TrainingJobName.$"] == f"States.Format('{PREFIX}-{{}}-final', $.run.id)"
    assert states["Tune"]["Parameters"]["HyperParameterTuningJobName.$"] == f"States.Format('{PREFIX}-{{}}-hpo', $.run.id)"
    assert training["EnableNetworkIsolation"] is True and training["EnableManagedSpotTraining"] is True


def test_the_state_machine_logs_every_event_is_traced_and_times_out_after_the_jobs_limits(training_template):
    [machine] = training_template.find_resources("AWS::StepFunctions::StateMachine").values()
    props = machine["Properties"]

    assert (props["LoggingConfiguration"]["Level"], props["LoggingConfiguration"]["IncludeExecutionData"]) == (
        "ALL", True)
    assert props["TracingConfiguration"] == {"Enabled": True}
    definition = flatten(props["DefinitionString"])
    # every wave of trials (10 x 7200 s, spot waits included), the final job's 7200 s, an hour of slack
    assert '"TimeoutSeconds":' + str(72000 + 7200 + 3600) in definition


def test_the_state_machine_may_run_only_this_pipelines_jobs_and_pass_only_the_execution_role(training_template):
    grants = _grants(training_template, "PipelineStateMachineRole")
    scope = "arn:${AWS::Partition}:sagemaker:${AWS::Region}:${AWS::AccountId}:"

    assert PREFIX.startswith("model-") and len(PREFIX) == len("model-") + 6
    assert grants["sagemaker:CreateHyperParameterTuningJob"] == {f"{scope}hyper-parameter-tuning-job/{PREFIX}-*"}
    assert grants["sagemaker:CreateTrainingJob"] == {f"{scope}training-job/{PREFIX}-*"}
    assert grants["sagemaker:StopTrainingJob"] == {f"{scope}training-job/{PREFIX}-*"}
    assert grants["iam:PassRole"] == {"${SageMakerRole574B07EB.Arn}"}
    pass_role = next(s for s in _policy(training_template, "PipelineStateMachineRole") if s["Action"] == "iam:PassRole")
    assert pass_role["Condition"] == {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}
    rules = "arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:rule/StepFunctionsGetEventsForSageMaker"
    for action in ("events:PutTargets", "events:PutRule", "events:DescribeRule"):
        assert grants[action] == {f"{rules}TrainingJobsRule", f"{rules}TuningJobsRule"}
    assert {r for a, rs in grants.items() if a == "lambda:InvokeFunction" for r in rs} == {
        "${EvaluateFunctionLive0D5243E6}", "${PromoteFunctionLive2CA0AD06}"}


def test_the_execution_role_reads_its_data_writes_its_outputs_and_uses_the_training_key(training_template):
    [role] = [r for lid, r in training_template.find_resources("AWS::IAM::Role").items() if lid.startswith("SageMaker")]
    grants = _grants(training_template, "SageMakerRole")

    assert role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": "sagemaker.amazonaws.com"}
    assert "ManagedPolicyArns" not in role["Properties"]
    assert grants["s3:GetObject"] - {r for r in grants["s3:GetObject"] if r.endswith(".gz")} == {
        "${Import:SlipwayData-DataBucketArn}/training/model/*",
        "${Import:SlipwayData-ModelsBucketArn}/checkpoints/model/*"}
    assert grants["s3:PutObject"] == {"${Import:SlipwayData-ModelsBucketArn}/training/model/*",
                                      "${Import:SlipwayData-ModelsBucketArn}/checkpoints/model/*"}
    assert not any(a.startswith("s3:Delete") for a in grants)
    for action in ("kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:CreateGrant"):
        assert grants[action] == {"${TrainingKey4F170038.Arn}"}
    logs = "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/sagemaker/TrainingJobs"
    assert grants["logs:CreateLogGroup"] == {logs}
    for action in ("logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"):
        assert grants[action] == {f"{logs}:*"}
    assert grants["ecr:BatchGetImage"] == {
        "arn:${AWS::Partition}:ecr:${AWS::Region}:${Map:TrainingImages.${AWS::Region}.account}:repository/"
        "${Map:TrainingImages.${AWS::Region}.repository}"}


def test_the_training_image_follows_the_region_from_sagemakers_own_lookup(training_template):
    images = training_template.to_json()["Mappings"]["TrainingImages"]

    tag = "pytorch-training:2.8.0-gpu-py312-cu129-ubuntu22.04-sagemaker"  # the spec's pinned gpu tag
    assert images["us-east-1"] == {"uri": f"763104351884.dkr.ecr.us-east-1.amazonaws.com/{tag}",
                                   "account": "763104351884", "repository": "pytorch-training"}
    assert all(row["uri"].endswith(f"/{tag}") for row in images.values())


def test_the_pipeline_steps_judge_on_the_tuning_objective_and_touch_only_their_keys(training_template):
    functions = {f["Properties"]["Handler"]: f["Properties"]
                 for f in training_template.find_resources("AWS::Lambda::Function").values()}
    evaluate = functions["slipway_pipeline.evaluate.handler"]["Environment"]["Variables"]

    assert set(functions) == {"slipway_pipeline.evaluate.handler", "slipway_pipeline.promote.handler"}
    assert (evaluate["SLIPWAY_OBJECTIVE_METRIC"], evaluate["SLIPWAY_OBJECTIVE_TYPE"]) == ("validation:logloss",
                                                                                        "Minimize")
    assert (evaluate["SLIPWAY_CANDIDATE_PREFIX"], evaluate["SLIPWAY_PROMOTION_TOLERANCE"]) == ("training/model/", "0.0")
    assert evaluate["SLIPWAY_MODELS_PREFIX"] == "models/model/"  # the key layout, defined once in the stack
    promote = _grants(training_template, "PromoteFunctionRole")
    assert promote["s3:PutObject"] == {"${Import:SlipwayData-ModelsBucketArn}/models/model/*",
                                       "${Import:SlipwayData-ModelsBucketArn}/pointers/model.json"}
    assert promote["s3:GetObject"] == {"${Import:SlipwayData-ModelsBucketArn}/training/model/*"}
    assert "s3:PutObject" not in _grants(training_template, "EvaluateFunctionRole")


def test_the_training_key_rotates_and_encrypts_the_notification_topic(training_template):
    [(key_id, key)] = training_template.find_resources("AWS::KMS::Key").items()
    [topic] = training_template.find_resources("AWS::SNS::Topic").values()

    assert key["Properties"]["EnableKeyRotation"] is True
    assert key["DeletionPolicy"] == "Retain"
    assert topic["Properties"]["KmsMasterKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
