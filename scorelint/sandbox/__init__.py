"""The sandbox: run an entry script's import (and, for `try`, its init() and run()) in an isolated child
process, under the interpreter that holds the model's packages, and report what the inference server
would do with it.

Python API (used by the command line and by the language server)::

    from scorelint.sandbox import SandboxOptions, WarmWorker, swagger, try_script

    result = swagger("score.py", SandboxOptions(python=".venv/bin/python", timeout=10))
    if result.ok:
        document = result.document("3")      # /swagger.json?version=3; raises SwaggerUnavailable (404)
    else:
        print(result.failure.kind, result.failure.message, result.failure.line)

    # The language server keeps one warm worker per interpreter: it has imported numpy, pandas and
    # inference-schema once, and forks a fresh isolated child per request (tens of milliseconds).
    worker = WarmWorker(python=".venv/bin/python").start()
    result = swagger("score.py", options, worker=worker)
    outcome = try_script("score.py", options, payload='{"data": [[1, 2]]}', worker=worker)
    worker.close()

- `swagger(path, options=None, *, worker=None) -> SwaggerResult`: `.documents` ("2", "3", "3.1" ->
  dict, exactly what the reference server serves), `.document(version)`, `.unavailable` (version ->
  the server's 404 message), `.sources` ("generated" or the user swagger file), `.failure`,
  `.stdout`/`.stderr` (capped), `.stand_ins`, `.refused`, `.layers`, `.elapsed`.
- `try_script(path, options=None, *, payload=None, worker=None) -> TryResult`: calls init() then
  run() with the schema's example (or `payload`, JSON text) converted as the server converts it;
  `.status`, `.body`, `.output`, `.init_ms`, `.run_ms`, `.schema_errors` (validated with jsonschema
  against the output schema), `.passed`.
- `sandbox_diagnostics(path, text, options, enabled, *, worker=None, static_codes=(), kind=None)` ->
  the SL9xx Diagnostics (source "sandbox") for `check --sandbox` and the language server.
- `options_from_settings(settings, **overrides)`: [tool.scorelint.sandbox] as SandboxOptions.
- `SandboxOptions`: python, timeout, memory_mb, cpu_seconds, file_mb, processes, output_limit,
  flood_limit, namespaces, app_root, model_dir, service_name, service_version, path_prefix.
- `SandboxError`: the sandbox could not run at all (no such interpreter...); script problems are
  never exceptions, they are `result.failure`.

The isolation model is described in docs/sandbox.md and in `child/__init__.py`.
"""

from __future__ import annotations

import os
from pathlib import Path

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._process import SandboxOptions, WarmWorker
    from .results import SwaggerResult, TryResult

# Loaded on first use, so that reading the sandbox's settings (config.py) costs no process machinery.
_LAZY = {"DEFAULT_PRELOAD": "_process", "SandboxError": "_process", "SandboxOptions": "_process",
         "WarmWorker": "_process", "Failure": "results", "SwaggerResult": "results",
         "SwaggerUnavailable": "results", "TryResult": "results"}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "DEFAULT_PRELOAD", "Failure", "SandboxError", "SandboxOptions", "SwaggerResult", "SwaggerUnavailable",
    "TryResult", "WarmWorker", "options_from_settings", "sandbox_diagnostics", "swagger", "try_script",
]


def _script(path: str | os.PathLike) -> Path:
    from ._process import SandboxError

    script = Path(path)
    if not script.is_file():
        raise SandboxError(f"{path}: no such file")
    return script.absolute()


def swagger(path: str | os.PathLike, options: SandboxOptions | None = None, *,
            worker: WarmWorker | None = None) -> SwaggerResult:
    """Import the script in the sandbox and build every Swagger/OpenAPI document the server would serve."""
    from ._process import SandboxOptions, run_cold
    from .results import swagger_result

    options = options or SandboxOptions()
    script = _script(path)
    run = worker.run("swagger", script, options) if worker is not None else run_cold("swagger", script, options)
    return swagger_result(run, script, options)


def try_script(path: str | os.PathLike, options: SandboxOptions | None = None, *, payload: str | None = None,
               worker: WarmWorker | None = None) -> TryResult:
    """Import the script, call init(), then run() with the example (or `payload`) as the server would."""
    from ._process import SandboxOptions, run_cold
    from .results import try_result

    options = options or SandboxOptions()
    script = _script(path)
    run = (worker.run("try", script, options, payload) if worker is not None
           else run_cold("try", script, options, payload))
    return try_result(run, script, options)


def sandbox_diagnostics(path, text, options=None, enabled=None, **kwargs):
    """The sandbox rules' findings for one file: see `findings.sandbox_diagnostics`."""
    from .findings import sandbox_diagnostics as _diagnostics

    return _diagnostics(path, text, options, enabled, **kwargs)


def options_from_settings(settings, **overrides) -> SandboxOptions:
    """[tool.scorelint.sandbox] (keys named like SandboxOptions' fields) as SandboxOptions."""
    from ._process import options_from_settings as _options

    return _options(settings, **overrides)
