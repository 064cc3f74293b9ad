"""Slipway serving: the code that runs inside the HTTP and Kinesis Lambda functions.

Self-contained: imports nothing from ``slipway`` or ``training``. Safe formats only (ONNX).
"""
from __future__ import annotations

__all__ = ["__version__"]
__version__ = "0.1.0"
