"""`python -m scorelint_lsp`: start the language server (stdio by default)."""

from .server import main

raise SystemExit(main())
