"""`slipway local up`: the synthesized app deployed to the emulator, its functions run here.

The emulator hosts the AWS resources the templates create; this process hosts what the emulator
cannot run without docker: the Lambda functions, the HTTP API in front of them, and the Kinesis
event source mappings that invoke them.
"""
from __future__ import annotations

import dataclasses
import logging
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from slipway.aws import AwsTarget, Clients
from slipway.local.assembly import read_assembly
from slipway.local.deployer import DeployedStack, Deployer
from slipway.local.backends import backend as make_backend
from slipway.local.faults import Fault
from slipway.local.functions import FunctionConfig, LocalFunction
from slipway.local.gateway import LocalApiGateway
from slipway.local.kinesis_poller import MappingPoller, MappingSettings
from slipway.local.routes import routes_from_template
from slipway.local import stepfunctions
from slipway.local.sqs_poller import SqsMappingSettings, SqsPoller
from slipway.synth import synthesize

log = logging.getLogger(__name__)


class LocalStackError(RuntimeError):
    pass


@dataclass
class LocalDeployment:
    project: Path
    target: AwsTarget
    stacks: dict[str, DeployedStack]
    functions: dict[str, LocalFunction]  # "<stack>/<logical id>" -> function
    clients: Clients  # one cache of boto3 clients for the target, shared by everything here
    gateways: dict[str, LocalApiGateway] = field(default_factory=dict)  # "<stack>/<api logical id>" -> gateway
    pollers: list[MappingPoller | SqsPoller] = field(default_factory=list)
    backend: Any = None

    def output(self, name: str) -> str:
        for stack in self.stacks.values():
            if name in stack.outputs:
                return stack.outputs[name]
        raise LocalStackError(f"no stack has an output named {name!r}")

    def function(self, name: str) -> LocalFunction:
        """A function by its deployed name, its logical id, or a unique part of the logical id."""
        for key, function in self.functions.items():
            if name in (function.config.name, key, key.split("/", 1)[1]):
                return function
        matches = [f for key, f in self.functions.items() if name.lower() in key.lower()]
        if len(matches) == 1:
            return matches[0]
        known = ", ".join(sorted(key.split("/", 1)[1] for key in self.functions))
        problem = "matches several functions" if matches else "matches no function"
        raise LocalStackError(f"{name!r} {problem}; the app's functions are: {known}")

    @property
    def api_url(self) -> str:
        """The endpoint of the app's API (the first, when it has several: see `gateways`)."""
        if not self.gateways:
            raise LocalStackError("the deployed app has no API routes")
        return next(iter(self.gateways.values())).url

    def stop(self) -> None:
        for poller in self.pollers:
            poller.stop()
        for gateway in self.gateways.values():
            gateway.stop()
        for function in self.functions.values():
            function.close()
        if self.backend is not None:
            self.backend.stop()

    def __enter__(self) -> "LocalDeployment":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _host_functions(project: Path, clients: Clients, stacks: dict[str, DeployedStack]) -> dict[str, LocalFunction]:
    lambda_client = clients("lambda")
    functions = {}
    for stack in stacks.values():
        for logical_id, resource in stack.template.get("Resources", {}).items():
            if resource.get("Type") != "AWS::Lambda::Function":
                continue
            name = stack.physical_ids.get(logical_id)
            if not name:
                raise LocalStackError(f"{stack.name}/{logical_id} was not created by the emulator")
            config = FunctionConfig.from_api(lambda_client.get_function_configuration(FunctionName=name))
            functions[f"{stack.name}/{logical_id}"] = LocalFunction(
                config, code_dir=project / "lambdas", runtime_env=clients.target.environment())
    return functions


