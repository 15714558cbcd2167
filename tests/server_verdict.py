"""The real inference server's verdict on entry scripts, each loaded in a fresh process.

    python tests/server_verdict.py APP_ROOT SCRIPT...    ->  one JSON object {script: verdict} on stdout

For each script this does what azureml-inference-server-http does at start-up before serving: it appends
the app root to sys.path and calls `UserScript(script).load_script(app_root)` (import the module, check
`init` and `run`, inspect `run`, decide how to call it). It does not call `init`, but checks that it could
be called with no arguments (`inspect.signature(init).bind()`), since the server calls `init()` next.

The server keeps module-global state (`aml_request._rawHttpRequested`, inference-schema's registry of
decorated functions), so every script needs a process of its own. This driver imports the server's
modules once, then forks a child per script: each child starts from the same clean state, as a fresh
interpreter would, at a fraction of the cost of starting one (see tests/test_load_differential.py).

A verdict is one of:
    {"verdict": "loaded", "mode": "JsonStringInput" | "ObjectInput" | "RawRequestInput", "init": INIT}
    {"verdict": "rejected", "reason": "syntax" | "import" | "load", "detail": "...", "init": INIT}
    {"verdict": "missing-package", "detail": "..."}
where INIT is {"status": "ok"} | {"status": "missing"} | {"status": "not-callable-without-arguments",
"detail": "..."} | {"status": "unknown"} (when the module does not import).
"""

from __future__ import annotations

import importlib.util
import inspect
import json
import multiprocessing
import os
import sys
from pathlib import Path

TIMEOUT_SECONDS = 60


def _quiet_stdout() -> None:
    # Scripts may print; keep the driver's stdout for its JSON answer.
    sys.stdout.flush()
    os.dup2(2, 1)


def _init_status(init) -> dict:
    try:
        signature = inspect.signature(init)
    except (TypeError, ValueError) as exc:
        return {"status": "not-callable-without-arguments", "detail": f"{type(exc).__name__}: {exc}"}
    try:
        signature.bind()
    except TypeError as exc:
        return {"status": "not-callable-without-arguments", "detail": str(exc)}
    return {"status": "ok"}


def _load(app_root: str, script: str, conn) -> None:
    """In a fresh child: the server's own load step."""
    _quiet_stdout()
    sys.path.append(app_root)  # as aml_blueprint does with AML_APP_ROOT
    from azureml_inference_server_http.server.user_script import (
        UserScript,
        UserScriptError,
        UserScriptImportException,
    )

    user_script = UserScript(script)
    try:
        user_script.load_script(app_root)
    except UserScriptImportException as exc:
        error = exc.user_ex
        if isinstance(error, ModuleNotFoundError):
            conn.send({"verdict": "missing-package", "detail": f"{type(error).__name__}: {error}"})
            return
        reason = "syntax" if isinstance(error, SyntaxError) else "import"
        conn.send({"verdict": "rejected", "reason": reason, "detail": f"{type(error).__name__}: {error}",
                   "init": {"status": "unknown"}})
        return
    except UserScriptError as exc:
        conn.send({"verdict": "rejected", "reason": "load", "detail": str(exc), "init": None})
        return
    conn.send({"verdict": "loaded", "mode": type(user_script.input_parser).__name__,
               "init": _init_status(user_script._user_init)})


def _init_only(app_root: str, script: str, conn) -> None:
    """In a fresh child: import the script as the server does and look at `init` only (used when the
    server's load step stopped on `run` before it got to `init`)."""
    _quiet_stdout()
    sys.path.append(app_root)
    spec = importlib.util.spec_from_file_location("entry_module", os.path.join(app_root, script))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    conn.send(_init_status(module.init) if hasattr(module, "init") else {"status": "missing"})


def _in_child(context, target, *args) -> dict:
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=target, args=(*args, sender))
    process.start()
    sender.close()
    try:
        if not receiver.poll(TIMEOUT_SECONDS):
            return {"verdict": "error", "detail": f"no answer within {TIMEOUT_SECONDS}s"}
        return receiver.recv()
    except EOFError:
        return {"verdict": "error", "detail": "the child process died without an answer"}
    finally:
        process.join(5)
        if process.is_alive():
            process.kill()
            process.join()


def verdicts(app_root: str, scripts: list[str]) -> dict[str, dict]:
    # Import what every script needs once, before forking: the children inherit it, clean.
    import azureml_inference_server_http.server.user_script  # noqa: F401
    import inference_schema.schema_decorators  # noqa: F401

    try:
        import numpy  # noqa: F401
    except ImportError:
        pass
    context = multiprocessing.get_context("fork")
    answers: dict[str, dict] = {}
    for script in scripts:
        verdict = _in_child(context, _load, app_root, script)
        if verdict.get("verdict") == "rejected" and verdict.get("init") is None:
            verdict["init"] = _in_child(context, _init_only, app_root, script)
        answers[script] = verdict
    return answers


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    app_root = str(Path(argv[0]).resolve())
    answers = verdicts(app_root, argv[1:])
    sys.stdout.write(json.dumps(answers, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
