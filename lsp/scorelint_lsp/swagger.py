"""The sandbox, seen from the server: Swagger documents and sandbox diagnostics for a saved script.

Everything here runs on the server's sandbox thread, never on the message loop; the sandbox itself runs
the script in a separate, isolated process. The server keeps one warm worker per interpreter (it has
imported the heavy modules once and forks a fresh isolated child per request), started on first use.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import threading
from pathlib import Path
from typing import Any

from scorelint.config import Settings
from scorelint.project import sandbox_findings

VERSIONS = ("2", "3", "3.1")


class SandboxUnavailable(Exception):
    """This installation has no sandbox (or not the part asked for)."""


class SwaggerFailed(Exception):
    """The sandbox ran but produced no document; `data` says why, for the client."""

    def __init__(self, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.data = data


def _sandbox():
    try:
        return importlib.import_module("scorelint.sandbox")
    except ImportError as exc:
        raise SandboxUnavailable(
            f"sandbox not available: this scorelint installation has no sandbox ({exc})") from None


def sandbox_options(settings: Settings, **extra: Any):
    """[tool.scorelint.sandbox] (with the editor's overrides) as the sandbox's options, read by the
    sandbox's own reader, as for the command line."""
    return _sandbox().options_from_settings(settings, **extra)


class Workers:
    """One warm worker per interpreter, created on first use; a worker that cannot start is not retried
    for that interpreter (the cold path still works)."""

    def __init__(self) -> None:
        self._workers: dict[str, Any] = {}
        self._broken: set[str] = set()
        self._lock = threading.Lock()

    def get(self, python: str | None):
        sandbox = _sandbox()
        key = python or ""
        with self._lock:
            if key in self._broken:
                return None
            worker = self._workers.get(key)
            if worker is None:
                try:
                    worker = sandbox.WarmWorker(python=python).start()
                except Exception:
                    self._broken.add(key)
                    return None
                self._workers[key] = worker
            return worker

    def close(self) -> None:
        with self._lock:
            for worker in self._workers.values():
                try:
                    worker.close()
                except Exception:
                    pass
            self._workers.clear()


WORKERS = Workers()


def show_swagger(path: Path, settings: Settings, options: dict[str, Any]) -> dict[str, Any]:
    """The document the inference server would serve at /swagger.json?version=V for the saved script."""
    sandbox = _sandbox()
    version = str(options.get("version") or "2")
    if version not in VERSIONS:
        raise SwaggerFailed(f"unknown Swagger version {version!r} (choose {', '.join(VERSIONS)})")
    opts = sandbox_options(settings, python=options.get("python"), timeout=options.get("timeout"))
    worker = WORKERS.get(opts.python)
    try:
        result = sandbox.swagger(path, opts, worker=worker)
    except sandbox.SandboxError as exc:
        raise SwaggerFailed(f"the sandbox could not run: {exc}", {"kind": "sandbox"}) from None
    if not result.ok:
        failure = result.failure
        data = {k: v for k, v in dataclasses.asdict(failure).items() if v not in (None, "")}
        where = f" (line {failure.line})" if failure.line else ""
        raise SwaggerFailed(f"{failure.message}{where}", data)
    try:
        document = result.document(version)
    except sandbox.SwaggerUnavailable as exc:
        raise SwaggerFailed(exc.message, {"kind": "unavailable", "status": exc.status}) from None
    return {
        "document": document,
        # exactly what `scorelint swagger --version V` prints, for clients that show the text as it is
        "text": json.dumps(document, indent=2, ensure_ascii=False) + "\n",
        "version": version,
        "versions": sorted(result.documents),
        "unavailable": dict(result.unavailable),
        "path": str(path),
        "standIns": list(result.stand_ins),
        "stoodIn": list(result.stood_in),  # absent packages stood in for (docs/sandbox.md, "Stand-ins")
        "note": result.stand_in_note(),  # one sentence naming both kinds, for clients that show it
        "reducedIsolation": result.reduced_isolation,  # the client says it plainly (VS Code: a warning)
        "elapsed": round(result.elapsed, 3),
    }


def sandbox_diagnostics(path: Path, text: str, linter: Any, static_codes: set[str],
                        notes: list[str] | None = None) -> list:
    """The sandbox rules' findings for the saved script (engine Diagnostics, source "sandbox"), through the
    document pipeline as the command line gets them: enabled rules, options, suppression comments; what
    the static pass already reports is not repeated. `notes` receives what the user must be told (the
    sandbox ran with less isolation, project settings were ignored)."""
    sandbox = _sandbox()
    try:
        return sandbox_findings(linter, path, text, static_codes, notes=notes,
                                worker_for=lambda options: WORKERS.get(options.python))
    except ImportError as exc:
        raise SandboxUnavailable(f"sandbox diagnostics not available in this installation ({exc})") from None
    except sandbox.SandboxError as exc:
        raise SwaggerFailed(f"the sandbox could not run: {exc}") from None
