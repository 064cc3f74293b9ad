"""AWS clients, created lazily and once per process (never at import time)."""
from __future__ import annotations

import functools
from typing import Any


@functools.cache
def s3_client() -> Any:
    """The process's S3 client. boto3 is imported here: it costs ~160 ms and the runtime has it."""
    import boto3
    from botocore.config import Config

    return boto3.client("s3", config=Config(retries={"mode": "standard", "max_attempts": 3},
                                            connect_timeout=5, read_timeout=30))
