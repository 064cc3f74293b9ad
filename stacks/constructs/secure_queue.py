"""An SQS queue that is encrypted at rest and refuses requests without TLS."""
from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_sqs as sqs
from constructs import Construct

MAX_VISIBILITY_TIMEOUT_SECONDS = 43200


class SecureQueue(sqs.Queue):
    """SQS-managed encryption (no key policy to keep in step with each sender), TLS only, kept 14 days."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        visibility_timeout_seconds: int = 30,
        dead_letter_queue: sqs.IQueue | None = None,
        max_receive_count: int = 3,
    ) -> None:
        super().__init__(
            scope,
            construct_id,
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=cdk.Duration.days(14),
            visibility_timeout=cdk.Duration.seconds(min(visibility_timeout_seconds, MAX_VISIBILITY_TIMEOUT_SECONDS)),
            dead_letter_queue=(
                sqs.DeadLetterQueue(queue=dead_letter_queue, max_receive_count=max_receive_count)
                if dead_letter_queue is not None else None
            ),
        )

    @property
    def policy_resource(self) -> cdk.CfnResource:
        """The queue policy (TLS-only and any grants added to it), for resources that must wait for it."""
        policy = self.node.find_child("Policy")
        return policy.node.default_child  # type: ignore[return-value]
