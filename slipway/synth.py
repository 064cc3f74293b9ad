"""Synthesize the project's CDK app once per content: an unchanged app reuses its cloud assembly."""
from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

from slipway.errors import SlipwayError

log = logging.getLogger(__name__)
# What the synthesized templates depend on; anything else changing must not cost a synth.
_INPUTS = ("app.py", "cdk.json", "stacks", "lambdas", "slipway/jobs", "training")


class SynthError(SlipwayError):
    pass


def _digest(project: Path, context: dict[str, object]) -> str:
    digest = hashlib.sha256(json.dumps(context, sort_keys=True).encode())
    for name in _INPUTS:
        root = project / name
        if not root.exists():
            continue
        paths = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for path in paths:
            if "__pycache__" in path.parts or path.suffix == ".pyc":
                continue
            digest.update(path.relative_to(project).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:24]


def synthesize(project: Path, *, context: dict[str, object] | None = None, cache_dir: Path | None = None) -> Path:
    """Return a cloud assembly directory for the app in `project`, synthesizing only when it changed."""
    context = context or {}
    cache = cache_dir or project / ".slipway" / "assemblies"
    outdir = cache / _digest(project, context)
    if (outdir / "manifest.json").is_file():
        os.utime(outdir)  # recently used: _prune keeps the most recent, and a session may still read it
        return outdir
    staging = outdir.with_name(outdir.name + f".{os.getpid()}.partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "CDK_OUTDIR": str(staging), "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}
    env.pop("CDK_CONTEXT_JSON", None)
    if context:
        merged = {**json.loads((project / "cdk.json").read_text()).get("context", {}), **context}
        env["CDK_CONTEXT_JSON"] = json.dumps(merged)
    result = subprocess.run([sys.executable, "app.py"], cwd=project, env=env, capture_output=True, text=True)
    if result.returncode != 0 or not (staging / "manifest.json").is_file():
        shutil.rmtree(staging, ignore_errors=True)
        log.debug("app.py failed:\n%s%s", result.stdout, result.stderr)  # `slipway -v` shows it all
        # A Python error's last line names what to fix; CDK's and cdk-nag's reports go to stdout.
        why = result.stderr.strip().splitlines()[-1] if "Traceback (most recent call last):" in result.stderr \
            else f"\n{result.stdout[-3000:]}{result.stderr[-4000:]}"
        raise SynthError(f"synth of {project / 'app.py'} failed: {why}")
    try:
        staging.rename(outdir)
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)  # a concurrent synth of the same content won
    _prune(cache, keep=outdir.name)
    return outdir


def _prune(cache: Path, *, keep: str, limit: int = 3) -> None:
    assemblies = sorted((p for p in cache.iterdir() if p.is_dir() and p.name != keep and "." not in p.name),
                        key=lambda p: p.stat().st_mtime, reverse=True)
    for stale in assemblies[limit - 1:]:
        shutil.rmtree(stale, ignore_errors=True)
