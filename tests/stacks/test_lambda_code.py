from __future__ import annotations

from pathlib import Path

import pytest

from stacks.bundling import Bundle
from stacks.lambda_code import BundleTooLarge, LambdaCode, _checked

MIB = 1024 * 1024


@pytest.mark.parametrize(("size", "summary"), [
    (145 * MIB + MIB // 4, "Lambda bundle x: 145.2 MiB unzipped, 58.1% of Lambda's 250 MiB limit"),
    (40 * 1024, "Lambda bundle x: 40 KiB unzipped, 0.0% of Lambda's 250 MiB limit"),
])
def test_the_reported_size_names_the_bundle_its_size_and_the_share_of_lambdas_limit(size, summary):
    code = LambdaCode(name="x", code=None, bundle=Bundle(Path("/nowhere"), size))  # type: ignore[arg-type]

    assert code.summary == summary


def test_given_a_bundle_over_lambdas_unzipped_limit_when_checked_then_synth_fails_naming_both_sizes():
    with pytest.raises(BundleTooLarge, match=r"Lambda bundle big is 251.0 MiB unzipped; Lambda allows 250 MiB"):
        _checked("big", Bundle(Path("/nowhere"), 251 * MIB))
