from __future__ import annotations

import re

import libcst as cst

from scorelint.model import Severity
from scorelint.rule import Invalid, Rule, Valid

from ._responses import JSON_DUMPS, exception_name, response_kind, status_argument, status_codes

_ERROR_WORDS = re.compile(r"\b(error|errors|exception|fail|failed|failure|invalid|unable|could not|cannot)\b",
                          re.IGNORECASE)


# What an error returned as a result does to the client, and what to write instead (both findings).
_HELP = ("The client gets 200 OK with the error in the body and cannot tell the failure from a prediction; re-raise "
         "(`raise`) so the server answers with an error status and logs the traceback, or return "
         "`AMLResponse(message, 400)` with a precise message for bad input.")


class ErrorReturnedAsSuccess(Rule):
    """An `except` block in `run` returns the error as an ordinary result, which the client receives as 200 OK.

    ## What it does
    Reports a `return` inside an `except` block of `run` (or a value stored there and returned after the
    `try`) that sends the error as a normal result:
    the exception's text (`str(e)`, `repr(e)`, an f-string with `e`, `"..." + str(e)`), a variable holding it
    (`error = str(e); return error`), `traceback.format_exc()`, or a string or dict that says it is an error
    (`{"error": msg}`, `"Prediction failed"`), including through `json.dumps(...)`, `jsonify(...)` and
    `AMLResponse(..., 200)`. A response built with another status (`AMLResponse(str(e), 400)`) is fine, and
    a Flask-style `return body, 400` is left to `tuple-status-ignored`, whose fix keeps the intended status
    (a `raise` would turn it into a 500).

    ## Why is this bad?
    The server sends whatever `run` returns with status 200 (`json.dumps` of it). The client, a pipeline or
    Power BI cannot tell this failure from a prediction: retries, alerts and the server's failure counters
    never fire, and the endpoint's metrics show a healthy service. The exception text and tracebacks also
    reveal internals (paths, library versions, parts of the input) to every caller. The documents' own
    examples (`error = str(e); return error`) do this, and about half of real entry scripts copy it.

    ## Example
    ```python
    def run(data):
        try:
            result = model.predict(np.array(json.loads(data)["data"]))
            return result.tolist()
        except Exception as e:
            error = str(e)
            return error
    ```

    ## Use instead
    ```python
    def run(data):
        try:
            result = model.predict(np.array(json.loads(data)["data"]))
            return result.tolist()
        except Exception:
            logger.exception("scoring failed")
            raise
    ```
    Re-raising lets the server answer with an error status and log the traceback. To tell the client what
    was wrong with its input, return `AMLResponse(message, 400)` (or 422) with a precise, helpful message:
    `AMLResponse` works in any `run`, not only with `@rawhttp`.

    ## Fix safety
    The fix replaces the `return` with `raise`. It is unsafe: clients that read the error from a 200 response
    now receive an error status with a generic message instead.
    """

    code = "SL202"
    name = "error-returned-as-success"
    severity = Severity.WARNING
    contract = "2. How run is called: returning str(e) from an except block sends the error message as a 200"

    VALID = [
        Valid("""
            import json
            import numpy as np

            def init():
                global model
                model = load()

            def run(data):
                try:
                    return model.predict(json.loads(data)).tolist()
                except Exception:
                    logging.exception('scoring failed')
                    raise
            """),
        Valid("""
            from azureml.contrib.services.aml_request import rawhttp
            from azureml.contrib.services.aml_response import AMLResponse

            def init():
                pass

            @rawhttp
            def run(request):
                try:
                    data = request.get_json()
                except ValueError as e:
                    return AMLResponse(f'body is not JSON: {e}', 400)
                return {'n': len(data)}
            """),
        # returning str(x) outside an except block is fine
        Valid("""
            import json
            import numpy as np

            def init():
                global model
                model = load()

            def run(data):
                label = model.predict(json.loads(data))[0]
                return str(label)
            """),
        # a fallback value without any error in it
        Valid("""
            import json
            import numpy as np

            def init():
                global model
                model = load()

            def run(data):
                try:
                    rows = json.loads(data)['rows']
                except KeyError:
                    return {'predictions': []}
                return {'predictions': model.predict(rows).tolist()}
            """),
        # a nested function's return is not run's
        Valid("""
            import json
            import numpy as np

            def init():
                global model
                model = load()

            def run(data):
                try:
                    return model.predict(data).tolist()
                except Exception as e:
                    def describe():
                        return str(e)
                    log(describe())
                    raise
            """),
        Valid("""
            import json
            from azureml_inference_server_http.api.aml_response import AMLResponse

            def init():
                pass

            def run(data):
                try:
                    return json.loads(data)
                except json.JSONDecodeError as e:
                    return AMLResponse(json.dumps({'error': str(e)}), 422, {'Content-Type': 'application/json'})
            """),
        # `return body, 400`: tuple-status-ignored owns it (its fix keeps the 400; a `raise` here would make it 500)
        Valid("""
            import json
            import numpy as np

            def init():
                global model
                model = load()

            def run(data):
                try:
                    return model.predict(json.loads(data)).tolist()
                except ValueError as err:
                    return {'error': str(err)}, 400
            """),
    ]
    INVALID = [
        # the documents' template
        Invalid("""
            import json
            import numpy as np

            def init():
                global model
                model = load()

            def run(data):
                try:
                    data = np.array(json.loads(data))
                    result = model.predict(data)
                    return result.tolist()
                except Exception as e:
                    error = str(e)
                    return error
            """,
                line=15, message_contains="200 OK",
                fixed="""
            import json
            import numpy as np

            def init():
                global model
                model = load()

            def run(data):
                try:
                    data = np.array(json.loads(data))
                    result = model.predict(data)
                    return result.tolist()
                except Exception as e:
                    error = str(e)
                    raise
            """),
        Invalid("""
            import json
            import numpy as np

            def init():
                global model
                model = load()

            def run(raw_data):
                try:
                    return model.predict(json.loads(raw_data)).tolist()
                except Exception as e:
                    return str(e)
            """, line=12,
                fixed="""
            import json
            import numpy as np

            def init():
                global model
                model = load()

            def run(raw_data):
                try:
                    return model.predict(json.loads(raw_data)).tolist()
                except Exception as e:
                    raise
            """),
        Invalid("""
            import json
            import numpy as np

            def init():
                global model
                model = load()

            def run(data):
                try:
                    return {'result': model.predict(json.loads(data)).tolist()}
                except Exception as err:
                    return json.dumps({'error': str(err)})
            """, line=12,
                message_contains="exception's message",
                fixed="""
            import json
            import numpy as np

            def init():
                global model
                model = load()

            def run(data):
                try:
                    return {'result': model.predict(json.loads(data)).tolist()}
                except Exception as err:
                    raise
            """),
        Invalid("""
            import json
            import numpy as np

            def init():
                global model
                model = load()

            def run(data):
                try:
                    return model.predict(json.loads(data)).tolist()
                except Exception as ex:
                    return f'Prediction failed: {ex}'
            """, line=12,
                fixed="""
            import json
            import numpy as np

            def init():
                global model
                model = load()

            def run(data):
                try:
                    return model.predict(json.loads(data)).tolist()
                except Exception as ex:
                    raise
            """),
        Invalid("""
            import traceback

            def init():
                pass

            def run(data):
                try:
                    return score(data)
                except Exception:
                    return {'status': 'error', 'trace': traceback.format_exc()}
            """,
                line=10, message_contains="traceback",
                fixed="""
            import traceback

            def init():
                pass

            def run(data):
                try:
                    return score(data)
                except Exception:
                    raise
            """),
        # the message built in steps, a tuple of caught exceptions
        Invalid("""
            import json
            import numpy as np

            def init():
                global model
                model = load()

            def run(data):
                try:
                    rows = json.loads(data)['data']
                    return model.predict(rows).tolist()
                except (ValueError, KeyError) as err:
                    msg = 'Bad input: ' + repr(err)
                    payload = {'error': msg}
                    return payload
            """,
                line=15,
                fixed="""
            import json
            import numpy as np

            def init():
                global model
                model = load()

            def run(data):
                try:
                    rows = json.loads(data)['data']
                    return model.predict(rows).tolist()
                except (ValueError, KeyError) as err:
                    msg = 'Bad input: ' + repr(err)
                    payload = {'error': msg}
                    raise
            """),
        # an error dict with no exception text still reports failure as success
        Invalid("""
            import json
            import numpy as np

            def init():
                global model
                model = load()

            def run(data):
                try:
                    return model.predict(json.loads(data)).tolist()
                except Exception:
                    logging.exception('scoring')
                    return {'status': 'failed', 'message': 'could not score the input'}
            """, line=13,
                message_contains="error message",
                fixed="""
            import json
            import numpy as np

            def init():
                global model
                model = load()

            def run(data):
                try:
                    return model.predict(json.loads(data)).tolist()
                except Exception:
                    logging.exception('scoring')
                    raise
            """),
        # the error stored in the handler and returned after the try (no fix: the return serves both paths)
        Invalid("""
            import json
            import numpy as np

            def init():
                global model
                model = load()

            def run(data):
                try:
                    result = model.predict(json.loads(data))
                    result_dict = {'result': result.tolist()}
                except Exception as e:
                    result_dict = {'error': str(e)}
                return result_dict
            """, line=13,
                message_contains="stores the exception's message in `result_dict`"),
        # the error dict built in except and sent through json.dumps after the try (a public script)
        Invalid("""
            import json

            def init():
                pass

            def run(data):
                try:
                    result = {'y': score(json.loads(data)['x'])}
                except Exception as e:
                    result = {'error': str(e)}
                return json.dumps(result)
            """, line=10,
                message_contains="stores the exception's message in `result`"),
        # AMLResponse with an explicit 200
        Invalid("""
            from azureml.contrib.services.aml_request import rawhttp
            from azureml.contrib.services.aml_response import AMLResponse

            def init():
                pass

            @rawhttp
            def run(request):
                try:
                    return AMLResponse(score(request.get_data()), 200)
                except Exception as e:
                    return AMLResponse(str(e), 200)
            """, line=12,
                fixed="""
            from azureml.contrib.services.aml_request import rawhttp
            from azureml.contrib.services.aml_response import AMLResponse

            def init():
                pass

            @rawhttp
            def run(request):
                try:
                    return AMLResponse(score(request.get_data()), 200)
                except Exception as e:
                    raise
            """),
    ]

    def check(self) -> None:
        run_def = self.facts.run.definition
        if run_def is None:
            return
        for ret in self.facts.own_nodes(run_def, cst.Return):
            if ret.value is None:
                continue
            handler = self.facts.handler_of(ret, run_def)
            if handler is None:
                self._check_stored_error(ret, run_def)
                continue
            if not isinstance(handler, cst.ExceptHandler):
                continue
            if self._tuple_with_error_status(ret.value, run_def):
                continue  # `return body, 400`: tuple-status-ignored reports it, and its fix keeps the 400
            what = self._error_content(ret.value, handler, run_def)
            if what is None:
                continue
            self.report(
                ret,
                f"This `except` block returns {what} as an ordinary result",
                help=_HELP,
                fix=self.fix("Re-raise the exception instead (clients get an error status)",
                             self.replace(ret, "raise"), unsafe=True),
            )

    def _tuple_with_error_status(self, value: cst.BaseExpression, run_def: cst.FunctionDef) -> bool:
        if not isinstance(value, cst.Tuple) or len(value.elements) not in (2, 3):
            return False
        codes = status_codes(self.facts, value.elements[1].value, run_def)
        return bool(codes) and all(c is not None and 400 <= c <= 599 for c in codes)

    def _returned_name(self, value: cst.BaseExpression | None) -> cst.Name | None:
        """The local name whose value `return` sends: `return result`, `return json.dumps(result)`,
        `return jsonify(result)`, `return str(result)`, `return AMLResponse(result, 200)`."""
        if isinstance(value, cst.Name):
            return value
        if not isinstance(value, cst.Call) or not value.args or value.args[0].keyword or value.args[0].star:
            return None
        first = value.args[0].value
        if not isinstance(first, cst.Name):
            return None
        name = self.facts.qualified_name(value.func) or ""
        if name in JSON_DUMPS or name == "str" and "str" not in self.facts.bindings:
            return first
        kind = response_kind(self.facts, value)
        if kind == "jsonify":
            return first
        if kind in ("aml", "flask", "make"):
            return first if self._sent_with_200(value, kind, self.facts.run.definition) else None
        return None

    def _sent_with_200(self, response: cst.Call, kind: str, run_def: cst.FunctionDef | None) -> bool:
        """A response built with status 200 (flask's Response and make_response default to it; AMLResponse
        requires a status). False for an error status or one we cannot see."""
        status = status_argument(self.facts, response)
        codes = {200} if status is None and kind != "aml" else status_codes(self.facts, status, run_def)
        return codes == {200}

    def _check_stored_error(self, ret: cst.Return, run_def: cst.FunctionDef) -> None:
        """`except Exception as e: result = {"error": str(e)}` ... `return result` (or `json.dumps(result)`)
        after the try."""
        value = self._returned_name(ret.value)
        if value is None:
            return
        values = self.facts.flow(run_def).values(value.value, value)
        for assigned in values or ():
            if assigned is None:
                continue
            handler = self.facts.handler_of(assigned, run_def)
            if not isinstance(handler, cst.ExceptHandler):
                continue
            what = self._describe(assigned, self._tainted_names(handler, run_def))
            if what is None:
                continue
            self.report(assigned, f"This `except` block stores {what} in `{value.value}`, which `run` returns",
                        help=f"`run` returns `{value.value}` as an ordinary result. {_HELP}")
            return

    def _error_content(self, value: cst.BaseExpression, handler: cst.ExceptHandler,
                       run_def: cst.FunctionDef) -> str | None:
        facts = self.facts
        if isinstance(value, cst.Call):
            kind = response_kind(facts, value)
            if kind in ("aml", "flask", "make") and not self._sent_with_200(value, kind, run_def):
                return None  # an error status (or one we cannot see): not a success
        tainted = self._tainted_names(handler, run_def)
        return self._describe(value, tainted)

    def _tainted_names(self, handler: cst.ExceptHandler, run_def: cst.FunctionDef) -> set[str]:
        names = set()
        exc = exception_name(handler)
        if exc is not None:
            names.add(exc)
        handler_nodes = set(self.source.walk(handler))
        for assign in self.facts.own_nodes(run_def, cst.Assign):
            if assign not in handler_nodes:
                continue
            if self._describe(assign.value, names) is not None:
                for target in assign.targets:
                    if isinstance(target.target, cst.Name):
                        names.add(target.target.value)
        return names

    def _describe(self, value: cst.BaseExpression, tainted: set[str]) -> str | None:
        source = self.source
        found_words = False
        for node in source.walk(value):
            if isinstance(node, cst.Name) and node.value in tainted:
                parent = source.parent.get(node)
                if isinstance(parent, cst.Attribute) and parent.attr is node:
                    continue
                if isinstance(parent, cst.Arg) and parent.keyword is node:
                    continue
                return "the exception's message"
            if isinstance(node, cst.Call):
                name = self.facts.qualified_name(node.func) or ""
                if name.startswith("traceback.") or name == "sys.exc_info":
                    return "the traceback"
            if isinstance(node, (cst.SimpleString, cst.FormattedStringText)) and not found_words:
                text = node.value if isinstance(node, cst.FormattedStringText) else node.evaluated_value
                if isinstance(text, str) and _ERROR_WORDS.search(text):
                    found_words = True
        return "an error message" if found_words else None

