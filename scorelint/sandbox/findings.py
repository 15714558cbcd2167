"""The sandbox rules (SL9xx) as engine Diagnostics, for `scorelint check --sandbox` and the language server.

    import-failed (SL901)              the script does not import (exception, hang, crash, exit, limits)
    load-failed (SL902)                it imports, but the server refuses it (the server's own message)
    sensitive-swagger-example (SL903)  personal or secret data in the examples of the real documents
    modules-stood-in (SL904)           packages the interpreter lacks were stood in for (info)

The rule classes (docs, identity, options) live in rules/scorelint_rules/sl90N_*.py like every rule;
the sandbox produces their findings here. A finding a static rule already reports is not repeated.
"""

from __future__ import annotations

import json
import queue
import re
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ..model import Diagnostic, Range, Severity
from ._process import SandboxError, SandboxOptions, WarmWorker
from .results import SwaggerResult

IMPORT_FAILED, LOAD_FAILED, SENSITIVE, STOOD_IN = "SL901", "SL902", "SL903", "SL904"
SANDBOX_CODES = frozenset({IMPORT_FAILED, LOAD_FAILED, SENSITIVE, STOOD_IN})
# The server's load checks that static rules already report, by the code of that rule.
STATIC_TWIN = {"no-init": "SL002", "no-run": "SL003", "run-params": "SL005", "run-no-input": "SL006",
               "rawhttp-schema": "SL007"}
SYNTAX_ERROR = "SL001"


# --- one file -------------------------------------------------------------------------------------
def sandbox_diagnostics(path, text: str, options: SandboxOptions | None = None, enabled=None, *,
                        worker: WarmWorker | None = None, static_codes=(), kind: str | None = None,
                        sensitive_options=None, notes: list[str] | None = None) -> list[Diagnostic]:
    """Run the script in the sandbox and return the enabled sandbox rules' findings (source "sandbox").

    `enabled`: the rule codes to report (None: all three). `static_codes`: the codes the static pass
    reported for this file, so that its findings are not repeated. `kind`: "online" / "batch" / "auto"
    (batch scripts only get import-failed). `sensitive_options`: the SL903 options (allow, names).
    `notes`: receives the run's notes that the user must see (reduced isolation, project settings ignored).
    Raises SandboxError when the sandbox cannot run at all.
    """
    from . import swagger

    enabled = SANDBOX_CODES if enabled is None else SANDBOX_CODES & set(enabled)
    static_codes = set(static_codes)
    if not enabled or SYNTAX_ERROR in static_codes:
        return []  # a file that does not parse is reported by syntax-error; it cannot import either
    if _script_kind(text, kind) == "batch":
        enabled &= {IMPORT_FAILED, STOOD_IN}
        if not enabled:
            return []
    result = swagger(path, options or SandboxOptions(), worker=worker)
    if notes is not None:
        notes.extend(run_notes(result))
    return diagnostics_from(result, text, enabled, static_codes, sensitive_options)


def run_notes(result) -> list[str]:
    """What a run says about itself that every front end must show: less isolation than the full one,
    and the project's sandbox settings that were ignored."""
    ignored = [note for note in result.notes if " is ignored: " in note]
    return ([result.reduced_isolation] if result.reduced_isolation else []) + ignored


def _script_kind(text: str, kind: str | None) -> str:
    if kind in ("online", "batch"):
        return kind
    try:
        from ..context import FileContext
        from ..source import ParsedSource

        return FileContext(Path("score.py"), ParsedSource.parse(text), "auto").facts.kind.value
    except Exception:  # noqa: BLE001 - an unparsable file: treat as online
        return "online"


def diagnostics_from(result: SwaggerResult, text: str, enabled, static_codes=(), sensitive_options=None) \
        -> list[Diagnostic]:
    found: list[Diagnostic] = []
    failure = result.failure
    if result.stood_in and STOOD_IN in enabled and (failure is None or failure.stand_in):
        found.append(_stood_in(result, text))
    if failure is not None:
        if failure.kind == "sandbox":
            raise SandboxError(failure.message)
        if failure.stand_in:  # the stand-in's limit, not the script's fault: said by modules-stood-in
            return found
        if failure.kind == "import" and IMPORT_FAILED in enabled:
            found.append(_diagnostic(IMPORT_FAILED, "import-failed", Severity.ERROR, text, failure.line,
                                     _sentence(failure.message),
                                     ("The server imports the script the same way at start-up, so the deployment "
                                      "fails." + _refusals(result))))
        elif failure.kind != "import" and LOAD_FAILED in enabled and STATIC_TWIN.get(failure.check or "") \
                not in static_codes:
            line = _definition_line(text, failure.line_of) if failure.line_of else failure.line
            if failure.check and failure.check != "swagger":
                message = f'The server refuses to load the script: "{failure.message}"'
            else:
                message = _sentence(failure.message)
            found.append(_diagnostic(LOAD_FAILED, "load-failed", Severity.ERROR, text, line, message,
                                     "The server logs this and exits at start-up (exit code 3), so the deployment "
                                     "fails."))
        return found
    if SENSITIVE in enabled:
        found.extend(_sensitive(result, text, sensitive_options))
    return found


