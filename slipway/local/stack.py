"""`slipway local up`: the synthesized app deployed to the emulator, its functions run here.

The emulator hosts the AWS resources the templates create; this process hosts what the emulator
cannot run without docker: the Lambda functions (each in sandbox processes running its deployed
asset), the HTTP API in front of them, and the event source mappings that invoke them.
"""
from __future__ import annotations

import dataclasses
import functools
import logging
import os
import shutil
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from slipway.aws import AwsTarget, Clients
from slipway.local.assembly import StackArtifact, read_assembly
from slipway.local.deployer import DeployedStack, Deployer
from slipway.local.backends import backend as make_backend
from slipway.local.faults import Fault
from slipway.local.functions import FunctionConfig, Invocation, LocalFunction
from slipway.local.lambda_logs import LogShipper
from slipway.local.runtimes import PYTHON_RUNTIMES, RuntimeUnavailable
from slipway.local.gateway import LocalApiGateway
from slipway.local.kinesis_poller import MappingPoller, MappingSettings
from slipway.local.routes import routes_from_template
from slipway.local import stepfunctions
from slipway.local.sqs_poller import SqsMappingSettings, SqsPoller
from slipway.synth import synthesize
from slipway.errors import SlipwayError

log = logging.getLogger(__name__)


class LocalDeploymentError(SlipwayError):
    exit_code = 2


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
    logs: LogShipper | None = None
    work_dir: Path | None = None  # the sandboxes' private directories
    notes: list[str] = field(default_factory=list)  # what a user should know: functions that cannot run here

    def observe(self, observer: Callable[[str, Invocation], None]) -> None:
        """Call observer(function name, invocation) after every invocation of every function."""
        for function in self.functions.values():
            function.observers.append(observer)

    def output(self, name: str) -> str:
        for stack in self.stacks.values():
            if name in stack.outputs:
                return stack.outputs[name]
        raise LocalDeploymentError(f"no stack has an output named {name!r}")

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
        raise LocalDeploymentError(f"{name!r} {problem}; the app's functions are: {known}")

    @property
    def api_url(self) -> str:
        """The endpoint of the app's API (the first, when it has several: see `gateways`)."""
        if not self.gateways:
            raise LocalDeploymentError("the deployed app has no API routes")
        return next(iter(self.gateways.values())).url

    def stop(self) -> None:
        for poller in self.pollers:
            poller.stop()
        for gateway in self.gateways.values():
            gateway.stop()
        for function in self.functions.values():
            function.close()
        if self.logs is not None:
            self.logs.close()
        if self.backend is not None:
            self.backend.stop()
        if self.work_dir is not None:
            shutil.rmtree(self.work_dir, ignore_errors=True)

    def __enter__(self) -> "LocalDeployment":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _task_roots(artifacts: list[StackArtifact]) -> dict[tuple[str, str], Path]:
    """(stack, S3 key) -> the asset directory: the bytes `cdk deploy` uploads for that key."""
    return {(artifact.name, asset.key): asset.source for artifact in artifacts for asset in artifact.assets
            if asset.packaging == "zip"}


def _task_root(stack: DeployedStack, logical_id: str, properties: dict[str, Any],
               assets: dict[tuple[str, str], Path], work_dir: Path) -> Path:
    code = properties.get("Code", {})
    if "ZipFile" in code:  # inline code: Lambda writes it to index.py
        root = work_dir / "inline" / stack.name / logical_id
        root.mkdir(parents=True, exist_ok=True)
        (root / "index.py").write_text(code["ZipFile"] if isinstance(code["ZipFile"], str) else "")
        return root
    key = code.get("S3Key")
    if isinstance(key, str) and (stack.name, key) in assets:
        return _pinned(assets[(stack.name, key)], work_dir)
    raise LocalDeploymentError(f"{stack.name}/{logical_id}: its code ({code}) is not an asset of the cloud assembly; "
                          "Slipway runs a function's deployed asset only")


def _pinned(asset: Path, work_dir: Path) -> Path:
    """The asset as deployed, hard-linked into this deployment's directory: a later synth may prune the
    assembly it came from while the sandboxes still run it (Lambda keeps the deployed code)."""
    pinned = work_dir / "task" / asset.name
    if pinned.is_dir():
        return pinned
    try:
        shutil.copytree(asset, pinned, copy_function=os.link, symlinks=True)
    except OSError:  # another filesystem: run the assembly's copy
        shutil.rmtree(pinned, ignore_errors=True)
        return asset
    return pinned


