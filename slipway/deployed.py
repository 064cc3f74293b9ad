"""What a deployed Slipway app is, read from its stacks' outputs: the same for the emulator and an account.

The CLI's `pipeline` and `models` commands find every name through CloudFormation, with boto3's own
choice of account, region and endpoint (AWS_ENDPOINT_URL reaches `slipway local up`).
"""
from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from slipway.errors import SlipwayError

STACKS = ("SlipwayData", "SlipwayInference", "SlipwayTraining")


class DeploymentNotFound(SlipwayError):
    pass


@dataclass(frozen=True)
class DeployedApp:
    models_bucket: str
    pointer_key: str
    models_prefix: str  # models/<model name>/
    state_machine_arn: str
    training_data_uri: str  # s3://<data bucket>/training/<model>/
    topic_arn: str

    @classmethod
    def from_outputs(cls, outputs: Mapping[str, str]) -> DeployedApp:
        names = {"models_bucket": "ModelsBucketName", "pointer_key": "ModelPointerKey",
                 "models_prefix": "ModelsPrefix", "state_machine_arn": "StateMachineArn",
                 "training_data_uri": "TrainingDataUri", "topic_arn": "NotificationTopicArn"}
        missing = sorted(output for output in names.values() if output not in outputs)
        if missing:
            raise DeploymentNotFound(f"the deployed stacks have no output {', '.join(missing)}; "
                                     "deploy this version of the app (`slipway local up` or `cdk deploy`)")
        return cls(**{field: outputs[output] for field, output in names.items()})

    def channel(self, name: str) -> tuple[str, str]:
        """(bucket, prefix) of a training channel: <training data uri><channel>/."""
        bucket, prefix = self.training_data_uri.removeprefix("s3://").split("/", 1)
        return bucket, f"{prefix}{name}/"


def stack_outputs(cloudformation: Any, stacks: tuple[str, ...] = STACKS) -> dict[str, str]:
    outputs: dict[str, str] = {}
    for name in stacks:
        try:
            described = cloudformation.describe_stacks(StackName=name)["Stacks"]
        except cloudformation.exceptions.ClientError as error:
            raise DeploymentNotFound(f"stack {name} is not deployed where boto3 looks "
                                     f"({error.response['Error'].get('Message', error)})") from None
        for output in described[0].get("Outputs", []):
            outputs[output["OutputKey"]] = output["OutputValue"]
    return outputs


def clients_for(endpoint: str | None) -> Any:
    """boto3 clients as boto3 chooses account, region and credentials; the emulator at a loopback
    endpoint takes any credentials, so it gets placeholder ones when none are set."""
    from slipway.aws import AwsTarget, Clients

    key, secret = os.environ.get("AWS_ACCESS_KEY_ID"), os.environ.get("AWS_SECRET_ACCESS_KEY")
    loopback = bool(endpoint) and any(host in endpoint for host in ("://localhost", "://127.0.0.1"))
    if loopback and not (key and secret):
        key, secret = "testing", "testing"
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    return Clients(AwsTarget(region=region, endpoint_url=endpoint, access_key_id=key, secret_access_key=secret))


def discover(clients: Callable[[str], Any]) -> DeployedApp:
    return DeployedApp.from_outputs(stack_outputs(clients("cloudformation")))
