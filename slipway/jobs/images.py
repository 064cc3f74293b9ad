"""The training image, from the sagemaker package's own lookup (offline, no hand-kept table)."""
from __future__ import annotations

import logging
import os
from functools import lru_cache

from .errors import RenderError


@lru_cache(maxsize=32)
def training_image(framework: str, version: str, region: str, instance_type: str) -> str:
    if "${Token[" in region:
        raise RenderError(f"cannot look up the {framework} {version} image for an unresolved "
                          "region token; pass a concrete region, or image_uri")
    os.environ.setdefault("SAGEMAKER_SUPPRESS_V2_WARNING", "1")
    # sagemaker's import logs where it did not find config files, at INFO, on stdout
    logging.getLogger("sagemaker.config").setLevel(logging.WARNING)
    from sagemaker import image_uris

    try:
        return str(image_uris.retrieve(framework, region, version=version,
                                       instance_type=instance_type, image_scope="training"))
    except ValueError as error:
        raise RenderError(f"no {framework} {version} training image for {region}: {error}") \
            from None
