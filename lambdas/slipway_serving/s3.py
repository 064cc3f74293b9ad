"""The functions' S3 I/O: the runtime's one client, made on first use (never at import time), and
every object call the handlers make through it; the model store takes the same client."""
from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

GONE = frozenset({"NoSuchKey", "NoSuchVersion", "NoSuchBucket", "404", "InvalidObjectState"})  # permanent


def new_client() -> Any:
    """An S3 client. boto3 is imported here: it costs ~160 ms and the runtime has it."""
    import boto3
    from botocore.config import Config

    return boto3.client("s3", config=Config(retries={"mode": "standard", "max_attempts": 3},
                                            connect_timeout=5, read_timeout=30))


class S3:
    def __init__(self, create: Callable[[], Any] = new_client) -> None:
        self.client = functools.cache(create)

    def get(self, bucket: str, key: str, version_id: str | None = None) -> Any:
        """The GetObject response; a ClientError whose code is in GONE will never succeed."""
        return self.client().get_object(Bucket=bucket, Key=key, **({"VersionId": version_id} if version_id else {}))

    def put(self, bucket: str, key: str, body: bytes, content_type: str) -> None:
        self.client().put_object(Bucket=bucket, Key=key, Body=body, ContentType=content_type)

    def delete(self, bucket: str, *keys: str) -> None:
        for key in keys:
            self.client().delete_object(Bucket=bucket, Key=key)
