"""`-m unit|infra|e2e` select what the README says (tests/conftest.py gives every test one tier)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# One known member of each tier, and where each is decided: directory, explicit marker, default.
SAMPLE = {
    "tests/lambdas/test_tasks.py": "unit",
    "tests/stacks/test_nag.py": "infra",
    "tests/e2e/test_bad_input.py": "e2e",
    "tests/slipway/local/test_gaps.py": "e2e",
}


def _collected(tier: str) -> set[str]:
    done = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
                           "-m", tier, *SAMPLE], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode in (0, 5), done.stdout[-2000:] + done.stderr[-2000:]  # 5: nothing selected
    return {line.split("::")[0] for line in done.stdout.splitlines() if "::" in line}


@pytest.mark.parametrize("tier", ["unit", "infra", "e2e"])
def test_each_tier_selects_its_own_tests_and_no_other(tier: str) -> None:
    """Given one known test file per tier, when pytest collects with `-m <tier>`, then it selects
    exactly the files of that tier (before the fix `-m infra` selected nothing)."""
    assert _collected(tier) == {path for path, its in SAMPLE.items() if its == tier}
