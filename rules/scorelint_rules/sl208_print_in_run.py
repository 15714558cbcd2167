from __future__ import annotations

import libcst as cst

from scorelint.facts import argument
from scorelint.model import Severity
from scorelint.rule import Invalid, Rule, Valid

from ._responses import is_logger_call


class PrintInRun(Rule):
    """`run` uses `print` for logging, which the server logs at INFO on every request with no way to turn it down.

    ## What it does
    Reports each `print(...)` call in `run`'s own body.

    ## Why is this bad?
    The inference server replaces `print` with a hook that sends everything printed to standard output to
    its `azmlinfsrv.print` logger at level INFO. Every request therefore writes those lines to the
    deployment's logs, and there is no level or logger name to filter them by, so the only way to quiet them
    is a new deployment. Lines printed to another file (`file=sys.stderr`) bypass the server's logging
    and its format. A logger (`logging.getLogger(__name__)`) gives each message a level (`debug` for
    per-request detail), and `logger.exception(...)` records the traceback.

    ## Example
    ```python
    def run(data):
        print("This is run()")
        ...
    ```

    ## Use instead
    ```python
    logger = logging.getLogger(__name__)

    def run(data):
        logger.debug("run() called")
        ...
    ```
    """

    code = "SL208"
    name = "print-in-run"
    severity = Severity.INFO
    contract = "2. How run is called: run is called on every request"

    VALID = [
        Valid("""
            import logging

            logger = logging.getLogger(__name__)

            def init():
                print('This is init()')

            def run(data):
                logger.debug('run() called')
                return data
            """),
        # a local function named print is not the builtin
        Valid("""
            def print(*args):
                pass

            def init():
                pass

            def run(data):
                print(data)
                return data
            """),
        # a nested function is not run's own body
        Valid("""
            def init():
                pass

            def run(data):
                def debug():
                    print('x')
                return data
            """),
    ]
    INVALID = [
        # the documents' examples
        Invalid("""
            def init():
                print('This is init()')

            def run(request):
                print('This is run()')
                return 'ok'
            """, line=5, message_contains="INFO"),
        Invalid("""
            import sys

            def init():
                pass

            def run(data):
                print('scoring', file=sys.stderr)
                print('done')
                return data
            """, expected=2, line=7, message_contains="bypasses"),
    ]

    def check(self) -> None:
        run_def = self.facts.run.definition
        if run_def is None:
            return
        for call in self.facts.own_nodes(run_def, cst.Call):
            if is_logger_call(self.facts, call) != "print":
                continue
            target = argument(call, None, "file")
            if target is not None and self.source.code(target.value) != "sys.stdout":
                self.report(call, "This `print` writes straight to another stream on every request",
                            help="It bypasses the server's logging and its format; use a logger "
                                 "(`logging.getLogger(__name__)`) instead.")
            else:
                self.report(call, "`print` in `run` logs an INFO line on every request",
                            help="The server turns `print` in `run` into an INFO log line on every request, with no "
                                 "level to filter it by; use a logger (`logger.debug(...)`) so the detail can be "
                                 "turned down.")