def _log_group(stack: DeployedStack, properties: dict[str, Any]) -> str | None:
    """The group the template configures (LoggingConfig.LogGroup, a name or a Ref to a log group)."""
    group = properties.get("LoggingConfig", {}).get("LogGroup")
    if isinstance(group, dict) and "Ref" in group:
        return stack.physical_ids.get(group["Ref"])
    return group if isinstance(group, str) else None


def _host_functions(artifacts: list[StackArtifact], clients: Clients, stacks: dict[str, DeployedStack],
                    logs: LogShipper, work_dir: Path) -> tuple[dict[str, LocalFunction], list[str]]:
    lambda_client = clients("lambda")
    assets = _task_roots(artifacts)
    functions, notes = {}, []
    for stack in stacks.values():
        for logical_id, resource in stack.template.get("Resources", {}).items():
            if resource.get("Type") != "AWS::Lambda::Function":
                continue
            name = stack.physical_ids.get(logical_id)
            if not name:
                raise LocalDeploymentError(f"{stack.name}/{logical_id} was not created by the emulator")
            properties = resource.get("Properties", {})
            reserved = properties.get("ReservedConcurrentExecutions")
            config = FunctionConfig.from_api(lambda_client.get_function_configuration(FunctionName=name),
                                             reserved_concurrency=reserved if isinstance(reserved, int) else None)
            config = dataclasses.replace(config, log_group=_log_group(stack, properties) or config.log_group)
            if config.runtime not in PYTHON_RUNTIMES:
                log.info("%s/%s runs on %s, which Slipway does not run locally", stack.name, logical_id,
                         config.runtime)
                continue
            function = LocalFunction(config, task_root=_task_root(stack, logical_id, properties, assets, work_dir),
                                     target_environment=clients.target.environment(), work_dir=work_dir, logs=logs)
            try:
                function.spec()  # the runtime's interpreter and packages, found or built now, not mid-request
            except RuntimeUnavailable as error:
                notes.append(f"{logical_id}: {error}")
            if function.problem:
                notes.append(function.problem)
            functions[f"{stack.name}/{logical_id}"] = function
    return functions, notes


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
            raise LocalDeploymentError(f"event source mapping {mapping['UUID']} targets {mapping['FunctionArn']}, "
                                  "which is not a function of this app")
        if mapping.get("State", "Enabled") != "Enabled":
            continue
        source = mapping["EventSourceArn"]
        qualifier = mapping["FunctionArn"].split(":")[7] if mapping["FunctionArn"].count(":") == 7 else None
        invoke = functools.partial(function.invoke, qualifier=qualifier)
        if source.startswith("arn:aws:kinesis:"):
            role = clients("lambda").get_function_configuration(FunctionName=function.config.name)["Role"]
            pollers.append(MappingPoller(MappingSettings.from_api(mapping), clients=clients, invoke=invoke,
                                         role_arn=role).start())
        elif source.startswith("arn:aws:sqs:"):
            pollers.append(SqsPoller(SqsMappingSettings.from_api(mapping), clients=clients, invoke=invoke).start())
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
    work_dir = Path(tempfile.mkdtemp(prefix="slipway-sandboxes-"))
    logs: LogShipper | None = None
    try:
        deployer = Deployer(aws, adapter=backend.adapter, cache_dir=project / ".slipway" / "zips")
        artifacts = read_assembly(assembly)
        stacks = deployer.deploy(artifacts)
        for stack in stacks.values():
            for note in stack.adjustments:
                log.info("%s: %s", stack.name, note)
        logs = LogShipper(lambda: deployer.clients("logs"))
        functions, notes = _host_functions(artifacts, deployer.clients, stacks, logs, work_dir)
        for note in notes:
            log.warning("%s", note)
        stepfunctions.host({key: f.invoke for f in functions.values() for key in (f.config.arn, f.config.name)})
        deployment = LocalDeployment(project=project, target=aws, stacks=stacks, functions=functions,
                                     clients=deployer.clients, backend=backend, logs=logs, work_dir=work_dir,
                                     notes=notes)
        if start_gateway:
            deployment.gateways = _gateways(stacks, functions, api_port)
        if start_pollers:
            deployment.pollers = _pollers(deployer.clients, functions)
        backend.detach_triggers(aws)
        return deployment
    except BaseException:
        if logs is not None:
            logs.close()
        backend.stop()
        shutil.rmtree(work_dir, ignore_errors=True)
        raise
