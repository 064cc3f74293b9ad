"""Serving never loads unsafe serialization formats: no such module is named anywhere in lambdas/."""
from __future__ import annotations

import re
from pathlib import Path

LAMBDAS = Path(__file__).resolve().parents[2] / "lambdas"
UNSAFE = re.compile(r"\b(c?pickle|_pickle|cloudpickle|joblib|dill|marshal|shelve|allow_pickle|torch\.load)\b",
                    re.IGNORECASE)


def _sources() -> list[Path]:
    return [p for p in LAMBDAS.rglob("*") if p.is_file() and p.suffix in {".py", ".txt", ".cfg", ".toml", ".json"}
            and "__pycache__" not in p.parts]


def test_the_scan_sees_the_serving_package() -> None:
    names = {p.relative_to(LAMBDAS).as_posix() for p in _sources()}

    assert {"requirements.txt", "slipway_serving/store.py", "slipway_serving/artifact.py"} <= names


def test_no_unsafe_deserializer_is_named_under_lambdas() -> None:
    hits = [f"{p.relative_to(LAMBDAS)}:{n}: {line.strip()}"
            for p in _sources() for n, line in enumerate(p.read_text().splitlines(), start=1)
            if UNSAFE.search(line)]

    assert hits == []
