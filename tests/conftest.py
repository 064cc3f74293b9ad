"""Session-wide test configuration: every test gets one tier (README: `-m unit|infra|e2e`).

A test's own marker wins; otherwise where it lives (tests/stacks: infra, tests/e2e: e2e), then
what it uses (a synthesized assembly: infra; a local deployment: e2e); anything else is unit."""
from __future__ import annotations

from pathlib import Path

import pytest

TESTS = Path(__file__).parent
TIERS = ("unit", "infra", "e2e", "localstack", "aws")
TIER_BY_DIRECTORY = {"stacks": "infra", "e2e": "e2e"}
TIER_BY_FIXTURE = {"slipway_stack": "e2e", "slipway_model": "e2e", "live": "e2e", "assembly": "infra"}


def tier_of(item: pytest.Item) -> str:
    marked = [name for name in TIERS if item.get_closest_marker(name) is not None]
    if marked:
        return marked[0]
    relative = Path(item.path).relative_to(TESTS)
    if relative.parts[0] in TIER_BY_DIRECTORY:
        return TIER_BY_DIRECTORY[relative.parts[0]]
    used = [TIER_BY_FIXTURE[name] for name in getattr(item, "fixturenames", ()) if name in TIER_BY_FIXTURE]
    return "e2e" if "e2e" in used else (used[0] if used else "unit")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        tier = tier_of(item)
        if item.get_closest_marker(tier) is None:
            item.add_marker(getattr(pytest.mark, tier))


REPO = TESTS.parent


@pytest.fixture(scope="session")
def assembly() -> Path:
    """The app synthesized once per session (and reused across sessions while nothing changed)."""
    from slipway.synth import synthesize

    return synthesize(REPO)
