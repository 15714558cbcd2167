"""`scorelint swagger` and `scorelint try`: the command-line side of the sandbox (scorelint/cli.py holds
only the click declarations). Kept free of libcst and of the linter's configuration machinery so
that the commands start fast: the [tool.scorelint.sandbox] table is read here with tomllib directly.
"""

from __future__ import annotations

import json
import os
import sys
import tomllib
from pathlib import Path

from ._process import SandboxError, SandboxOptions
from .openapi import CANONICAL, VERSIONS
from .results import SandboxResult, SwaggerUnavailable

EXIT_OK, EXIT_FAILED, EXIT_ERROR = 0, 1, 2
PAYLOAD_LIMIT = 16 * 1024 * 1024  # bytes of a --payload file (docs/security.md: size limits)


def _err(message: str) -> None:
    sys.stderr.write(message.rstrip("\n") + "\n")


def sandbox_table(script: Path) -> tuple[dict, Path | None]:
    """The nearest pyproject.toml's [tool.scorelint.sandbox] table (and that file's folder)."""
    folder = script.resolve().parent
    for candidate in (folder, *folder.parents):
        path = candidate / "pyproject.toml"
        if path.is_file():
            try:
                with open(path, "rb") as handle:
                    tool = tomllib.load(handle).get("tool", {})
            except (OSError, tomllib.TOMLDecodeError):
                return {}, None
            if "scorelint" in tool:
                table = tool["scorelint"].get("sandbox", {})
                if not isinstance(table, dict):
                    raise SandboxError(f"{path}: [tool.scorelint.sandbox] must be a table")
                return table, candidate
    return {}, None


def make_options(script: Path, **given) -> SandboxOptions:
    """Command-line values over [tool.scorelint.sandbox] over the defaults."""
    from ._process import options_from_settings

    table, root = sandbox_table(script)
    settings = type("SandboxSettings", (), {"sandbox": table, "root": root,
                                            "config_file": root / "pyproject.toml" if root else None})()
    return options_from_settings(settings, **given)


def _report_failure(result: SandboxResult, script: Path) -> None:
    failure = result.failure
    name = {"import": "import-failed", "load": "load-failed"}.get(failure.kind, failure.kind + "-failed")
    where = f"{script}:{failure.line}" if failure.line else str(script)
    _err(f"{where}: {name}: {failure.message}")
    if failure.detail:
        _err("\n".join("    " + line for line in failure.detail.strip().splitlines()[-25:]))
    _notes(result)
    if result.stderr.strip() and failure.kind != "import":
        _err("the script's stderr (last lines):")
        _err("\n".join("    " + line for line in result.stderr.strip().splitlines()[-15:]))


def _warn(result: SandboxResult) -> None:
    """Said on every run, whatever the output format: the run had less isolation than the full one."""
    if result.reduced_isolation:
        _err(f"scorelint: warning: {result.reduced_isolation}")


def _notes(result: SandboxResult) -> None:
    note = result.stand_in_note()
    if note:
        _err(f"note: {note}")
    for refused in list(dict.fromkeys(result.refused))[:5]:
        _err(f"note: the sandbox refused {refused}")
    for text in result.notes:
        _err(f"note: {text}")
    if result.output_truncated:
        _err(f"note: the script printed {result.stdout_bytes + result.stderr_bytes} bytes; only the first "
             "kept")


# --- scorelint swagger ------------------------------------------------------------------------------
def swagger_command(script: Path, version: str, output: Path | None, validate: bool, **given) -> int:
    from . import swagger

    try:
        options = make_options(script, **given)
        result = swagger(script, options)
    except SandboxError as exc:
        _err(f"scorelint: error: {exc}")
        return EXIT_ERROR
    _warn(result)
    if result.failure is not None:
        if result.failure.kind == "sandbox":
            _err(f"scorelint: error: {result.failure.message}")
            return EXIT_ERROR
        _report_failure(result, script)
        return EXIT_FAILED

    if version == "all":
        payload = {v: result.documents[v] for v in VERSIONS if v in result.documents}
        for v, message in {**result.unavailable, **result.stood_in_documents}.items():
            _err(f"note: no version {v} document: {message}")
        if not payload:
            _err(f"scorelint: {script}: the server serves no Swagger document for this script")
            return EXIT_FAILED
        documents = payload
    else:
        try:
            payload = result.document(version)
        except SwaggerUnavailable as exc:
            if exc.status == 0:  # not the server's answer: built from a stand-in (see stood_in_documents)
                _err(f"scorelint: {script}: no Swagger {version} document: {exc.message}")
            else:
                _err(f"scorelint: {script}: no Swagger {version} document: the server answers 404 "
                     f"\"{exc.message}\"")
            _notes(result)
            return EXIT_FAILED
        documents = {CANONICAL[version]: payload}
    for v, source in result.sources.items():
        if v in documents and source != "generated":
            _err(f"note: version {v} is the app root's {os.path.basename(source)}, served as it is")
    _notes(result)

    if validate:
        code = _validate(documents)
        if code != EXIT_OK:
            return code
    text = json.dumps(payload, indent=2, ensure_ascii=False) + "\n"
    if output is None:
        sys.stdout.write(text)
    else:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            _err(f"scorelint: error: cannot write {output}: {exc.strerror or exc}")
            return EXIT_ERROR
    return EXIT_OK


def _validate(documents: dict) -> int:
    try:
        from openapi_spec_validator import validate as validate_spec
    except ImportError:
        _err("scorelint: error: --validate needs openapi-spec-validator: pip install 'scorelint[sandbox]'")
        return EXIT_ERROR
    failed = False
    for version, document in documents.items():
        try:
            validate_spec(document)
        except Exception as exc:  # noqa: BLE001 - the validator's own error types
            failed = True
            message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            _err(f"scorelint: the version {version} document is not a valid Swagger/OpenAPI document: {message}")
    if not failed:
        _err(f"note: valid ({', '.join(sorted(documents))}) according to openapi-spec-validator")
    return EXIT_FAILED if failed else EXIT_OK


