"""The channel to the parent: one JSON object per line on an inherited descriptor, each with the nonce."""

from __future__ import annotations

import json
import os


class Channel:
    def __init__(self, fd: int, nonce: str, limit=None) -> None:
        self.fd = fd
        self.nonce = nonce
        self.limit = limit  # the largest message the parent reads (bytes); larger ones are announced only
        try:
            os.set_inheritable(fd, False)
        except OSError:
            pass

    def send(self, kind: str, **fields) -> None:
        fields["t"] = kind
        fields["n"] = self.nonce
        try:
            data = (json.dumps(fields, default=_jsonable) + "\n").encode("utf-8", "surrogatepass")
        except (TypeError, ValueError) as exc:  # a document json cannot encode: report that instead
            data = (json.dumps({"t": kind, "n": self.nonce, "encode_error": str(exc)}) + "\n").encode()
        if self.limit and len(data) > self.limit:
            data = (json.dumps({"t": "too_large", "n": self.nonce, "of": kind, "bytes": len(data)}) + "\n").encode()
        view = memoryview(data)
        while view:
            try:
                written = os.write(self.fd, view)
            except InterruptedError:
                continue
            except OSError:
                return
            view = view[written:]


def _jsonable(value):
    return repr(value)

