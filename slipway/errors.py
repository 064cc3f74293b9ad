"""The kit's one error root: every error slipway/ raises for a user to fix derives from
``SlipwayError``, with a stable ``code``, a ``message`` naming what to fix and the ``exit_code`` of
``slipway`` (1: the run failed; 2: the input is invalid). ``cli.main`` prints it as one line.
(lambdas/ and training/ are separate deployment units, with error roots of their own.)"""
from __future__ import annotations


class SlipwayError(Exception):
    code: str = ""  # the class name unless a class says otherwise (e.g. an AWS error code)
    exit_code: int = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = self.code or type(self).__name__
