"""ARNs split once: arn:partition:service:region:account:resource."""
from __future__ import annotations

from dataclasses import dataclass

from slipway.errors import SlipwayError


class ArnError(SlipwayError, ValueError):
    pass


@dataclass(frozen=True)
class Arn:
    partition: str
    service: str
    region: str
    account: str
    resource: str

    @classmethod
    def parse(cls, text: str) -> "Arn":
        parts = text.split(":", 5)
        if len(parts) != 6 or parts[0] != "arn":
            raise ArnError(f"{text!r} is not an ARN")
        return cls(*parts[1:])

    @property
    def name(self) -> str:
        """The resource's name: a queue's or topic's, a stream's (after stream/), a function's, a bucket's."""
        if self.service == "kinesis":
            return self.resource.split("/", 2)[1]
        if self.service == "lambda":
            return self.resource.split(":")[1]
        return self.resource

    @property
    def qualifier(self) -> str | None:
        """A Lambda function ARN's alias or version ("live", "3"), or None."""
        parts = self.resource.split(":")
        return parts[2] if self.service == "lambda" and len(parts) > 2 else None

    @property
    def unqualified(self) -> str:
        if self.service == "lambda":
            return f"arn:{self.partition}:lambda:{self.region}:{self.account}:function:{self.name}"
        return str(self)

    def __str__(self) -> str:
        return f"arn:{self.partition}:{self.service}:{self.region}:{self.account}:{self.resource}"
