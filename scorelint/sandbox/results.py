"""What a sandbox run found, as plain objects: `SwaggerResult` and `TryResult`, each with a `Failure`
when the script could not be imported or loaded (or hung, crashed, flooded its output...)."""

from __future__ import annotations

import json
import os
import signal
from dataclasses import dataclass, field
from pathlib import Path

from ._process import ChildRun, SandboxOptions
from .messages import MESSAGE_LIMIT
from .openapi import CANONICAL, VERSIONS, invalid_message, unsupported_message


@dataclass
class Failure:
    """Why the script did not get through the sandbox.

    kind: "import" (the server cannot import it: an exception, a hang, a crash at import time),
    "load" (the server imports it but refuses it: what the server would log), "init" / "run" (in
    `try`), "sandbox" (scorelint's own problem: reported, never blamed on the script).
    """

    kind: str
    message: str
    line: int | None = None  # in the script, when known
    detail: str = ""  # a traceback, or more explanation
    module: str | None = None  # a missing module's name
    check: str | None = None  # for load failures: no-init, no-run, run-params, run-no-input, rawhttp-schema, swagger
    line_of: str | None = None  # "run" / "init": the definition the failure is about
    exception: str | None = None  # the exception's type name
    stand_in: str | None = None  # the stand-in value the failure involved ("torch.zeros()"), if any


class SwaggerUnavailable(Exception):
    """The server would answer 404 for this version (the message is the server's own)."""

    def __init__(self, message: str, status: int = 404) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass
class SandboxResult:
    script: str
    python: str
    python_version: str | None = None
    failure: Failure | None = None
    stdout: str = ""
    stderr: str = ""
    stdout_bytes: int = 0
    stderr_bytes: int = 0
    stand_ins: list[str] = field(default_factory=list)  # azureml modules scorelint stood in for
    stood_in: list[str] = field(default_factory=list)  # absent packages stood in for (child/stand_ins.py)
    stood_in_lines: dict[str, int | None] = field(default_factory=dict)  # module -> the script's import line
    refused: list[str] = field(default_factory=list)  # what the audit hook refused
    layers: list[str] = field(default_factory=list)  # isolation layers in force
    notes: list[str] = field(default_factory=list)
    reduced_isolation: str | None = None  # set when the run had less than the full OS isolation: what it lacked
    elapsed: float = 0.0
    mode: str | None = None  # how the server would call run: "schema" | "string" | "raw"
    token: str = ""  # SCORELINT_SANDBOX=<token> marks the run's processes

    @property
    def ok(self) -> bool:
        return self.failure is None

    @property
    def output_truncated(self) -> bool:
        return self.stdout_bytes > len(self.stdout.encode()) or self.stderr_bytes > len(self.stderr.encode())

    def stand_in_note(self) -> str | None:
        notes = []
        if self.stand_ins:
            notes.append(f"{', '.join(self.stand_ins)} {'is' if len(self.stand_ins) == 1 else 'are'} not installed "
                         f"for {self.python}: scorelint stood in for {'it' if len(self.stand_ins) == 1 else 'them'} "
                         "(rawhttp, AMLRequest, AMLResponse, Model.get_model_path) so the schema could be read")
        if self.stood_in:
            notes.append(stood_in_sentence(self.stood_in, self.python) + " (--no-stand-ins: fail instead)")
        return "; ".join(notes) or None


def stood_in_sentence(modules: list[str], python: str) -> str:
    """One sentence naming the absent packages a run stood in for."""
    one = len(modules) == 1
    return (f"{', '.join(modules)} {'is' if one else 'are'} not installed for {python}: scorelint stood in for "
            f"{'it' if one else 'them'} with inert modules to import the script")


