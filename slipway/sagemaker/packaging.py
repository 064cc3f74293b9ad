"""model.tar.gz and output.tar.gz, packed the way SageMaker packs them: the directory's contents at
the archive root, so `tar -xzf model.tar.gz` yields manifest.json, not model/manifest.json."""
from __future__ import annotations

import hashlib
import tarfile
from pathlib import Path


def pack_directory(source: Path, archive: Path) -> Path:
    archive.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive, "w:gz") as tar:
        for path in sorted(source.rglob("*")):
            tar.add(path, arcname=path.relative_to(source).as_posix(), recursive=False,
                    filter=_anonymous)
    return archive


def _anonymous(info: tarfile.TarInfo) -> tarfile.TarInfo:
    # The artifact travels to other accounts; the build machine's user names need not
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