# --- scorelint try ----------------------------------------------------------------------------------
def try_command(script: Path, payload_file: Path | None, output_format: str, **given) -> int:
    from . import try_script

    payload = None
    if payload_file is not None:
        try:
            payload = _read_payload(payload_file)
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            _err(f"scorelint: error: cannot read the payload {payload_file}: {getattr(exc, 'strerror', None) or exc}")
            return EXIT_ERROR
    try:
        options = make_options(script, **given)
        result = try_script(script, options, payload=payload)
    except SandboxError as exc:
        _err(f"scorelint: error: {exc}")
        return EXIT_ERROR
    _warn(result)
    if result.failure is not None and result.failure.kind == "sandbox":
        _err(f"scorelint: error: {result.failure.message}")
        return EXIT_ERROR
    if output_format == "json":
        sys.stdout.write(json.dumps(_try_json(result), indent=2) + "\n")
        return EXIT_OK if result.passed else EXIT_FAILED
    if result.failure is not None:
        _report_failure(result, script)
        if result.failure.kind == "init" and given.get("model_dir") is None and _missing_file(result.failure):
            _err("hint: init() looked for a file that is not there; the sandbox's AZUREML_MODEL_DIR is an empty "
                 "folder unless you give the model's folder with --model-dir DIR")
        _latency(result)
        return EXIT_FAILED

    out = sys.stdout.write
    default_body = result.payload_source == "example" and result.mode != "schema"
    source = ("an empty JSON object, {} (the script has no input schema to take an example from)" if default_body
              else "the schema's example" if result.payload_source == "example" else str(payload_file))
    out(f"status:  {result.status}{' OK' if result.status == 200 else ''}\n")
    _latency(result, out)
    out(f"input:   {source} ({_how_called(result.mode)})\n")
    if result.run_error:
        error = result.run_error
        out(f"error:   run() raised {error.get('type')}: {error.get('message')}\n")
        out("\n".join("    " + line for line in (error.get("traceback") or "").strip().splitlines()[-20:]) + "\n")
    if result.serialize_error:
        out(f"error:   the server cannot serialise run()'s value: {result.serialize_error}\n")
    parsed = result.output
    body = json.dumps(parsed, indent=2, ensure_ascii=False) if parsed is not None else (result.body or "")
    if len(body) > 20000:
        body = body[:20000] + f"\n... ({len(body)} characters in all)"
    out("output:  " + body.replace("\n", "\n         ") + "\n")
    if result.schema_errors:
        out("schema:  the output does not match the output schema:\n")
        out("".join(f"           - {error}\n" for error in result.schema_errors))
    elif result.schema_errors is not None:
        out("schema:  the output matches the output schema\n")
    elif result.schema_note:
        out(f"schema:  {result.schema_note}\n")
    _notes(result)
    if default_body and (result.run_error or result.status != 200):
        _err("hint: run() received {}, since the script has no input schema; send the request body a client "
             "would send with --payload FILE (a JSON file)")
    if result.stdout.strip() or result.stderr.strip():
        _err("the script printed:")
        _err("\n".join("    " + line for line in (result.stdout + result.stderr).strip().splitlines()[-20:]))
    return EXIT_OK if result.passed else EXIT_FAILED


def _missing_file(failure) -> bool:
    text = f"{failure.message}\n{failure.detail or ''}"
    return "FileNotFoundError" in text or "No such file or directory" in text


def _read_payload(path: Path) -> str:
    """The payload file's text, read up to PAYLOAD_LIMIT bytes (a device or an endless pipe stops there)."""
    data = bytearray()
    with open(path, "rb") as handle:
        while len(data) <= PAYLOAD_LIMIT:
            chunk = handle.read(min(1 << 20, PAYLOAD_LIMIT + 1 - len(data)))
            if not chunk:
                break
            data += chunk
    if len(data) > PAYLOAD_LIMIT:
        raise ValueError(f"it is larger than {PAYLOAD_LIMIT // 1048576} MB, the largest payload the sandbox takes")
    return data.decode("utf-8")


def _how_called(mode: str | None) -> str:
    return {"schema": "converted by the input schema", "string": "passed to run() as a JSON string",
            "raw": "passed to run() as the raw request (@rawhttp)"}.get(mode or "", "")


def _latency(result, out=None) -> None:
    out = out or (lambda text: sys.stderr.write(text))
    parts = []
    if result.init_ms is not None:
        parts.append(f"init {result.init_ms:.1f} ms")
    if result.run_ms is not None:
        parts.append(f"run {result.run_ms:.1f} ms")
    out(f"latency: {', '.join(parts) or 'n/a'} (sandbox total {result.elapsed * 1000:.0f} ms)\n")


def _try_json(result) -> dict:
    failure = result.failure
    return {
        "script": result.script, "python": result.python, "passed": result.passed, "status": result.status,
        "init_ms": result.init_ms, "run_ms": result.run_ms, "elapsed_ms": round(result.elapsed * 1000, 1),
        "payload_source": result.payload_source, "output": result.output,
        "body": None if result.output is not None else result.body,
        "schema_errors": result.schema_errors, "schema_note": result.schema_note,
        "run_error": result.run_error, "serialize_error": result.serialize_error,
        "failure": None if failure is None else {"kind": failure.kind, "message": failure.message,
                                                  "line": failure.line},
        "stand_ins": result.stand_ins, "stood_in": result.stood_in, "refused": result.refused,
        "reduced_isolation": result.reduced_isolation, "notes": result.notes,
    }
