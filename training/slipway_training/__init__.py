"""The Slipway trainer that runs inside the SageMaker training container (script mode).

Self-contained on purpose: it imports nothing from `slipway/` or `lambdas/`; what it shares with them
is the artifact contract in docs/contracts.md.
"""
from __future__ import annotations

__version__ = "0.1.0"
