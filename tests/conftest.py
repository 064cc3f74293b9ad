"""Session-wide test configuration: tiers come from where a test lives."""
from __future__ import annotations

from pathlib import Path

import pytest

TESTS = Path(__file__).parent
TIER_BY_DIRECTORY = {"stacks": "infra", "e2e": "e2e"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        relative = Path(item.path).relative_to(TESTS)
        tier = TIER_BY_DIRECTORY.get(relative.parts[0], "unit")
        if not any(item.iter_markers(name=name) for name in ("unit", "infra", "e2e", "localstack", "aws")):
            item.add_marker(getattr(pytest.mark, tier))


REPO = TESTS.parent


@pytest.fixture(scope="session")
def assembly() -> Path:
    """The app synthesized once per session (and reused across sessions while nothing changed)."""
    from slipway.synth import synthesize

    return synthesize(REPO)
