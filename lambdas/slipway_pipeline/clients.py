"""AWS clients, created lazily and once per process (never at import time)."""
from __future__ import annotations

import functools
from typing import Any


@functools.cache
def s3_client() -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client("s3", config=Config(retries={"mode": "standard", "max_attempts": 5},
                                            connect_timeout=5, read_timeout=60))
