"""sourcedir.tar.gz: the trainer's code as SageMaker's training toolkit expects it (files at the
archive root; it unpacks them into /opt/ml/code, pip-installs requirements.txt and runs the entry
point). Built deterministically, so the same code always has the same sha256 (and CDK asset hash).
"""
from __future__ import annotations

import gzip
import hashlib
import io
import tarfile
from pathlib import Path

_SKIP_DIRS = {"__pycache__", "jobs", ".pytest_cache", ".mypy_cache"}
_SKIP_SUFFIXES = {".pyc", ".pyo"}


def source_files(source_dir: Path) -> list[Path]:
    return sorted(p for p in source_dir.rglob("*") if p.is_file()
                  and not _SKIP_DIRS & set(p.relative_to(source_dir).parts[:-1])
                  and p.suffix not in _SKIP_SUFFIXES)


def pack_source(source_dir: Path, archive: Path) -> str:
    """Writes `archive`; returns its sha256."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path in source_files(source_dir):
            info = tar.gettarinfo(str(path), arcname=path.relative_to(source_dir).as_posix())
            info.mtime, info.uid, info.gid, info.uname, info.gname = 0, 0, 0, "", ""
            info.mode = 0o644
            with path.open("rb") as handle:
                tar.addfile(info, handle)
    archive.parent.mkdir(parents=True, exist_ok=True)
    # mtime=0 in the gzip header too: same bytes for the same files
    with archive.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0,
                                                  filename="") as packed:
        packed.write(buffer.getvalue())
    return hashlib.sha256(archive.read_bytes()).hexdigest()
