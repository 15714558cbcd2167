"""Turning a file's bytes into text the way Python does, and back (no libcst here: the command line
reads files before it knows whether the engine is needed at all)."""

from __future__ import annotations

import codecs
import io
import tokenize
from dataclasses import dataclass, field


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
        if data.startswith(codecs.BOM_UTF8) and "encoding problem" in str(exc):
            raise SourceDecodeError("the file starts with a UTF-8 byte order mark but its coding comment declares "
                                    "another encoding") from None
        raise SourceDecodeError(str(exc)) from None
    if not _ascii_compatible(encoding):
        # CPython refuses these (`# coding: utf-16`: "encoding problem"); decoding would give garbage.
        raise SourceDecodeError(f"encoding problem: {encoding} (Python reads source files only in encodings "
                                "that keep ASCII as it is)")
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        name = "utf-8" if encoding == "utf-8-sig" else encoding
        raise SourceDecodeError(
            f"line {line}, column {column}: byte 0x{data[exc.start]:02x} is not valid {name} (save the file as "
            "UTF-8, or declare its encoding in a `# -*- coding: ... -*-` comment on line 1 or 2)"
        ) from None
    except LookupError as exc:
        raise SourceDecodeError(f"unknown encoding: {exc}") from None
    if encoding == "utf-8-sig" or text.startswith("\ufeff"):
        text = text[1:] if text.startswith("\ufeff") else text
    return text


def _ascii_compatible(encoding: str) -> bool:
    try:
        return b"# coding\n".decode(encoding) == "# coding\n"
    except (UnicodeDecodeError, LookupError):
        return False


@dataclass
class SourceFile:
    """A file's text plus what is needed to write it back byte-for-byte the same way."""

    text: str
    encoding: str
    bom: bool
    raw: bytes | None = field(default=None, repr=False, compare=False)  # the bytes read, to detect a change

    @classmethod
    def from_bytes(cls, data: bytes) -> SourceFile:
        text = decode_source(data)
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        if encoding == "utf-8-sig":
            encoding = "utf-8"
        return cls(text, encoding, data.startswith(codecs.BOM_UTF8), data)

    def to_bytes(self, text: str) -> bytes:
        return (codecs.BOM_UTF8 if self.bom else b"") + text.encode(self.encoding)
