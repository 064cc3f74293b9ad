from __future__ import annotations

from typing import Iterator

import pytest

from slipway.aws import AwsTarget
from slipway.local.emulator import MotoEmulator


@pytest.fixture(scope="module")
def emulator() -> Iterator[AwsTarget]:
    with MotoEmulator() as target:
        yield target
