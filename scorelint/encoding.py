"""Turning a file's bytes into text the way Python does, and back (no libcst here: the command line
reads files before it knows whether the engine is needed at all)."""

from __future__ import annotations

import codecs
import io
import tokenize
from dataclasses import dataclass


class SourceDecodeError(Exception):
    """The bytes of a file are not text in its declared encoding."""


def decode_source(data: bytes) -> str:
    """Decode a Python file the way the interpreter does (PEP 263 cookie, UTF-8 BOM).

    The BOM is dropped: positions are counted from the first character after it, as editors do.
    """
    if b"\x00" in data:
        raise SourceDecodeError("the file contains a NUL byte; Python cannot import it")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        raise SourceDecodeError(str(exc)) from None
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise SourceDecodeError(f"not valid {encoding}: {exc}") from None
    if encoding == "utf-8-sig" or text.startswith("\ufeff"):
        text = text[1:] if text.startswith("\ufeff") else text
    return text


@dataclass
class SourceFile:
    """A file's text plus what is needed to write it back byte-for-byte the same way."""

    text: str
    encoding: str
    bom: bool

    @classmethod
    def from_bytes(cls, data: bytes) -> SourceFile:
        text = decode_source(data)
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        if encoding == "utf-8-sig":
            encoding = "utf-8"
        return cls(text, encoding, data.startswith(codecs.BOM_UTF8))

    def to_bytes(self, text: str) -> bytes:
        return (codecs.BOM_UTF8 if self.bom else b"") + text.encode(self.encoding)
