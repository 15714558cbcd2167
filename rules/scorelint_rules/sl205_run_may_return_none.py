from __future__ import annotations

import libcst as cst

from scorelint.model import Severity
from scorelint.rule import Invalid, Rule, Valid

from ._fixes import indent_of

_EXITS = frozenset({"sys.exit", "os._exit", "exit", "quit", "flask.abort", "werkzeug.exceptions.abort"})


class RunMayReturnNone(Rule):
    """A path through `run` returns nothing, and the client gets `200 OK` with `{}`.

    ## What it does
    Reports the places where `run` can end without a value: the end of an `except` block that only logs,
    an `if`/`elif` chain without `else` (for example one branch per HTTP method), the end of the function,
    and bare `return` / `return None`.

    ## Why is this bad?
    The server turns a `None` result into the body `{}` with status 200 (`AMLResponse(None, 200)` sends an
    empty JSON object). The client cannot tell "the scoring failed" or "this method is not handled" from an
    empty prediction, and no error is counted. The typical cause is an `except` block that logs the error
    and falls off the end of `run`.

    ## Example
    ```python
    def run(data):
        try:
            return model.predict(json.loads(data)).tolist()
        except Exception as e:
            logging.error(e)
    ```

    ## Use instead
    ```python
    def run(data):
        try:
            return model.predict(json.loads(data)).tolist()
        except Exception:
            logging.exception("scoring failed")
            raise
    ```

    ## Fix safety
    For an `except` block, the fix adds `raise` at its end (or replaces its bare `return`). It is unsafe:
    clients receive an error status instead of `{}`.
    """

    code = "SL205"
    name = "run-may-return-none"
    severity = Severity.WARNING
    contract = "2. How run is called: the return value is serialised with json.dumps and sent with 200"

    VALID = [
        Valid("""
            import json
            import logging

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
            import json
            import logging

            def init():
                global model
                model = load()

            def run(data):
                rows = json.loads(data)
                if not rows:
                    return []
                elif len(rows) > 100:
                    raise ValueError('too many rows')
                else:
                    return model.predict(rows).tolist()
            """),
        Valid("""
            import json
            import logging

            def init():
                global model
                model = load()

            def run(data):
                while True:
                    try:
                        return model.predict(data)
                    except TimeoutError:
                        continue
            """),
        Valid("""
            import json
            import logging

            def init():
                global model
                model = load()

            def run(data):
                with lock:
                    result = model.predict(data)
                for row in result:
                    log(row)
                return result.tolist()
            """),
        Valid("""
            import json
            import logging

            def init():
                global model
                model = load()

            def run(data):
                try:
                    result = model.predict(json.loads(data))
                except ValueError as e:
                    return {'error': str(e)}
                finally:
                    logging.info('done')
                return result.tolist()
            """),
        Valid("""
            import json
            import logging

            def init():
                global model
                model = load()

            def run(data):
                match json.loads(data):
                    case {'rows': rows}:
                        return model.predict(rows).tolist()
                    case _:
                        raise ValueError('no rows')
            """),
        # a generator run is another mistake; a nested function's end is not run's
        Valid("""
            import json
            import logging

            def init():
                global model
                model = load()

            def run(data):
                def log_it():
                    logging.info('x')
                log_it()
                return {'ok': True}
            """),
    ]
    INVALID = [
        Invalid("""
            import json
            import logging

            def init():
                global model
                model = load()

            def run(data):
                try:
                    return model.predict(json.loads(data)).tolist()
                except Exception as e:
                    logging.error(e)
            """, line=11, message_contains="`{}`",
                fixed="""
            import json
            import logging

            def init():
                global model
                model = load()

            def run(data):
                try:
                    return model.predict(json.loads(data)).tolist()
                except Exception as e:
                    logging.error(e)
                    raise
            """),
        # one branch per method, no else
        Invalid("""
            from azureml.contrib.services.aml_request import rawhttp
            from azureml.contrib.services.aml_response import AMLResponse

            def init():
                pass

            @rawhttp
            def run(request):
                if request.method == 'GET':
                    return AMLResponse('ready', 200)
                elif request.method == 'POST':
                    return AMLResponse(score(request.get_data()), 200)
            """,
                line=11, message_contains="no branch"),
        Invalid("""
            import json
            import logging

            def init():
                global model
                model = load()

            def run(data):
                result = model.predict(json.loads(data))
                print(result)
            """, line=10, message_contains="end of `run`"),
        Invalid("""
            import json
            import logging

            def init():
                global model
                model = load()

            def run(data):
                try:
                    rows = json.loads(data)
                except ValueError:
                    logging.warning('bad json')
                    return
                return model.predict(rows).tolist()
            """,
                line=13, message_contains="bare `return`",
                fixed="""
            import json
            import logging

            def init():
                global model
                model = load()

            def run(data):
                try:
                    rows = json.loads(data)
                except ValueError:
                    logging.warning('bad json')
                    raise
                return model.predict(rows).tolist()
            """),
        Invalid("""
            import json
            import logging

            def init():
                global model
                model = load()

            def run(data):
                rows = json.loads(data)
                if rows is None:
                    return None
                return model.predict(rows).tolist()
            """, line=11, message_contains="return None"),
        # two except blocks that only log, in a nested try
        Invalid("""
            import json
            import logging

            def init():
                global model
                model = load()

            def run(data):
                try:
                    rows = json.loads(data)
                    try:
                        return model.predict(rows).tolist()
                    except RuntimeError as err:
                        logging.error('model failed: %s', err)
                except ValueError:
                    logging.error('bad input')
            """, expected=2, line=13,
                fixed="""
            import json
            import logging

            def init():
                global model
                model = load()

            def run(data):
                try:
                    rows = json.loads(data)
                    try:
                        return model.predict(rows).tolist()
                    except RuntimeError as err:
                        logging.error('model failed: %s', err)
                        raise
                except ValueError:
                    logging.error('bad input')
                    raise
            """),
        Invalid("""
            import json
            import logging

            def init():
                global model
                model = load()

            def run(data):
                for attempt in range(3):
                    try:
                        return model.predict(data).tolist()
                    except TimeoutError:
                        pass  # try again
            """, line=9, message_contains="loop"),
    ]

    def check(self) -> None:
        run_def = self.facts.run.definition
        if run_def is None or not isinstance(run_def.body, cst.IndentedBlock):
            return
        if run_def.asynchronous is not None:
            return
        facts = self.facts
        if facts.own_nodes(run_def, cst.Yield):
            return  # a generator: another problem entirely
        for ret in facts.own_nodes(run_def, cst.Return):
            if ret.value is None or (isinstance(ret.value, cst.Name) and ret.value.value == "None"):
                self._report_return(ret, run_def)
        for point, why in self._fall_through(list(run_def.body.body)):
            self._report_point(point, why)

    # --- explicit returns ----------------------------------------------------------------------------
    def _report_return(self, ret: cst.Return, run_def: cst.FunctionDef) -> None:
        written = "bare `return`" if ret.value is None else "`return None`"
        handler = self.facts.handler_of(ret, run_def, cst.ExceptHandler)
        fix = None
        if handler is not None:
            fix = self.fix("Re-raise the exception (clients get an error status)", self.replace(ret, "raise"),
                           unsafe=True)
        self.report(ret, f"This {written} makes `run` return None",
                    help="The server sends None as `200 OK` with the body `{}`, so the client cannot tell it from a "
                         "result; " + ("re-raise the exception instead." if handler is not None
                                       else "return a value, or an `AMLResponse` with the status that fits."),
                    fix=fix)

    # --- falling off the end ---------------------------------------------------------------------------
    def _report_point(self, point: cst.CSTNode, why: str) -> None:
        end = "`Run` then returns None, which the server sends as `200 OK` with the body `{}`"
        fix = None
        if why == "handler":
            handler = point
            last = handler.body.body[-1] if isinstance(handler.body, cst.IndentedBlock) else None
            indent = indent_of(self.source, last) if last is not None else None
            message = "This `except` block does not return or raise, so `run` returns None"
            help_text = (f"{end}, so the failure looks like an empty result; add `raise` at its end (or return an "
                         "`AMLResponse` with an error status).")
            if indent is not None:
                fix = self.fix("Re-raise at the end of the except block (clients get an error status)",
                               self.insert_after(last, "\n" + indent + "raise"), unsafe=True)
            self.report(handler, message, help=help_text, fix=fix, span=self._header_span(handler))
            return
        if why == "if":
            # Only a @rawhttp run sees the HTTP method; elsewhere a 405 would answer a question nobody asked.
            method = (" (for an unsupported HTTP method: `AMLResponse(\"Method not allowed\", 405)`)"
                      if self.facts.is_rawhttp else "")
            self.report(point.test,  # type: ignore[attr-defined]
                        "When no branch of this `if` chain matches, control falls off the end of `run`",
                        help=f"{end}; add an `else` that returns an error response{method} or raises.")
            return
        if why == "loop":
            self.report(point, "When this loop ends without returning, control falls off the end of `run`",
                        help=f"{end}; raise (or return an error response) after the loop.",
                        span=self._header_span(point))
            return
        self.report(point, "Control reaches the end of `run` here without a `return`",
                    help=f"{end}; return the result, or raise if there is none.", span=self._header_span(point))

    def _header_span(self, node: cst.CSTNode) -> tuple[int, int]:
        """The first line of a statement (`except ValueError as e:`, `for x in y:`), without its body."""
        start, end = self.source.offsets(node)
        newline = self.source.text.find("\n", start, end)
        stop = newline if newline != -1 else end
        return start, len(self.source.text[:stop].rstrip(" \t\r"))

    def _fall_through(self, statements: list[cst.BaseStatement]) -> list[tuple[cst.CSTNode, str]]:
        """Where control can leave this statement list without return/raise: [] if it never does."""
        if not statements:
            return []
        for statement in statements:
            if self._terminates(statement):
                return []
        last = statements[-1]
        return self._statement_points(last)

    def _statement_points(self, statement: cst.BaseStatement) -> list[tuple[cst.CSTNode, str]]:
        if isinstance(statement, cst.If):
            points = self._fall_through(_body(statement.body))
            orelse = statement.orelse
            if orelse is None:
                points.append((statement, "if"))
            elif isinstance(orelse, cst.If):
                points.extend(self._statement_points(orelse))
            else:
                points.extend(self._fall_through(_body(orelse.body)))
            return points
        if isinstance(statement, (cst.Try, cst.TryStar)):
            if statement.finalbody is not None and not self._fall_through(_body(statement.finalbody.body)):
                return []
            points: list[tuple[cst.CSTNode, str]] = []
            body_points = self._fall_through(_body(statement.body))
            if body_points:
                if statement.orelse is not None:
                    points.extend(self._fall_through(_body(statement.orelse.body)))
                else:
                    points.extend(body_points)
            for handler in statement.handlers:
                if self._fall_through(_body(handler.body)):
                    points.append((handler, "handler"))
            if statement.finalbody is not None and not points:
                return []
            return points
        if isinstance(statement, cst.With):
            return self._fall_through(_body(statement.body))
        if isinstance(statement, (cst.For, cst.While)):
            return [(statement, "loop")]
        return [(statement, "end")]

    def _terminates(self, statement: cst.BaseStatement) -> bool:
        """Whether control never goes past this statement (it returns, raises or loops forever)."""
        if isinstance(statement, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
            for small in statement.body:
                if isinstance(small, (cst.Return, cst.Raise)):
                    return True
                if isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
                    if (self.facts.qualified_name(small.value.func) or "") in _EXITS:
                        return True
                if isinstance(small, cst.Assert) and isinstance(small.test, cst.Name) and small.test.value == "False":
                    return True
            return False
        if isinstance(statement, cst.If):
            if statement.orelse is None:
                return False
            if not self._block_terminates(_body(statement.body)):
                return False
            orelse = statement.orelse
            if isinstance(orelse, cst.If):
                return self._terminates(orelse)
            return self._block_terminates(_body(orelse.body))
        if isinstance(statement, (cst.Try, cst.TryStar)):
            if statement.finalbody is not None and self._block_terminates(_body(statement.finalbody.body)):
                return True
            body = self._block_terminates(_body(statement.body)) or (
                statement.orelse is not None and self._block_terminates(_body(statement.orelse.body)))
            return body and all(self._block_terminates(_body(h.body)) for h in statement.handlers)
        if isinstance(statement, cst.With):
            return self._block_terminates(_body(statement.body))
        if isinstance(statement, cst.While):
            test = statement.test
            forever = (isinstance(test, cst.Name) and test.value == "True") or (
                isinstance(test, cst.Integer) and test.value not in ("0",))
            return forever and not self._breaks(statement)
        if isinstance(statement, cst.Match):
            return all(self._block_terminates(_body(case.body)) for case in statement.cases) and any(
                isinstance(case.pattern, cst.MatchAs) and case.pattern.pattern is None and case.guard is None
                for case in statement.cases)
        return False

    def _block_terminates(self, statements: list[cst.BaseStatement]) -> bool:
        return any(self._terminates(s) for s in statements)

    def _breaks(self, loop: cst.While) -> bool:
        """A `break` that leaves this loop (not one of an inner loop)."""
        for node in self.source.walk(loop.body, cst.Break):
            owner = self.source.enclosing(node, (cst.For, cst.While, cst.FunctionDef))
            if owner is loop:
                return True
        return False


def _body(block: cst.BaseSuite) -> list[cst.BaseStatement]:
    if isinstance(block, cst.IndentedBlock):
        return list(block.body)
    if isinstance(block, cst.SimpleStatementSuite):
        return [block]  # type: ignore[list-item]  # `if x: return 1` handled like one statement line
    return []
