"""Where AWS is: one typed target (endpoint, region, credentials) and lazily created clients."""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config


@dataclass(frozen=True)
class AwsTarget:
    """An AWS endpoint: the real one (endpoint_url None) or an emulator speaking the wire protocol."""

    region: str = "us-east-1"
    endpoint_url: str | None = None
    access_key_id: str | None = None
    secret_access_key: str | None = None
    account_id: str = "123456789012"

    def environment(self) -> dict[str, str]:
        """Variables that route any boto3 client (ours, the handlers', the CDK CLI's) to this target."""
        env = {"AWS_DEFAULT_REGION": self.region, "AWS_REGION": self.region}
        if self.endpoint_url:
            env["AWS_ENDPOINT_URL"] = self.endpoint_url
        if self.access_key_id and self.secret_access_key:
            env["AWS_ACCESS_KEY_ID"] = self.access_key_id
            env["AWS_SECRET_ACCESS_KEY"] = self.secret_access_key
        return env


@dataclass
class Clients:
    """boto3 clients for one target, created on first use and shared across threads."""

    target: AwsTarget
    _cache: dict[str, Any] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, service: str) -> Any:
        with self._lock:
            if service not in self._cache:
                self._cache[service] = boto3.session.Session().client(
                    service,
                    region_name=self.target.region,
                    endpoint_url=self.target.endpoint_url,
                    aws_access_key_id=self.target.access_key_id,
                    aws_secret_access_key=self.target.secret_access_key,
                    config=Config(retries={"max_attempts": 3, "mode": "standard"}, max_pool_connections=32),
                )
            return self._cache[service]

