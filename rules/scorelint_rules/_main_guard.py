"""`if __name__ == "__main__":` blocks: the server imports the script as a module, so it never runs them.
Rules that report what fails at import time or on the server leave such blocks (local tests) alone."""

from __future__ import annotations

import libcst as cst

from scorelint.source import ParsedSource


def is_main_guard(source: ParsedSource, statement: cst.CSTNode) -> bool:
    if not isinstance(statement, cst.If):
        return False
    test = source.code(statement.test)
    return "__name__" in test and "__main__" in test


def under_main_guard(source: ParsedSource, node: cst.CSTNode) -> bool:
    return any(is_main_guard(source, ancestor) for ancestor in source.ancestors(node))