@dataclass
class SwaggerResult(SandboxResult):
    documents: dict[str, dict] = field(default_factory=dict)  # "2" / "3" / "3.1" -> the document
    sources: dict[str, str] = field(default_factory=dict)  # version -> "generated" or the user file's path
    unavailable: dict[str, str] = field(default_factory=dict)  # version -> the server's 404 message
    stood_in_documents: dict[str, str] = field(default_factory=dict)  # version -> why it is not given
    service: dict = field(default_factory=dict)

    @property
    def supported_versions(self) -> list[str]:
        return sorted(self.documents)

    def document(self, version: str = "2") -> dict:
        """The document the server serves at /swagger.json?version=VERSION ("2", "2.0", "3", "3.0", "3.1").

        Raises SwaggerUnavailable (the server's 404 message) when there is none, and the script's
        failure when it did not load."""
        if self.failure is not None:
            raise SwaggerUnavailable(self.failure.message, status=0)
        canonical = CANONICAL.get(str(version))
        if canonical is None:
            raise SwaggerUnavailable(invalid_message(str(version), self.supported_versions))
        document = self.documents.get(canonical)
        if document is None and canonical in self.stood_in_documents:
            raise SwaggerUnavailable(self.stood_in_documents[canonical], status=0)
        if document is None:
            raise SwaggerUnavailable(unsupported_message(str(version), self.supported_versions))
        return document

    def examples(self):
        """(version, JSON path, value) of every `example` in the served documents' schemas."""
        for version, document in self.documents.items():
            yield from ((version, path, value) for path, value in _examples(document, ()))


