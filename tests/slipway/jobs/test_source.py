from __future__ import annotations

import hashlib
import tarfile
from pathlib import Path

from slipway.jobs.source import pack_source

from .conftest import REPO


def test_the_archive_holds_the_trainer_at_its_root_and_nothing_else(tmp_path: Path) -> None:
    pack_source(REPO / "training", tmp_path / "sourcedir.tar.gz")

    with tarfile.open(tmp_path / "sourcedir.tar.gz") as archive:
        names = archive.getnames()
        members = archive.getmembers()
    assert {"train.py", "requirements.txt", "slipway_training/pipeline.py"} <= set(names)
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    assert not [n for n in names if n.startswith("jobs/")]
    assert {(m.mtime, m.uid, m.uname) for m in members} == {(0, 0, "")}


def test_the_same_code_packs_to_the_same_bytes(tmp_path: Path) -> None:
    first = pack_source(REPO / "training", tmp_path / "a.tar.gz")
    second = pack_source(REPO / "training", tmp_path / "b.tar.gz")

    assert first == second == hashlib.sha256((tmp_path / "a.tar.gz").read_bytes()).hexdigest()
