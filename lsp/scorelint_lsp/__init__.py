"""scorelint language server (pygls): see issue 5."""
