"""API Gateway HTTP API (payload 2.0) -> Mangum -> the FastAPI app.

Importing this module reads nothing and creates no AWS client: the first invocation validates
the environment once, then every invocation reuses the same app, store and client.
"""
from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from typing import Any

from mangum import Mangum

from ..api import create_app
from ..clients import s3_client
from ..config import ServingConfig
from ..store import ModelStore


@dataclass(frozen=True)
class HttpRuntime:
    config: ServingConfig
    store: ModelStore
    adapter: Mangum


@functools.cache
def runtime() -> HttpRuntime:
    config = ServingConfig.from_env(os.environ)
    store = ModelStore.from_config(config, s3=s3_client)
    return HttpRuntime(config=config, store=store,
                       adapter=Mangum(create_app(store, config.limits), lifespan="off"))


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return runtime().adapter(event, context)
