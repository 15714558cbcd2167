"""scorelint's language server (pygls): `scorelint lsp` or `python -m scorelint_lsp`.

Needs the `lsp` extra (`pip install 'scorelint[lsp]'`). docs/editors.md says how to use it in editors.
"""

from __future__ import annotations


def main(argv: list[str] | None = None) -> int:
    from .server import main as server_main

    return server_main(argv)
