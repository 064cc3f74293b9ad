"""The manifest contract, checked the way every consumer checks it."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "contracts" / "manifest.schema.json"


def manifest_errors(manifest: dict[str, Any]) -> list[str]:
    schema = json.loads(SCHEMA_PATH.read_text())
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(manifest)]


def sha256_mismatches(manifest: dict[str, Any], model_dir: Path) -> list[str]:
    """Files whose bytes or digest disagree with the manifest, plus files it does not list."""
    listed = manifest["files"]
    present = {p.name for p in model_dir.iterdir() if p.is_file()} - {"manifest.json"}
    problems = [f"unlisted: {name}" for name in sorted(present - set(listed))]
    for name, entry in listed.items():
        content = (model_dir / name).read_bytes()
        if hashlib.sha256(content).hexdigest() != entry["sha256"] or len(content) != entry["bytes"]:
            problems.append(f"mismatch: {name}")
    return problems