def _stood_in(result: SwaggerResult, text: str) -> Diagnostic:
    first = result.stood_in[0]
    one = len(result.stood_in) == 1
    message = (f"The sandbox stood in for {', '.join(result.stood_in)} with inert module{'' if one else 's'} to "
               "import the script")
    help_text = (f"{'It is' if one else 'They are'} not installed for {result.python}. The sandbox's checks ran "
                 "without the real packages, so they cannot tell whether the script imports in the deployment; give "
                 "the deployment's interpreter with --python to check that.")
    if result.failure is not None:
        help_text += (f" With the stand-ins the import did not complete (it fails on a stand-in for "
                      f"{result.failure.stand_in}), so the other sandbox checks did not run.")
    elif result.stood_in_documents:
        help_text += " A schema sample is built from a stand-in value, so the document was not checked."
    return _diagnostic(STOOD_IN, "modules-stood-in", Severity.INFO, text, result.stood_in_lines.get(first), message,
                       help_text)


def _sentence(message: str) -> str:
    message = message[:1].upper() + message[1:]
    return message if message.endswith(".") else message + "."


def _refusals(result: SwaggerResult) -> str:
    if not result.refused:
        return ""
    unique = list(dict.fromkeys(result.refused))
    more = f" and {len(unique) - 3} more" if len(unique) > 3 else ""
    return f" The sandbox refused: {'; '.join(unique[:3])}{more}."


def _diagnostic(code: str, name: str, severity: Severity, text: str, line: int | None, message: str,
                help: str | None = None) -> Diagnostic:  # noqa: A002
    from scorelint.rule import DOCS_URL

    lines = text.splitlines()
    number = line if line and 1 <= line <= len(lines) else 1
    content = lines[number - 1] if lines else ""
    start = len(content) - len(content.lstrip())
    rng = Range.of(number, start, number, len(content.rstrip()))
    return Diagnostic(code=code, name=name, severity=severity, message=message, range=rng, noqa_line=number,
                      url=DOCS_URL.format(code=code.lower(), name=name), source="sandbox", help=help)


def _definition_line(text: str, name: str | None) -> int | None:
    if not name:
        return None
    for pattern in (rf"^(?:async\s+)?def\s+{name}\s*\(", rf"^{name}\s*=", rf"^from\s+\S+\s+import\s+[^#\n]*\b{name}\b",
                    rf"^\s+(?:async\s+)?def\s+{name}\s*\("):
        match = re.search(pattern, text, re.MULTILINE)
        if match:
            return text.count("\n", 0, match.start()) + 1
    return None


# --- sensitive data in the published examples ------------------------------------------------------
def _sensitive(result: SwaggerResult, text: str, options) -> list[Diagnostic]:
    from ..sensitive import KINDS, find_sensitive
    allow = tuple(getattr(options, "allow", ()) or ())
    names = getattr(options, "names", True)
    seen = set()
    found = []
    for version in sorted(result.documents, key=lambda v: ("2", "3", "3.1").index(v) if v in ("2", "3", "3.1") else 9):
        if result.sources.get(version) != "generated":
            continue  # a hand-written file: its examples are the author's, not a sample
        document = result.documents[version]
        schemas = document.get("definitions") if version == "2" else (document.get("components") or {}).get("schemas")
        for schema_name in ("ServiceInput", "ServiceOutput"):
            schema = (schemas or {}).get(schema_name)
            if not isinstance(schema, dict) or "example" not in schema:
                continue
            for finding in find_sensitive(schema["example"], (), names=names, allow=allow):
                value = _value_at(schema["example"], finding.path)
                if _literal_in_source(value, text):
                    continue
                key = (schema_name, finding.path, finding.kind)
                if key in seen:
                    continue
                seen.add(key)
                what, instead = KINDS.get(finding.kind, (finding.kind, "a placeholder"))
                place = _place(schema_name, finding.path)
                detail = finding.detail or ""
                if detail.startswith(what):  # "a phone number (going by the key's name)": say `what` once
                    detail = detail[len(what):].strip(" ()")
                detail = ": ".join(part for part in (detail, finding.excerpt) if part) or what
                message = f"The published Swagger document shows {what} ({detail}) in the example of {place}"
                help_text = ("Anyone who can fetch /swagger.json reads the document the server publishes. Use "
                             f"{instead} in the sample.")
                line = _schema_line(text, schema_name, finding.path)
                found.append(_diagnostic(SENSITIVE, "sensitive-swagger-example", Severity.WARNING, text, line,
                                         message, help_text))
    return found


