"""A file libcst accepts but cannot print back: the engine says so instead of reporting wrong positions."""

from __future__ import annotations

from scorelint.api import Linter
from scorelint.config import Settings

# Found by the property tests: libcst attaches the statement after a lone backslash line to the block
# above it, so its tree no longer matches the text (CPython reads it at module level).
TEXT = '"""Doc."""\n\nif True:\n    x = 1\n\n\\\n"""Other."""\n@aml.rawhttp\ndef init():\n    pass\n'


def test_a_tree_that_does_not_reproduce_the_file_is_an_error_not_a_crash():
    compile(TEXT, "score.py", "exec", dont_inherit=True)  # valid Python
    result = Linter(Settings()).lint_text(TEXT)
    assert result.internal_errors == []
    assert result.diagnostics == []
    assert result.error is not None
    assert result.error.startswith("libcst cannot parse this file although Python can (line 6, column 1)")
