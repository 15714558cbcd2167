"""Loading the script the way the server does: the one place where user code is imported (`load`)."""

from __future__ import annotations

import os
import sys

from . import SANDBOX_DIR

MODULE_NAME = "entry_module"  # the name the server imports the entry script under
ALL_SCHEMA_VERSIONS = ["2.0", "3.0", "3.1"]


class LoadError(Exception):
    """The server's own refusal after importing (what it logs before exiting)."""

    def __init__(self, check: str, message: str, line_of: str | None = None) -> None:
        super().__init__(message)
        self.check = check
        self.message = message
        self.line_of = line_of  # "init" | "run": the definition to report on


def describe_exception(exc: BaseException, script: str) -> dict:
    import traceback

    script_real = os.path.realpath(script)
    line = None
    tb = exc.__traceback__
    while tb is not None:
        if os.path.realpath(tb.tb_frame.f_code.co_filename) == script_real:
            line = tb.tb_lineno
        tb = tb.tb_next
    if isinstance(exc, SyntaxError) and exc.filename and os.path.realpath(str(exc.filename)) == script_real:
        line = exc.lineno
    try:
        described = traceback.TracebackException.from_exception(exc, limit=-40)
        for part in _chain(described):  # the sandbox's own frames are noise in a user's traceback
            part.stack = traceback.StackSummary.from_list(
                [frame for frame in part.stack if not frame.filename.startswith(SANDBOX_DIR)
                 and not frame.filename.startswith("<frozen importlib")])
        text = "".join(described.format())
    except Exception:  # noqa: BLE001 - a hostile exception must not break the report
        text = "%s: %s" % (type(exc).__name__, safe_str(exc))
    result = {"type": type(exc).__name__, "message": safe_str(exc), "line": line, "traceback": text[-20000:]}
    if isinstance(exc, ImportError) and getattr(exc, "name", None):
        result["module"] = exc.name
    if isinstance(exc, SystemExit):
        result["message"] = "SystemExit(%r)" % (exc.code,)
    return result


def _chain(described):
    seen = set()
    while described is not None and id(described) not in seen:
        seen.add(id(described))
        yield described
        described = described.__cause__ or (None if described.__suppress_context__ else described.__context__)


def safe_str(exc) -> str:
    try:
        return str(exc)[:2000]
    except Exception:  # noqa: BLE001 - a hostile __str__
        return "<unprintable %s>" % type(exc).__name__


class Script:
    def __init__(self, path: str) -> None:
        self.path = path
        self.module = None
        self.init = None
        self.run = None
        self.driver = None
        self.params = []
        self.has_request_headers = False
        self.mode = None  # "raw" | "schema" | "string"
        self.schema_util = None


def load(request, channel) -> Script:
    """Import the script as `entry_module` from its path, then the server's checks on init and run."""
    import inspect

    script = Script(request["script"])
    channel.send("phase", phase="import")
    absent = request.get("_absent")  # stand-ins for absent packages (stand_ins.py), let in as needed
    if absent is None:
        module = _import_script(script.path)  # exceptions propagate: import failures
    else:
        from .stand_ins import forget_script

        module = absent.import_with(lambda: _import_script(script.path), lambda: forget_script(MODULE_NAME))
    script.module = module
    channel.send("phase", phase="load")
    where = getattr(module, "__file__", script.path)
    if not hasattr(module, "init"):
        raise LoadError("no-init", "User script at %s does not have a init() function defined." % where)
    if not hasattr(module, "run"):
        raise LoadError("no-run", "User script at %s does not have a run() function defined." % where)
    driver = getattr(module, "driver_module", None)
    import types

    if isinstance(driver, types.ModuleType) and hasattr(driver, "run"):
        script.run, script.driver = driver.run, getattr(driver, "__file__", "?")
    else:
        script.run = module.run
    script.init = module.init
    if absent is not None and absent.used:
        from .stand_ins import StandIn, StandInLimit

        if isinstance(script.run, StandIn):  # `run = absent_package.wrap(run)`: its signature is unknown here
            raise StandInLimit("run is a value of a package that is not installed here, so the server's checks "
                               "of its signature cannot be made", script.run)
    params = list(inspect.signature(script.run).parameters.values())
    if any(p.kind not in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD) for p in params):
        raise LoadError("run-params", "run() cannot accept positional-only arguments, *args, or **kwargs.", "run")
    script.has_request_headers = any(p.name == "request_headers" for p in params)
    params = [p for p in params if p.name != "request_headers"]
    if not params:
        if script.has_request_headers:
            raise LoadError("run-no-input", 'run() needs to accept an argument other than "request_headers".', "run")
        raise LoadError("run-no-input", "run() needs to accept an argument for input data.", "run")
    script.params = params
    script.schema_util = sys.modules.get("inference_schema.schema_util")
    decorated = bool(script.schema_util and script.schema_util.is_schema_decorated(script.run))
    raw = _raw_requested()
    if raw and decorated:
        raise LoadError("rawhttp-schema", "run() cannot be decorated with both @rawhttp and @input_schema", "run")
    script.mode = "raw" if raw else ("schema" if decorated else "string")
    return script


def _import_script(path: str):
    import gc
    import importlib.util

    # A script that imports pandas creates tens of thousands of long-lived container objects while it is
    # imported, so the cyclic collector runs about 150 times meanwhile, for nothing (modules live on):
    # 10-15% of the import's time (bench/sandbox_bench.py, pandas case). Off during the import only.
    enabled = gc.isenabled()
    gc.disable()
    try:
        spec = importlib.util.spec_from_file_location(MODULE_NAME, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        if enabled:
            gc.enable()


def _raw_requested() -> bool:
    for name in ("azureml_inference_server_http.api.aml_request", "azureml.contrib.services.aml_request"):
        module = sys.modules.get(name)
        if module is not None and getattr(module, "_rawHttpRequested", False):
            return True
    return False


def openapi_module():
    """openapi.py (beside the child package), loaded by path once under a private name."""
    module = sys.modules.get("_scorelint_sandbox_openapi")
    if module is None:
        import importlib.util

        spec = importlib.util.spec_from_file_location("_scorelint_sandbox_openapi",
                                                      os.path.join(SANDBOX_DIR, "openapi.py"))
        module = importlib.util.module_from_spec(spec)
        sys.modules["_scorelint_sandbox_openapi"] = module
        spec.loader.exec_module(module)
    return module


def schemas(script: Script):
    """(supported versions, input schema, output schema, output schema declared?) as the server sees them."""
    util = script.schema_util
    if util is None:
        return list(ALL_SCHEMA_VERSIONS), None, None, False
    versions = util.get_supported_versions(script.run)
    if not util.is_schema_decorated(script.run):
        return versions, None, None, False
    declared = True
    try:
        name = util._get_function_full_qual_name(util._get_decorators(script.run)[-1])
        declared = "output_schema" in util.get_schemas_dict().get(name, {})
    except Exception:  # noqa: BLE001 - private helpers of another package: best effort
        pass
    return versions, util.get_input_schema(script.run), util.get_output_schema(script.run), declared

