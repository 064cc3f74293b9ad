"""Deploy a synthesized cloud assembly to an AWS endpoint (the emulator) the way the CDK CLI does:
bootstrap resources, file assets, then each stack's template in dependency order.

What the emulator lacks is handled here, per backend, and reported; the stack is never described a
second time by hand.
"""
from __future__ import annotations

import hashlib
import logging
import os
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from slipway.aws import AwsTarget, Clients
from slipway.local.adapters import BackendAdapter
from slipway.local.assembly import FileAsset, StackArtifact
from slipway.local.deploy_checks import check_app
from slipway.local.intrinsics import StackContext
from slipway.errors import SlipwayError

log = logging.getLogger(__name__)

BOOTSTRAP_VERSION = "30"
_TEMPLATE_BODY_LIMIT = 51_200  # CloudFormation's TemplateBody quota; larger goes by TemplateURL


class DeployError(SlipwayError):
    def __init__(self, stack: str, reason: str) -> None:
        super().__init__(f"stack {stack} failed to deploy: {reason}")
        self.stack = stack
        self.reason = reason


@dataclass
class DeployedStack:
    name: str
    template: dict[str, Any]
    outputs: dict[str, str]
    physical_ids: dict[str, str]  # logical id -> physical id
    adjustments: list[str] = field(default_factory=list)


def _substitute(value: str, target: AwsTarget) -> str:
    return (value.replace("${AWS::AccountId}", target.account_id)
            .replace("${AWS::Region}", target.region)
            .replace("${AWS::Partition}", "aws"))


