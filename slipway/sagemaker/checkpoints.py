"""The local stand-in for CheckpointConfig.S3Uri: a directory that outlives the job's tree.

SageMaker copies the checkpoint S3 prefix into /opt/ml/checkpoints before the script starts (so a
restarted spot job finds its checkpoints) and uploads what the script writes there. The runner
does the same with a plain directory: restore before the run, sync back after it, whatever the
outcome. Like SageMaker, it never deletes from the store.
"""
from __future__ import annotations

import shutil
from pathlib import Path


def restore(store: Path | None, local: Path) -> int:
    local.mkdir(parents=True, exist_ok=True)
    if store is None or not store.is_dir():
        return 0
    shutil.copytree(store, local, dirs_exist_ok=True)
    return sum(1 for p in store.rglob("*") if p.is_file())


def sync(local: Path, store: Path | None) -> int:
    if store is None or not local.is_dir():
        return 0
    store.mkdir(parents=True, exist_ok=True)
    # Half-written files are the script's business: only finished names travel
    shutil.copytree(local, store, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("*.partial*"))
    return sum(1 for p in local.rglob("*") if p.is_file())
