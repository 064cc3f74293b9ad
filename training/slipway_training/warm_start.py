"""Warm start: boosting continues from a previous model handed over through the `model` channel,
either a model directory (model.ubj, manifest.json) or the model.tar.gz a previous job produced
(SageMaker copies an S3 object into the channel as is)."""
from __future__ import annotations

import hashlib
import json
import logging
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import xgboost

from .errors import WarmStartMismatch

log = logging.getLogger(__name__)
NATIVE = "model.ubj"
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class WarmStart:
    booster: xgboost.Booster
    sha256: str
    source: str


def _from_archive(archive: Path) -> tuple[bytes, bytes | None]:
    with tarfile.open(archive, "r:gz") as tar:
        members = {m.name.removeprefix("./"): m for m in tar.getmembers() if m.isfile()}
        if NATIVE not in members:
            raise WarmStartMismatch(f"{archive} holds no {NATIVE}; found {sorted(members)}")
        # Read the two members into memory: nothing from the archive is written to disk
        native = tar.extractfile(members[NATIVE]).read()  # type: ignore[union-attr]
        manifest = tar.extractfile(members[MANIFEST]).read() \
            if MANIFEST in members else None  # type: ignore[union-attr]
    return native, manifest


def _read(channel: Path) -> tuple[bytes, bytes | None, str]:
    if (channel / NATIVE).is_file():
        manifest = channel / MANIFEST
        return ((channel / NATIVE).read_bytes(),
                manifest.read_bytes() if manifest.is_file() else None, str(channel / NATIVE))
    archives = sorted(channel.rglob("*.tar.gz"))
    if len(archives) != 1:
        raise WarmStartMismatch(f"the model channel {channel} must hold {NATIVE} or exactly one "
                                f"model.tar.gz; found {[p.name for p in archives] or 'neither'}")
    native, manifest = _from_archive(archives[0])
    return native, manifest, str(archives[0])


def _check_manifest(raw: bytes, source: str, *, task: str, features: list[dict[str, Any]],
                    classes: list[Any] | None) -> None:
    previous = json.loads(raw)
    if previous.get("task") != task or previous.get("algorithm") != "xgboost":
        raise WarmStartMismatch(f"{source} is a {previous.get('algorithm')} "
                                f"{previous.get('task')} model; this run trains xgboost {task}")
    def shape(entries: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
        return [(f["name"], f["type"], tuple(f.get("categories", ()))) for f in entries]
    if shape(previous.get("features", [])) != shape(features):
        raise WarmStartMismatch(f"the features of {source} differ from this data's: "
                                f"{shape(previous.get('features', []))} vs {shape(features)}")
    if previous.get("classes") != classes:
        raise WarmStartMismatch(f"the classes of {source} {previous.get('classes')} differ from "
                                f"this data's {classes}")


def load(channel: Path | None, *, task: str, features: list[dict[str, Any]],
         classes: list[Any] | None, width: int) -> WarmStart | None:
    if channel is None or not channel.exists():
        return None
    native, manifest, source = _read(channel)
    if manifest is not None:
        _check_manifest(manifest, source, task=task, features=features, classes=classes)
    booster = xgboost.Booster()
    booster.load_model(bytearray(native))
    if booster.num_features() != width:
        raise WarmStartMismatch(f"{source} takes {booster.num_features()} inputs; this data "
                                f"encodes to {width}")
    log.info("warm start from %s (%d rounds)", source, booster.num_boosted_rounds())
    return WarmStart(booster=booster, sha256=hashlib.sha256(native).hexdigest(), source=source)