def _value_at(value, path):
    for part in path:
        try:
            value = value[part]
        except (KeyError, IndexError, TypeError):
            return None
    return value


def _literal_in_source(value, text: str) -> bool:
    """A value written literally in the script is the static rule's to report."""
    if isinstance(value, str) and len(value) >= 3:
        return json.dumps(value)[1:-1] in text or repr(value)[1:-1] in text
    return False


def _place(schema_name: str, path: tuple) -> str:
    where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")
    if schema_name == "ServiceInput":
        if path:
            return f"input `{path[0]}`" + (f" (at {where})" if len(path) > 1 else "")
        return "the input"
    return "the output" + (f" (at {where})" if where else "")


def _schema_line(text: str, schema_name: str, path: tuple) -> int | None:
    if schema_name == "ServiceInput" and path and isinstance(path[0], str):
        match = re.search(rf"""@\s*[\w.]*input_schema\(\s*(?:param_name\s*=\s*)?['"]{re.escape(path[0])}['"]""",
                          text)
    else:
        match = re.search(r"@\s*[\w.]*output_schema\(", text)
    if match is None:
        match = re.search(r"^(?:async\s+)?def\s+run\s*\(", text, re.MULTILINE)
    return text.count("\n", 0, match.start()) + 1 if match else None


# --- many files: `scorelint check --sandbox` ---------------------------------------------------------
def add_sandbox_findings(outcomes, pipeline, overrides: dict, jobs: int = 1) -> None:
    """Run the sandbox on every checked file and add the sandbox rules' findings to its result, through
    the document pipeline (`Pipeline.sandbox_findings`: the file's enabled rules, options, suppressions).

    Files are run in parallel threads (each sandbox is a separate process); with several files, warm
    workers (one per thread and interpreter) import the heavy modules once. A file the sandbox cannot
    run gets an internal error (exit code 2); the other files are still checked.
    """
    work = []
    for outcome in outcomes:
        result = outcome.result
        if result.error or str(outcome.path) == "-" or Path(outcome.path).suffix != ".py":
            continue  # (deployment YAML, conda and requirements files are checked too: not scripts)
        try:
            linter = pipeline.linter_for(outcome.path)
        except Exception:  # noqa: BLE001 - reported by the static pass already
            continue
        if any(rule.requires_sandbox for rule in linter.selection.rules_for(outcome.path)):
            work.append(outcome)
    if not work:
        return
    threads = max(1, min(jobs or 1, len(work)))
    notes: list[str] = []  # list.extend is atomic: the threads share it
    pools: dict[str, queue.Queue] = {}
    created: list[WarmWorker] = []

    def one(outcome):
        result = outcome.result
        lent: list[WarmWorker] = []

        def worker_for(options: SandboxOptions) -> WarmWorker | None:
            worker = _borrow(options, pools, created, threads) if len(work) >= 3 else None
            if worker is not None:
                lent.append(worker)
            return worker

        try:
            text = result.text if result.text is not None else _read(outcome.path)
            found = pipeline.sandbox_findings(outcome.path, text, {d.code for d in result.diagnostics},
                                              worker_for=worker_for, notes=notes, **overrides)
        except SandboxError as exc:
            result.internal_errors.append(f"sandbox: {exc}")
            return
        finally:
            for worker in lent:
                pools[worker.python].put(worker)
        result.diagnostics.extend(found)
        result.diagnostics.sort(key=Diagnostic.sort_key)

    try:
        if threads == 1:
            for item in work:
                one(item)
        else:
            with ThreadPoolExecutor(threads, thread_name_prefix="scorelint-sandbox") as pool:
                list(pool.map(one, work))
    finally:
        for worker in created:
            worker.close()
        for note in dict.fromkeys(notes):  # on stderr: plain in every output format, stdout stays parseable
            sys.stderr.write(f"scorelint: warning: {note}\n")


def _read(path: Path) -> str:
    from ..encoding import SourceFile

    return SourceFile.from_bytes(Path(path).read_bytes()).text


def _borrow(options: SandboxOptions, pools: dict, created: list, limit: int) -> WarmWorker | None:
    python = options.interpreter()
    pool = pools.setdefault(python, queue.Queue())
    try:
        return pool.get_nowait()
    except queue.Empty:
        pass
    if sum(1 for w in created if w.python == python) >= limit:
        return pool.get()
    try:
        worker = WarmWorker(python=python).start()
    except SandboxError:
        return None
    created.append(worker)
    return worker
