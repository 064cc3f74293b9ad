"""Read a synthesized cloud assembly (cdk.out): its stacks in deployment order and their assets."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from slipway.errors import SlipwayError


class AssemblyError(SlipwayError):
    pass


@dataclass(frozen=True)
class FileAsset:
    asset_id: str
    source: Path
    packaging: str  # "zip" (a directory) or "file"
    bucket: str  # may hold ${AWS::AccountId} / ${AWS::Region} placeholders
    key: str


@dataclass(frozen=True)
class StackArtifact:
    name: str
    template_path: Path
    dependencies: tuple[str, ...]
    assets: tuple[FileAsset, ...]
    bootstrap_parameter: str | None

    @property
    def template(self) -> dict[str, Any]:
        return json.loads(self.template_path.read_text())


def _assets(outdir: Path, asset_manifest: str) -> tuple[FileAsset, ...]:
    manifest = json.loads((outdir / asset_manifest).read_text())
    if manifest.get("dockerImages"):
        raise AssemblyError(f"{asset_manifest} has docker image assets; Slipway bundles without docker")
    found = []
    for asset_id, entry in manifest.get("files", {}).items():
        for destination in entry["destinations"].values():
            found.append(FileAsset(
                asset_id=asset_id,
                source=outdir / entry["source"]["path"],
                packaging=entry["source"].get("packaging", "file"),
                bucket=destination["bucketName"],
                key=destination["objectKey"],
            ))
    return tuple(found)


def read_assembly(outdir: Path) -> list[StackArtifact]:
    """The assembly's stacks, each after the stacks it depends on."""
    manifest_path = outdir / "manifest.json"
    if not manifest_path.is_file():
        raise AssemblyError(f"{outdir} is not a cloud assembly: manifest.json is missing")
    artifacts = json.loads(manifest_path.read_text())["artifacts"]
    stacks: dict[str, StackArtifact] = {}
    for name, artifact in artifacts.items():
        if artifact["type"] != "aws:cloudformation:stack":
            continue
        dependencies = tuple(artifact.get("dependencies", ()))
        asset_files = [artifacts[d]["properties"]["file"] for d in dependencies
                       if artifacts.get(d, {}).get("type") == "cdk:asset-manifest"]
        stacks[name] = StackArtifact(
            name=name,
            template_path=outdir / artifact["properties"]["templateFile"],
            dependencies=tuple(d for d in dependencies if artifacts.get(d, {}).get("type") == "aws:cloudformation:stack"),
            assets=tuple(asset for file in asset_files for asset in _assets(outdir, file)),
            bootstrap_parameter=artifact["properties"].get("bootstrapStackVersionSsmParameter"),
        )
    return _in_dependency_order(stacks)


def _in_dependency_order(stacks: dict[str, StackArtifact]) -> list[StackArtifact]:
    ordered: list[StackArtifact] = []
    visiting: set[str] = set()

    def visit(name: str) -> None:
        if any(stack.name == name for stack in ordered):
            return
        if name in visiting:
            raise AssemblyError(f"stack dependency cycle through {name}")
        visiting.add(name)
        for dependency in stacks[name].dependencies:
            visit(dependency)
        ordered.append(stacks[name])

    for name in sorted(stacks):
        visit(name)
    return ordered
