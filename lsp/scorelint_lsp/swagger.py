"""The sandbox, seen from the server: Swagger documents and sandbox diagnostics for a saved script.

Everything here runs on the server's sandbox thread (the sandbox itself runs the script in a separate,
isolated process), never on the message loop.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from scorelint.config import Settings


class SandboxUnavailable(Exception):
    """This installation has no sandbox."""


class SwaggerFailed(Exception):
    """The sandbox ran but could not produce the document; `data` says why, for the client."""

    def __init__(self, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.data = data


def _sandbox():
    try:
        return importlib.import_module("scorelint.sandbox")
    except ImportError as exc:
        raise SandboxUnavailable(
            f"sandbox not available: this scorelint installation has no sandbox ({exc})") from None


def show_swagger(path: Path, settings: Settings, options: dict[str, Any]) -> dict[str, Any]:
    sandbox = _sandbox()
    api = getattr(sandbox, "swagger", None)
    if api is None:
        raise SandboxUnavailable("sandbox not available: scorelint.sandbox has no swagger()")
    raise SandboxUnavailable("sandbox not available: the server does not know this sandbox's interface yet")


def sandbox_diagnostics(path: Path, linter: Any) -> list:
    _sandbox()
    raise SandboxUnavailable("sandbox not available: the server does not know this sandbox's interface yet")