def _zip_directory(source: Path, cache_dir: Path, asset_id: str) -> Path:
    """Zip once per asset hash: the asset id is already a content hash of the directory."""
    archive = cache_dir / f"{asset_id}.zip"
    if archive.is_file():
        return archive
    cache_dir.mkdir(parents=True, exist_ok=True)
    partial = archive.with_suffix(f".{os.getpid()}.partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for path in sorted(source.rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(source).as_posix())
    partial.replace(archive)
    return archive


class Deployer:
    def __init__(self, target: AwsTarget, *, adapter: BackendAdapter, cache_dir: Path) -> None:
        self.target = target
        self.clients = Clients(target)
        self.adapter = adapter
        self.cache_dir = cache_dir

    def check(self, stacks: list[StackArtifact]) -> None:
        """Refuse, before deploying anything, what Lambda would refuse in AWS (the emulator does not)."""
        violations = check_app({s.name: s.template for s in stacks})
        if violations:
            first = violations[0].stack
            raise DeployError(first, "; ".join(str(v) for v in violations if v.stack == first))

    def bootstrap(self, stacks: list[StackArtifact]) -> None:
        """What `cdk bootstrap` provides that templates reference: the version parameter and asset bucket."""
        ssm = self.clients("ssm")
        for name in {s.bootstrap_parameter for s in stacks if s.bootstrap_parameter}:
            ssm.put_parameter(Name=name, Value=BOOTSTRAP_VERSION, Type="String", Overwrite=True)
        s3 = self.clients("s3")
        existing = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
        for bucket in {_substitute(a.bucket, self.target) for s in stacks for a in s.assets}:
            if bucket not in existing:
                s3.create_bucket(Bucket=bucket)

    def publish(self, asset: FileAsset) -> None:
        bucket, key = _substitute(asset.bucket, self.target), _substitute(asset.key, self.target)
        s3 = self.clients("s3")
        try:
            s3.head_object(Bucket=bucket, Key=key)
            return  # asset keys are content hashes: present means identical
        except s3.exceptions.ClientError:
            pass
        if asset.packaging == "zip" and not self.adapter.uploads_code:
            s3.put_object(Bucket=bucket, Key=key, Body=_placeholder_zip(asset))
            return
        path = _zip_directory(asset.source, self.cache_dir, asset.asset_id) if asset.packaging == "zip" else asset.source
        s3.upload_file(str(path), bucket, key)

    def deploy(self, stacks: list[StackArtifact], *, timeout_s: float = 120) -> dict[str, DeployedStack]:
        self.check(stacks)
        self.bootstrap(stacks)
        deployed: dict[str, DeployedStack] = {}
        for stack in stacks:
            for asset in stack.assets:
                self.publish(asset)
            deployed[stack.name] = self._deploy_stack(stack, timeout_s)
        return deployed

    def _deploy_stack(self, stack: StackArtifact, timeout_s: float) -> DeployedStack:
        cfn = self.clients("cloudformation")
        template = stack.template
        adjustments = self.adapter.prepare(template)
        body = orjson.dumps(template).decode()
        source: dict[str, str]
        if len(body) <= _TEMPLATE_BODY_LIMIT:
            source = {"TemplateBody": body}
        else:
            key = f"templates/{hashlib.sha256(body.encode()).hexdigest()}.json"
            bucket = f"cdk-hnb659fds-assets-{self.target.account_id}-{self.target.region}"
            self.clients("s3").put_object(Bucket=bucket, Key=key, Body=body.encode())
            source = {"TemplateURL": f"https://{bucket}.s3.amazonaws.com/{key}"}
        capabilities = ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"]
        if self._exists(stack.name):
            try:
                cfn.update_stack(StackName=stack.name, Capabilities=capabilities, **source)
            except cfn.exceptions.ClientError as error:
                if "No updates" not in str(error):
                    raise DeployError(stack.name, str(error)) from error
        else:
            cfn.create_stack(StackName=stack.name, Capabilities=capabilities, **source)
        status = self._wait(stack.name, timeout_s)
        if not status.endswith("_COMPLETE") or "ROLLBACK" in status:
            raise DeployError(stack.name, f"ended in {status}: {self._failure_reasons(stack.name)}")
        description = cfn.describe_stacks(StackName=stack.name)["Stacks"][0]
        resources = cfn.describe_stack_resources(StackName=stack.name)["StackResources"]
        physical_ids = {r["LogicalResourceId"]: r.get("PhysicalResourceId", "") for r in resources
                        if r.get("LogicalResourceId")}
        exports = {e["Name"]: e["Value"] for e in cfn.list_exports().get("Exports", [])}
        context = StackContext(resources=stack.template.get("Resources", {}), physical_ids=physical_ids,
                               exports=exports, region=self.target.region, account_id=self.target.account_id)
        adjustments += self.adapter.complete(self.clients, context)
        return DeployedStack(
            name=stack.name,
            template=stack.template,
            outputs={o["OutputKey"]: o["OutputValue"] for o in description.get("Outputs", [])},
            physical_ids=physical_ids,
            adjustments=adjustments,
        )

    def _exists(self, name: str) -> bool:
        cfn = self.clients("cloudformation")
        try:
            stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
        except cfn.exceptions.ClientError:
            return False
        return stack["StackStatus"] != "DELETE_COMPLETE"

    def _wait(self, name: str, timeout_s: float) -> str:
        cfn = self.clients("cloudformation")
        deadline = time.monotonic() + timeout_s
        while True:
            status = cfn.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"]
            if not status.endswith("_IN_PROGRESS") or time.monotonic() > deadline:
                return status
            time.sleep(0.1)

    def _failure_reasons(self, name: str) -> str:
        events = self.clients("cloudformation").describe_stack_events(StackName=name)["StackEvents"]
        reasons = [f"{e['LogicalResourceId']}: {e.get('ResourceStatusReason')}" for e in events
                   if e.get("ResourceStatus", "").endswith("FAILED")]
        return "; ".join(reasons) or "no reason given"


def _placeholder_zip(asset: FileAsset) -> bytes:
    import io

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("SLIPWAY_PLACEHOLDER.txt", f"asset {asset.asset_id}: the emulator runs no Lambda code; "
                         f"Slipway runs this asset in its own sandboxes (bundle at {asset.source})\n")
    return buffer.getvalue()
