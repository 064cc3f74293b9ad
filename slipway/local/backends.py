"""Where the AWS side of a local stack runs: the embedded moto server (default) or a LocalStack the
user already runs. Either way Slipway hosts the functions, the HTTP API and the pollers."""
from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any

from slipway.aws import AwsTarget, Clients
from slipway.local.adapters import BackendAdapter, LocalStackAdapter, MotoAdapter
from slipway.local.emulator import MotoEmulator
from slipway.local.faults import Fault
from slipway.errors import SlipwayError


class BackendUnavailable(SlipwayError):
    exit_code = 2


@dataclass
class MotoBackend:
    name: str = "moto"
    adapter: BackendAdapter = field(default_factory=MotoAdapter)
    emulator: MotoEmulator = field(default_factory=MotoEmulator)

    def start(self) -> AwsTarget:
        return self.emulator.start()

    def detach_triggers(self, target: AwsTarget) -> None:
        self.emulator.detach_stream_triggers()

    def stop(self) -> None:
        self.emulator.stop()


@dataclass
class LocalStackBackend:
    """A running LocalStack, found as localstack-client finds it (LOCALSTACK_HOST, default :4566)."""

    name: str = "localstack"
    adapter: BackendAdapter = field(default_factory=LocalStackAdapter)

    def endpoint(self) -> str:
        from localstack_client.config import get_service_endpoint

        return get_service_endpoint("s3")

    def start(self) -> AwsTarget:
        endpoint = self.endpoint()
        try:
            urllib.request.urlopen(f"{endpoint}/_localstack/health", timeout=3).close()
        except (urllib.error.URLError, OSError) as error:
            raise BackendUnavailable(f"no LocalStack answers at {endpoint} ({error}); start it, or set "
                                     "LOCALSTACK_HOST, or use the default embedded moto backend") from None
        return AwsTarget(endpoint_url=endpoint, access_key_id="test", secret_access_key="test",
                         account_id="000000000000")

    def detach_triggers(self, target: AwsTarget) -> None:
        """LocalStack would run mapped functions itself (in docker); Slipway's pollers do it here,
        so its copies of the mappings are disabled once their settings have been read."""
        lambda_client = Clients(target)("lambda")
        for mapping in lambda_client.list_event_source_mappings()["EventSourceMappings"]:
            lambda_client.update_event_source_mapping(UUID=mapping["UUID"], Enabled=False)

    def stop(self) -> None:
        pass  # the user's LocalStack outlives the local stack


def backend(name: str, *, faults: list[Fault] | None = None) -> Any:
    if name == "moto":
        return MotoBackend(emulator=MotoEmulator(faults=list(faults or [])))
    if name == "localstack":
        if faults:
            raise ValueError("fault injection needs the embedded moto backend")
        return LocalStackBackend()
    raise ValueError(f"unknown backend {name!r}; choose one of moto, localstack")
