"""The channel to the parent: one JSON object per line on an inherited descriptor, each with the nonce."""

from __future__ import annotations

import json
import os


class Channel:
    def __init__(self, fd: int, nonce: str) -> None:
        self.fd = fd
        self.nonce = nonce
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