def _examples(value, path):
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "example":
                yield (*path, key), item
            else:
                yield from _examples(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _examples(item, (*path, index))


@dataclass
class TryResult(SandboxResult):
    status: int | None = None  # the HTTP status the server would answer
    body: str | None = None
    content_type: str | None = None
    headers: dict = field(default_factory=dict)
    init_ms: float | None = None
    run_ms: float | None = None
    payload_source: str | None = None  # "example" | "file"
    request_body: str | None = None
    output_schema: dict | None = None
    schema_errors: list[str] | None = None  # None: not validated
    schema_note: str | None = None
    run_error: dict | None = None
    serialize_error: str | None = None

    @property
    def output(self):
        """The response body parsed as JSON (None when it is not JSON)."""
        if self.body is None:
            return None
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    @property
    def passed(self) -> bool:
        return self.failure is None and self.status == 200 and not self.schema_errors


# --- from a child run to a result -------------------------------------------------------------------
SIGNAL_REASONS = {
    "SIGXCPU": "used more CPU time than the sandbox allows ({cpu} s)",
    "SIGXFSZ": "wrote a file larger than the sandbox allows ({file_mb} MB)",
    "SIGSEGV": "crashed with a segmentation fault",
    "SIGBUS": "crashed (bus error)",
    "SIGABRT": "aborted (SIGABRT)",
    "SIGKILL": "was killed (SIGKILL), for example by the memory limit ({memory_mb} MB)",
}
PHASE_WORDS = {None: "starting", "import": "being imported", "load": "being loaded", "swagger":
               "building its Swagger documents", "init": "running init()", "run": "running run()",
               "done": "finishing"}


def common_fields(run: ChildRun, script: Path, options: SandboxOptions) -> dict:
    result = run.result or {}
    return {
        "script": str(script),
        "python": result.get("python") or run.python,
        "python_version": result.get("python_version"),
        "stdout": run.stdout.decode("utf-8", "replace"),
        "stderr": run.stderr.decode("utf-8", "replace"),
        "stdout_bytes": run.stdout_total,
        "stderr_bytes": run.stderr_total,
        "stand_ins": list(result.get("stand_ins") or []),
        "stood_in": [item["module"] for item in result.get("stood_in") or []],
        "stood_in_lines": {item["module"]: item.get("line") for item in result.get("stood_in") or []},
        "refused": list(run.refused),
        "layers": list(run.layers),
        "notes": [*options.config_notes, *run.notes],
        "reduced_isolation": reduced_isolation(run, options),
        "elapsed": run.elapsed,
        "token": run.token,
        "mode": result.get("mode"),
        "failure": failure_of(run, options),
    }


# The layers of the full isolation (as their names start) and, when one is missing, what the run lacked.
FULL_ISOLATION = {"network namespace": "network namespace", "PID namespace": "PID namespace",
                  "read-only file system": "read-only file system",
                  "only the folders the run needs": "view of only the folders the run needs"}


def reduced_isolation(run: ChildRun, options: SandboxOptions) -> str | None:
    """What the run lacked of the full OS isolation, in one sentence (None: it had it all)."""
    if not run.layers and not run.notes:
        return None  # the child did not get as far as isolating (it failed to start)
    missing = [words for layer, words in FULL_ISOLATION.items()
               if not any(got.startswith(layer) for got in run.layers)]
    if not missing:
        return None
    why = "namespaces are turned off in the settings" if not options.namespaces else \
        "; ".join(note for note in run.notes if "namespace" in note or "read-only" in note) or "the machine refused"
    landlock = next((layer for layer in run.layers if layer.startswith("Landlock")), None)
    if landlock:
        sockets = "" if any(layer.startswith("seccomp") for layer in run.layers) else " and Unix sockets"
        reads = "reads only" in landlock
        left = ("Landlock still keeps writes in the sandbox folder" + (" and reads in the folders the run needs"
                if reads else "") + ", and refuses TCP, but a program the script starts can "
                + ("" if reads else "read what this user can read and ") + f"use UDP{sockets}")
    else:
        left = "a program the script starts can write outside the sandbox folder and use the network"
    return (f"the sandbox ran with less isolation ({why}): no {', no '.join(missing)}; {left} "
            "(--require-isolation makes this an error)")


def _ended_abnormally(run: ChildRun) -> str | None:
    """How the process that ran the script ended, when that was not a normal exit (None: normal)."""
    status = run.wait_status
    if status is not None:
        if os.WIFSIGNALED(status):
            return f"was killed by {_signal_name(os.WTERMSIG(status))}"
        if os.WIFEXITED(status) and os.WEXITSTATUS(status) != 0:
            return f"exited with status {os.WEXITSTATUS(status)}"
    if run.returncode not in (None, 0):
        return f"exited with status {run.returncode}"
    return None


def failure_of(run: ChildRun, options: SandboxOptions) -> Failure | None:
    result = run.result
    where = PHASE_WORDS.get(run.phase, run.phase or "starting")
    kind = "import" if run.phase in (None, "import") else ("load" if run.phase in ("load", "swagger") else run.phase)
    if run.unisolated:
        return Failure("sandbox", f"the sandbox cannot run with full isolation here ({run.unisolated}) and "
                                  "isolation is required (--require-isolation): the script was not imported")
    if run.too_large:
        size = run.too_large.get("bytes") or 0
        what = "the response to run()'s return value" if kind == "run" else "the result"
        return Failure(kind, f"{what} is too large to pass out of the sandbox ({size / 1048576:.0f} MB; the limit "
                             f"is {MESSAGE_LIMIT // 1048576} MB)")
    if run.protocol_error or run.results > 1:
        reason = run.protocol_error or "more than one result"
        return Failure(kind, f"the script wrote on the sandbox's result channel ({reason}) while {where}; nothing "
                             "the run reported is trusted")
    if run.flooded:
        return Failure(kind, f"the script printed more than {options.flood_limit // (1024 * 1024)} MB while "
                             f"{where}; the sandbox stopped it")
    if run.timed_out and result is None:
        line, stack = _stuck_at(run.stack, run.script)
        at = f" (it was at line {line})" if line else ""
        if kind == "import":
            return Failure(kind, f"importing the script did not finish within {options.timeout:g} s{at}: the "
                                 "server would hang at start-up (an endless loop or a blocking call at import time?)",
                           line=line, detail=stack)
        return Failure(kind, f"the script did not finish {where} within {options.timeout:g} s{at}", line=line,
                       detail=stack)
    ended = _ended_abnormally(run) if result is not None else None
    if ended and not run.timed_out:  # a result, then an abnormal end: the result is not trusted
        return Failure(kind, f"the process that ran the script {ended} after reporting its result; the server's "
                             "worker would die the same way")
    if result is not None:
        error = result.get("error")
        if not error:
            return None
        if error.get("kind") == "load":
            return Failure("load", error["message"], check=error.get("check"), line_of=error.get("line_of"),
                           line=error.get("line"), detail=error.get("traceback", ""))
        if error.get("kind") == "sandbox":
            return Failure("sandbox", f"scorelint's sandbox failed: {error.get('type')}: {error.get('message')}",
                           detail=error.get("traceback", ""))
        failure = _exception_failure(error, run, options)
        if error.get("stand_in"):
            failure.stand_in = error["stand_in"]
            failure.message += (f" (on a stand-in for {error['stand_in']}: "
                                f"{', '.join(_stood_in(run))} {'is' if len(_stood_in(run)) == 1 else 'are'} not "
                                "installed here, so the failure may come from the stand-in rather than the script; "
                                "install the package, or give the deployment's interpreter with --python)")
        return failure
    if run.crash:
        return Failure("sandbox", f"scorelint's sandbox failed: {run.crash}")
    if run.messages == 0:
        stderr = run.stderr.decode("utf-8", "replace")
        if "scorelint's sandbox needs Python" in stderr or \
                "_child.py" in stderr and ("SyntaxError" in stderr or "invalid syntax" in stderr):
            return Failure("sandbox", f"{run.python} is too old for scorelint's sandbox (it needs Python 3.8 or "
                                      "newer)", detail=stderr)
        if run.returncode is not None and run.returncode != 0 and run.phase is None:
            return Failure("sandbox", f"the sandbox's child program failed to start under {run.python} "
                                      f"(exit status {run.returncode})", detail=stderr[-4000:])
    status = run.wait_status
    if status is not None and os.WIFSIGNALED(status):
        name = _signal_name(os.WTERMSIG(status))
        reason = SIGNAL_REASONS.get(name, f"was killed by {name}").format(
            cpu=int((options.cpu_seconds or options.timeout) + 0.999), file_mb=options.file_mb,
            memory_mb=options.memory_mb)
        return Failure(kind, f"the script {reason} while {where}")
    code = os.WEXITSTATUS(status) if status is not None and os.WIFEXITED(status) else run.returncode
    return Failure(kind, f"the script ended the process (exit status {code}, as with os._exit) while {where}; "
                         "the server's worker would die the same way")


def _stood_in(run: ChildRun) -> list[str]:
    return [item["module"] for item in (run.result or {}).get("stood_in") or []]


def missing_modules_failure(result: SandboxResult, why: str) -> Failure:
    """The import needed packages the interpreter lacks: `--python` names the deployment's interpreter
    (so the deployment would fail), or `try` would answer with stand-ins."""
    first = result.stood_in[0]
    names = ", ".join(repr(m) for m in result.stood_in)
    plural = "s" if len(result.stood_in) > 1 else ""
    return Failure("import", f"importing the script fails: No module{plural} named {names} under {result.python}"
                             f"{f' (Python {result.python_version})' if result.python_version else ''}; {why}",
                   line=result.stood_in_lines.get(first), module=first, exception="ModuleNotFoundError")


def _stuck_at(stack: str, script: str | None) -> tuple[int | None, str]:
    """The script's innermost line in the threads' stacks (faulthandler lists the most recent call first)."""
    if not stack or not script:
        return None, ""
    import re

    real = os.path.realpath(script)
    threads = [t for t in re.split(r"\n(?=(?:Current thread|Thread) 0x)", stack.strip())
               if t.startswith(("Current thread", "Thread"))]
    here = os.path.dirname(os.path.abspath(__file__))
    threads = ["\n".join(line for line in t.splitlines() if here not in line and "<frozen importlib" not in line)
               for t in threads]
    for thread in sorted(threads, key=lambda t: not t.startswith("Current thread")):
        for match in re.finditer(r'File "([^"]+)", line (\d+)', thread):
            if os.path.realpath(match.group(1)) == real:
                return int(match.group(2)), thread
    return None, "\n\n".join(threads)


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _exception_failure(error: dict, run: ChildRun, options: SandboxOptions) -> Failure:
    kind = error.get("kind", "import")
    etype, message = error.get("type", "Exception"), error.get("message", "")
    python = (run.result or {}).get("python") or run.python
    version = (run.result or {}).get("python_version")
    under = f"{python} (Python {version})" if version else python
    module = error.get("module")
    if kind == "import":
        if etype == "ModuleNotFoundError" and module:
            text = (f"importing the script fails: No module named {module!r} under {under}; install it in that "
                    "environment, or choose the deployment's interpreter with --python")
        elif etype == "SystemExit":
            text = f"the script calls sys.exit() while being imported ({message}): the server fails to start"
        elif etype == "MemoryError":
            text = (f"importing the script raises MemoryError: it needs more than the sandbox's "
                    f"{options.memory_mb} MB")
        elif etype == "SyntaxError":
            text = f"the script does not compile under {under}: SyntaxError: {message}"
        else:
            text = f"importing the script raises {etype}: {message}"
    else:
        text = f"{kind} failed: {etype}: {message}"
    return Failure(kind, text, line=error.get("line"), detail=error.get("traceback", ""), module=module,
                   exception=etype)


def swagger_result(run: ChildRun, script: Path, options: SandboxOptions) -> SwaggerResult:
    result = SwaggerResult(**common_fields(run, script, options))
    swagger = (run.result or {}).get("swagger")
    if result.failure is None and result.stood_in and options.python is not None:
        result.failure = missing_modules_failure(result, "the deployment would fail at start-up (install them in "
                                                         "that environment)")
        return result
    if swagger and result.failure is None and swagger.get("init_error"):
        result.failure = _init_failure(swagger["init_error"], result)
        return result
    if swagger and result.failure is None:
        result.documents = dict(swagger.get("documents") or {})
        result.sources = dict(swagger.get("sources") or {})
        result.unavailable = {v: m for v, m in (swagger.get("unavailable") or {}).items() if v in VERSIONS}
        result.service = dict(swagger.get("service") or {})
        sample = swagger.get("stand_in_sample")
        if sample:  # the generated documents would describe a stand-in, not the real sample
            for version, source in list(result.sources.items()):
                if source == "generated":
                    result.documents.pop(version, None)
                    result.unavailable.pop(version, None)
                    result.stood_in_documents[version] = (
                        f"a schema sample is built from a stand-in for {sample} ({', '.join(result.stood_in)} "
                        f"{'is' if len(result.stood_in) == 1 else 'are'} not installed for {result.python}), so "
                        "the document would be wrong; install it, or give the deployment's interpreter with "
                        "--python")
    return result


def _init_failure(error: dict, result: SandboxResult) -> Failure:
    message = (f"init() raised {error.get('type')}: {error.get('message')}; the server stops at start-up before "
               "it builds its documents (--call-init; give the model folder with --model-dir)")
    if error.get("stand_in"):
        message += (f"; the error involves a stand-in for {error['stand_in']} ({', '.join(result.stood_in)} not "
                    "installed here)")
    return Failure("init", message, line=error.get("line"), detail=error.get("traceback", ""),
                   exception=error.get("type"), stand_in=error.get("stand_in"))


def try_result(run: ChildRun, script: Path, options: SandboxOptions) -> TryResult:
    result = TryResult(**common_fields(run, script, options))
    data = (run.result or {}).get("try")
    if not data:
        return result
    if data.get("stood_in_refused"):  # a fake model's answer is no answer: name what `try` needs instead
        result.failure = missing_modules_failure(
            result, "`try` calls init() and run(), which need the real packages: install them there, or give "
                    "the deployment's interpreter with --python (`scorelint swagger` works with stand-ins)")
        result.mode = data.get("mode")
        return result
    if data.get("init_error"):
        error = data["init_error"]
        result.failure = Failure("init", f"init() raised {error.get('type')}: {error.get('message')}; the server "
                                         "stops at start-up", line=error.get("line"), detail=error.get("traceback", ""),
                                 exception=error.get("type"))
    for name in ("status", "body", "content_type", "init_ms", "run_ms", "payload_source", "request_body",
                 "output_schema", "run_error", "serialize_error"):
        setattr(result, name, data.get(name))
    result.headers = dict(data.get("headers") or {})
    if result.status == 200 and result.output_schema is not None:
        result.schema_errors, result.schema_note = validate_output(result.output, result.body, result.output_schema)
    elif result.status == 200 and result.mode == "schema":
        result.schema_note = "run() declares no output schema: nothing to validate the output against"
    return result


def validate_output(value, body: str | None, schema: dict) -> tuple[list[str] | None, str | None]:
    """Check the response against the output schema (JSON Schema draft 4, as Swagger 2 and OpenAPI 3.0 use)."""
    try:
        import jsonschema
    except ImportError:
        return None, "install jsonschema (scorelint[sandbox]) to validate the output against the output schema"
    if body is None:
        return ["the response has no body"], None
    try:
        instance = json.loads(body)
    except ValueError:
        return ["the response body is not JSON"], None
    del value
    validator = jsonschema.Draft4Validator(schema)
    errors = []
    for error in sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path)):
        where = "".join(f"[{p!r}]" for p in error.absolute_path) or "the output"
        errors.append(f"{where}: {error.message}")
        if len(errors) >= 20:
            break
    return errors, None
