from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[3]
SHIPPED = REPO / "training" / "jobs" / "xgboost-classifier.yaml"
ROLE = "arn:aws:iam::123456789012:role/SlipwaySageMaker"


@pytest.fixture
def shipped() -> dict[str, Any]:
    """The shipped spec as a document, to mutate into the case under test."""
    return yaml.safe_load(SHIPPED.read_text())


@pytest.fixture
def write_spec(tmp_path: Path) -> Callable[[dict[str, Any]], Path]:
    """Writes a document as training/jobs/<name>.yaml next to a copy-free link to the trainer."""
    def write(document: dict[str, Any], name: str = "job.yaml") -> Path:
        path = tmp_path / "jobs" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        document = {**document, "source": {**document.get("source", {}),
                                           "dir": str(REPO / "training")}}
        path.write_text(yaml.safe_dump(document, sort_keys=False))
        return path
    return write
