from __future__ import annotations

from scorelint.model import Diagnostic, Range, Severity
from scorelint.rule import ANY_SCRIPT, EngineHook, Invalid, Rule, Valid
from scorelint.source import line_starts


class SyntaxErrorRule(Rule):
    """The script is not valid Python, so the server cannot import it.

    ## What it does
    Reports the first syntax error in the file, where Python reports it, with Python's own message.

    ## Why is this bad?
    The inference server imports the entry script when the deployment starts. A syntax error there fails
    the whole deployment, after many minutes of building and provisioning.

    ## Example
    ```python
    def init()
        pass
    ```

    ## Use instead
    ```python
    def init():
        pass
    ```
    """

    code = "SL001"
    name = "syntax-error"
    severity = Severity.ERROR
    contract = "1. Loading: any exception at import time fails the deployment"
    hooks = frozenset({EngineHook.SYNTAX_ERROR})
    kinds = ANY_SCRIPT

    VALID = [Valid("""
                 def init():
                     pass

                 def run(data):
                     return data
                 """)]
    INVALID = [
        Invalid("""
            def init()
                pass
            """, line=1, message_contains="expected ':'"),
        Invalid("""
            def run(data):
                return [1, 2
            """, line=2),
        Invalid("""
            x = 1
              y = 2
            """, line=2, message_contains="indent"),
    ]

    @classmethod
    def from_syntax_error(cls, text: str, error: SyntaxError) -> Diagnostic:
        starts = line_starts(text)
        line = min(max(error.lineno or 1, 1), len(starts))
        line_end = starts[line] if line < len(starts) else len(text)
        line_text = text[starts[line - 1]:line_end].rstrip("\r\n")
        column = min(max((error.offset or 1) - 1, 0), len(line_text))
        end_line, end_column = line, min(column + 1, len(line_text))
        if error.end_lineno == error.lineno and error.end_offset and error.end_offset - 1 > column:
            end_column = min(error.end_offset - 1, len(line_text))
        return Diagnostic(
            code=cls.code, name=cls.name, severity=cls.severity, message=f"SyntaxError: {error.msg}",
            help="The server cannot import this script.",
            range=Range.of(line, column, end_line, max(end_column, column)), noqa_line=line, url=cls.url(),
        )