def _gateways(stacks: dict[str, DeployedStack], functions: dict[str, LocalFunction],
              port: int) -> dict[str, LocalApiGateway]:
    """One local endpoint per API in the templates, as each has its own in AWS."""
    by_api: dict[str, list] = {}
    for stack in stacks.values():
        for route in routes_from_template(stack.template):
            key = f"{stack.name}/{route.api_logical_id}"
            qualified = dataclasses.replace(route, function_logical_id=f"{stack.name}/{route.function_logical_id}")
            by_api.setdefault(key, []).append(qualified)
    unenforced = sorted({r.authorization for routes in by_api.values() for r in routes} - {"NONE"})
    if unenforced:
        log.warning("local API Gateway does not verify %s authorization; requests pass unsigned",
                    " or ".join(unenforced))

    def invoke(function_id: str, event: dict[str, Any], timeout_s: float):
        return functions[function_id].invoke(event, timeout_s=timeout_s)

    gateways = {}
    for index, (key, routes) in enumerate(sorted(by_api.items())):
        gateways[key] = LocalApiGateway(routes, invoke, api_id=key.split("/", 1)[1][:10].lower(),
                                        port=port if index == 0 else 0).start()
    return gateways


def unqualified(function_arn: str) -> str:
    return ":".join(function_arn.split(":")[:7])


def _pollers(clients: Clients, functions: dict[str, LocalFunction]) -> list[MappingPoller | SqsPoller]:
    by_arn = {f.config.arn: f for f in functions.values()}
    pollers: list[MappingPoller | SqsPoller] = []
    for mapping in clients("lambda").list_event_source_mappings()["EventSourceMappings"]:
        # A mapping on an alias or version ("...:function:name:live") runs that function's code.
        function = by_arn.get(unqualified(mapping["FunctionArn"]))
        if function is None:
            raise LocalStackError(f"event source mapping {mapping['UUID']} targets {mapping['FunctionArn']}, "
                                  "which is not a function of this app")
        if mapping.get("State", "Enabled") != "Enabled":
            continue
        source = mapping["EventSourceArn"]
        if source.startswith("arn:aws:kinesis:"):
            role = clients("lambda").get_function_configuration(FunctionName=function.config.name)["Role"]
            pollers.append(MappingPoller(MappingSettings.from_api(mapping), clients=clients, invoke=function.invoke,
                                         role_arn=role).start())
        elif source.startswith("arn:aws:sqs:"):
            pollers.append(SqsPoller(SqsMappingSettings.from_api(mapping), clients=clients,
                                     invoke=function.invoke).start())
        else:
            log.warning("event source mapping %s reads %s, which Slipway does not poll locally", mapping["UUID"], source)
    return pollers


def deploy_local(project: Path, *, context: dict[str, Any] | None = None, api_port: int = 0,
                 start_gateway: bool = True, start_pollers: bool = True, target: str = "moto",
                 faults: list[Fault] | None = None) -> LocalDeployment:
    """Deploy the synthesized app to a backend (embedded moto, or LocalStack) and host its functions here."""
    warnings.filterwarnings("ignore", message="Tried to parse AWS::", category=UserWarning)
    logging.getLogger("moto").setLevel(logging.ERROR)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    assembly = synthesize(project, context=context)
    backend = make_backend(target, faults=faults)
    aws = backend.start()
    try:
        deployer = Deployer(aws, adapter=backend.adapter, cache_dir=project / ".slipway" / "zips")
        stacks = deployer.deploy(read_assembly(assembly))
        for stack in stacks.values():
            for note in stack.adjustments:
                log.info("%s: %s", stack.name, note)
        functions = _host_functions(project, deployer.clients, stacks)
        stepfunctions.host({key: f.invoke for f in functions.values() for key in (f.config.arn, f.config.name)})
        deployment = LocalDeployment(project=project, target=aws, stacks=stacks, functions=functions,
                                     clients=deployer.clients, backend=backend)
        if start_gateway:
            deployment.gateways = _gateways(stacks, functions, api_port)
        if start_pollers:
            deployment.pollers = _pollers(deployer.clients, functions)
        backend.detach_triggers(aws)
        return deployment
    except BaseException:
        backend.stop()
        raise
