"""JSON-RPC conformance that pygls leaves to the server: every request gets an answer.

pygls drops two kinds of request without a word, and a client then waits for an answer forever:
a request whose parameters cannot be read (JSON-RPC wants an error response with its id), and any
request after `shutdown` (LSP wants InvalidRequest).
"""

from __future__ import annotations

from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInvalidRequest
from pygls.protocol import LanguageServerProtocol


def _request_id(data: Any) -> int | str | None:
    if not isinstance(data, dict) or "method" not in data:
        return None
    msg_id = data.get("id")
    return msg_id if isinstance(msg_id, (int, str)) and not isinstance(msg_id, bool) else None


class ScorelintProtocol(LanguageServerProtocol):
    def structure_message(self, data: dict[str, Any]):
        try:
            return super().structure_message(data)
        except JsonRpcException as exc:
            msg_id = _request_id(data)
            if msg_id is not None:
                self._send_response(msg_id, error=exc.to_response_error())
            raise

    def handle_message(self, message):
        msg_id = getattr(message, "id", None)
        method = getattr(message, "method", None)
        if self._shutdown and msg_id is not None and method is not None and method != types.EXIT:
            error = JsonRpcInvalidRequest(message="the server is shutting down")
            self._send_response(msg_id, error=error.to_response_error())
            return
        super().handle_message(message)
