"""The language server under abuse: the real `python -m scorelint_lsp` over stdio, driven byte by byte.

pytest-lsp's client only sends well-formed messages, so these tests talk JSON-RPC themselves: malformed
frames and bodies, messages that are JSON but not JSON-RPC, unknown methods, wrong parameters, edits outside
the document, a thousand edits in a burst, a document closed while it is being linted, a deeply nested or
huge message, the sandbox command on hostile scripts, and a client that vanishes. After each abuse the
server must still be running, answer the next request correctly (the diagnostics the engine gives for the
document's real text) and leave no process behind.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from scorelint.api import Linter
from scorelint.config import Settings

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]

WAIT = 30  # seconds for any one answer

GOOD = "import json\n\n\ndef init():\n    pass\n\n\ndef run(data):\n    return json.loads(data)\n"
# SL002 (no init), SL006 (run takes no input), SL208 (print in run).
BAD = "import json\n\n\ndef initialize():\n    pass\n\n\ndef run():\n    print('scoring')\n    return {}\n"


def expected(text: str, path: Path) -> list[tuple[str, int, int, int, int]]:
    """What the engine itself reports for `text`, as LSP (code, 0-based lines, columns) for ASCII text."""
    result = Linter(Settings()).lint_text(text, path)
    assert text.isascii()
    return sorted((d.code, d.range.start.line - 1, d.range.start.column, d.range.end.line - 1, d.range.end.column)
                  for d in result.diagnostics)


def found(diagnostics: list[dict]) -> list[tuple[str, int, int, int, int]]:
    return sorted((d["code"], d["range"]["start"]["line"], d["range"]["start"]["character"],
                   d["range"]["end"]["line"], d["range"]["end"]["character"]) for d in diagnostics)


# --- processes ----------------------------------------------------------------------------------------------
def descendants(pid: int) -> set[int]:
    """Every live process below `pid` (through all its threads' children)."""
    found_pids: set[int] = set()
    todo = [pid]
    while todo:
        parent = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{parent}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{parent}/task/{task}/children") as handle:
                    children = [int(c) for c in handle.read().split()]
            except OSError:
                continue
            for child in children:
                if child not in found_pids and _alive(child):
                    found_pids.add(child)
                    todo.append(child)
    return found_pids


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(") ", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False


def sandboxed_processes() -> list[int]:
    """Processes of any sandbox run (each carries SCORELINT_SANDBOX=<token> in its environment), wherever
    they were reparented to."""
    pids = []
    for name in os.listdir("/proc"):
        if name.isdigit() and int(name) != os.getpid():
            try:
                with open(f"/proc/{name}/environ", "rb") as handle:
                    if b"SCORELINT_SANDBOX=" in handle.read() and _alive(int(name)):
                        pids.append(int(name))
            except OSError:
                pass
    return pids


def wait_until(predicate, timeout: float = 15, step: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


# --- a raw JSON-RPC client ---------------------------------------------------------------------------------
class Server:
    """The real server process and a client that sends whatever bytes it is told to."""

    def __init__(self, root: Path, options: dict | None = None) -> None:
        self.root = root
        self.stderr_path = root / "server-stderr.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith("SCORELINT_")}
        self.process = subprocess.Popen([sys.executable, "-m", "scorelint_lsp"], cwd=root, env=env,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=self.stderr_path.open("wb"))
        self.messages: queue.Queue = queue.Queue()
        self.responses: dict[Any, dict] = {}
        self.notifications: list[dict] = []
        self._lock = threading.Condition()
        self._next_id = 0
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.initialize(options)

    # framing
    def send_raw(self, data: bytes) -> None:
        self.process.stdin.write(data)
        self.process.stdin.flush()

    def send_body(self, body: bytes) -> None:
        self.send_raw(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    def send(self, message: dict) -> None:
        self.send_body(json.dumps(message).encode())

    def _read(self) -> None:
        stream = self.process.stdout
        while True:
            length = None
            while True:
                line = stream.readline()
                if not line:
                    return
                if line in (b"\r\n", b"\n"):
                    break
                name, _, value = line.decode("ascii", "replace").partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
            if length is None:
                continue
            message = json.loads(stream.read(length))
            if "method" in message and "id" in message:  # the server asks the client something
                self._answer(message)
            with self._lock:
                if "id" in message and "method" not in message:
                    self.responses[json.dumps(message["id"])] = message
                elif "method" in message and "id" not in message:
                    self.notifications.append(message)
                self._lock.notify_all()

    def _answer(self, request: dict) -> None:
        result: Any = None
        if request["method"] == "workspace/configuration":
            result = [None for _ in request["params"]["items"]]
        self.send({"jsonrpc": "2.0", "id": request["id"], "result": result})

    # requests and notifications
    def request(self, method: str, params: Any = None, *, timeout: float = WAIT, raw_id: Any = None) -> dict:
        with self._lock:
            self._next_id += 1
            request_id = raw_id if raw_id is not None else self._next_id
        message = {"jsonrpc": "2.0", "id": request_id, "method": method}
        if params is not None:
            message["params"] = params
        self.send(message)
        return self.response(request_id, timeout)

    def response(self, request_id: Any, timeout: float = WAIT) -> dict:
        deadline = time.monotonic() + timeout
        key = json.dumps(request_id)
        with self._lock:
            while key not in self.responses:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self.process.poll() is not None:
                    raise AssertionError(f"no response to request {request_id!r} (server exit code "
                                         f"{self.process.poll()}); stderr:\n{self.stderr()}")
                self._lock.wait(min(remaining, 0.2))
            return self.responses.pop(key)

    def notify(self, method: str, params: Any = None) -> None:
        message = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            message["params"] = params
        self.send(message)

    def published(self, uri: str, version: int | None = None, timeout: float = WAIT,
                  since: int = 0) -> tuple[dict, int]:
        """The first diagnostics published for `uri` (and `version`) after notification number `since`."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                for index in range(since, len(self.notifications)):
                    note = self.notifications[index]
                    if note["method"] == "textDocument/publishDiagnostics" and note["params"]["uri"] == uri and (
                            version is None or note["params"].get("version") == version):
                        return note["params"], index + 1
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"no diagnostics published for {uri} version {version}")
                self._lock.wait(min(remaining, 0.2))

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")

    # the session
    def initialize(self, options: dict | None) -> None:
        response = self.request("initialize", {
            "processId": os.getpid(),
            "rootUri": self.root.as_uri(),
            "workspaceFolders": [{"uri": self.root.as_uri(), "name": self.root.name}],
            "capabilities": {"textDocument": {"publishDiagnostics": {"versionSupport": True}},
                             "general": {"positionEncodings": ["utf-16"]}},
            "initializationOptions": {"debounceMs": 0, **(options or {})},
        })
        assert "result" in response, response
        self.notify("initialized", {})

    def open(self, name: str, text: str, version: int = 1, write: bool = True) -> str:
        path = self.root / name
        if write:
            path.write_text(text)
        uri = path.as_uri()
        self.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "python",
                                                              "version": version, "text": text}})
        return uri

    def change(self, uri: str, version: int, text: str | None = None, changes: list | None = None) -> None:
        self.notify("textDocument/didChange", {
            "textDocument": {"uri": uri, "version": version},
            "contentChanges": changes if changes is not None else [{"text": text}]})

    def pull(self, uri: str) -> list[dict]:
        response = self.request("textDocument/diagnostic", {"textDocument": {"uri": uri}})
        assert "result" in response, response
        return response["result"]["items"]

    def assert_healthy(self, uri: str, text: str) -> None:
        """Still running, and the next request gets the right answer for the document's real text."""
        assert self.process.poll() is None, f"the server died ({self.process.returncode}):\n{self.stderr()}"
        assert found(self.pull(uri)) == expected(text, self.root / Path(uri).name)

    def close(self) -> None:
        if self.process.poll() is None:
            try:
                response = self.request("shutdown", timeout=15)
                assert response.get("result", "missing") is None, response
                self.notify("exit")
                self.process.stdin.close()
            except (AssertionError, BrokenPipeError, OSError):
                pass
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                raise AssertionError(f"the server did not exit after shutdown/exit:\n{self.stderr()}")


@pytest.fixture
def server(tmp_path):
    started = Server(tmp_path)
    yield started
    pid = started.process.pid
    started.close()
    assert started.process.returncode == 0, f"exit code {started.process.returncode}:\n{started.stderr()}"
    assert wait_until(lambda: not descendants(pid)), f"processes left behind: {descendants(pid)}"


# --- malformed JSON-RPC -------------------------------------------------------------------------------------
MALFORMED_BODIES = [
    b"{not json",
    b"",
    b"\xff\xfe\x00garbage",
    b"null",
    b"42",
    b"[]",
    b'"a string"',
    b"[1, 2, 3]",
    b'{"jsonrpc": "2.0"}',
    b'{"jsonrpc": "2.0", "id": 900}',
    b'{"jsonrpc": "1.0", "id": 901, "method": "textDocument/diagnostic"}',
    b'{"jsonrpc": "2.0", "id": 902, "method": 17}',
    b'{"jsonrpc": "2.0", "id": {"an": "object"}, "method": "textDocument/hover"}',
    b'{"jsonrpc": "2.0", "id": [1], "method": "textDocument/diagnostic", "params": {"textDocument": {"uri": 1}}}',
    b'{"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": "not an object"}',
    b'{"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {"textDocument": {}}}',
    b'{"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {"uri": 5}}}',
    b'{"jsonrpc": "2.0", "id": 903, "method": "textDocument/hover", "params": {"position": "here"}}',
    b'{"jsonrpc": "2.0", "id": 904, "method": "textDocument/codeAction", "params": null}',
    b'{"jsonrpc": "2.0", "id": 905, "result": "an answer to nothing"}',
    b'{"jsonrpc": "2.0", "id": 906, "error": {"code": 1, "message": "an error for nothing"}}',
    b'{"jsonrpc": "2.0", "method": "$/cancelRequest", "params": {"id": 123456}}',
    b'{"jsonrpc": "2.0", "method": "$/setTrace", "params": {"value": "verbose"}}',
    b"[" * 100_000 + b"]" * 100_000,  # nested deeper than any JSON parser recurses
    b'{"jsonrpc": "2.0", "method": "window/logMessage", "params": {"type": 3, "message": "' + b"x" * 5_000_000 + b'"}}',
]


def test_malformed_messages_do_not_stop_the_server(server):
    uri = server.open("score.py", BAD)
    for body in MALFORMED_BODIES:
        server.send_body(body)
    server.assert_healthy(uri, BAD)
    # Requests that were malformed but carried an id get an error answer (not silence, not a crash).
    for request_id in (903, 904):
        response = server.response(request_id)
        assert "error" in response, response


def test_broken_frames(server):
    uri = server.open("score.py", BAD)
    server.send_raw(b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n")  # no length at all
    server.send_raw(b"this is not a header line\r\n\r\n")
    server.send_raw(b"Content-Length: not-a-number\r\n\r\n")
    server.send_raw(b"Content-Length: -5\r\n\r\n")
    body = json.dumps({"jsonrpc": "2.0", "id": 950, "method": "textDocument/diagnostic",
                       "params": {"textDocument": {"uri": uri}}}).encode()
    # a length shorter than the body: the rest is read as the start of the next (garbage) header
    server.send_raw(b"Content-Length: %d\r\n\r\n" % (len(body) - 10) + body + b"\r\n\r\n")
    server.assert_healthy(uri, BAD)


def test_unknown_methods(server):
    uri = server.open("score.py", BAD)
    response = server.request("scorelint/noSuchMethod", {"x": 1})
    assert response["error"]["code"] == -32601, response  # MethodNotFound
    response = server.request("textDocument/noSuchRequest", {"textDocument": {"uri": uri}})
    assert response["error"]["code"] == -32601, response
    server.notify("scorelint/noSuchNotification", {"x": 1})
    server.notify("$/noSuchProtocolNotification", {})
    response = server.request("workspace/executeCommand", {"command": "scorelint.noSuchCommand", "arguments": []})
    assert "error" in response, response
    for arguments in ([], [None], [42], [{"uri": 7}], ["file:///no/such/file.py"], ["relative/path.py"]):
        response = server.request("workspace/executeCommand", {"command": "scorelint.showSwagger",
                                                               "arguments": arguments})
        assert "error" in response, (arguments, response)
    response = server.request("workspace/executeCommand", {"command": "scorelint.applyFixAll",
                                                           "arguments": ["file:///not/open.py"]})
    assert response.get("result", {}).get("applied") is False, response
    server.assert_healthy(uri, BAD)


def test_requests_about_documents_that_are_not_open(server):
    uri = server.open("score.py", BAD)
    ghost = (server.root / "ghost_score.py").as_uri()
    position = {"line": 0, "character": 0}
    for method, params in [
        ("textDocument/hover", {"textDocument": {"uri": ghost}, "position": position}),
        ("textDocument/codeAction", {"textDocument": {"uri": ghost}, "range": {"start": position, "end": position},
                                     "context": {"diagnostics": []}}),
        ("textDocument/diagnostic", {"textDocument": {"uri": ghost}}),
        ("textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": 5000, "character": 9000}}),
        ("textDocument/codeAction", {"textDocument": {"uri": uri},
                                     "range": {"start": {"line": 4000, "character": 0},
                                               "end": {"line": 4001, "character": 99}},
                                     "context": {"diagnostics": [{"range": {"start": position, "end": position},
                                                                  "message": "forged", "source": "scorelint",
                                                                  "code": "SL002", "data": {"fix": "nonsense"}}]}}),
    ]:
        response = server.request(method, params)
        assert "result" in response or "error" in response, response
    server.notify("textDocument/didChange", {"textDocument": {"uri": ghost, "version": 3},
                                             "contentChanges": [{"text": "x = 1\n"}]})
    server.notify("textDocument/didClose", {"textDocument": {"uri": ghost}})
    server.notify("textDocument/didSave", {"textDocument": {"uri": ghost}})
    server.assert_healthy(uri, BAD)


# --- edits ---------------------------------------------------------------------------------------------------
def _range(sl: int, sc: int, el: int, ec: int) -> dict:
    return {"start": {"line": sl, "character": sc}, "end": {"line": el, "character": ec}}


def test_did_change_with_out_of_range_edits(server):
    uri = server.open("score.py", GOOD)
    version = 1
    for change in [
        {"range": _range(500, 0, 500, 0), "text": "# far below the end\n"},
        {"range": _range(0, 900, 0, 901), "text": "x"},
        {"range": _range(3, 4, 1, 0), "text": "reversed"},  # end before start
        {"range": _range(2**31 - 1, 2**31 - 1, 2**31 - 1, 2**31 - 1), "text": ""},
        {"range": _range(0, 0, 10_000, 0), "text": ""},  # everything, and more
        {"range": _range(-1, -1, -1, -1), "text": "negative"},
        {"range": "not a range", "text": "x"},
        {"text": None},
    ]:
        version += 1
        server.change(uri, version, changes=[change])
    # Whatever those did to the server's copy, a full-text change puts it back in step with the editor.
    version += 1
    server.change(uri, version, BAD)
    params, _ = server.published(uri, version)
    assert found(params["diagnostics"]) == expected(BAD, server.root / "score.py")
    server.assert_healthy(uri, BAD)


def test_versions_out_of_order_and_repeated_opens(server):
    uri = server.open("score.py", GOOD)
    server.change(uri, 10, BAD)
    server.change(uri, 3, GOOD)  # an older version after a newer one
    server.open("score.py", BAD, version=1, write=False)  # opened again without a close
    server.change(uri, 11, BAD)
    server.assert_healthy(uri, BAD)


def test_a_thousand_rapid_edits(tmp_path):
    """Typing a whole script, one keystroke a message, with no pause: the server keeps up and ends on the
    diagnostics of the final text (and does not lint every intermediate version). With the product's
    debounce, not the tests' 0 ms: with none, whether versions coalesce depends only on the machine's speed."""
    server = Server(tmp_path, {"debounceMs": 100})
    try:
        _thousand_rapid_edits(server)
    finally:
        pid = server.process.pid
        server.close()
    assert server.process.returncode == 0, f"exit code {server.process.returncode}:\n{server.stderr()}"
    assert wait_until(lambda: not descendants(pid)), f"processes left behind: {descendants(pid)}"


def _thousand_rapid_edits(server: Server) -> None:
    final = BAD + "\n\ndef helper(x):\n    return {'value': x * 2, 'label': str(x)}\n" * 4
    uri = server.open("score.py", "")
    steps = [final[: max(1, len(final) * i // 1000)] for i in range(1, 1001)]
    started = time.monotonic()
    for version, text in enumerate(steps, start=2):
        server.change(uri, version, text)
    last = len(steps) + 1
    params, _ = server.published(uri, last, timeout=60)
    elapsed = time.monotonic() - started
    assert found(params["diagnostics"]) == expected(final, server.root / "score.py")
    published = [n for n in server.notifications if n["method"] == "textDocument/publishDiagnostics"]
    assert len(published) < 500, f"{len(published)} publications for 1,000 edits: the debounce does not work"
    assert elapsed < 60
    server.assert_healthy(uri, final)


def test_a_document_closed_while_it_is_linted(server):
    """A big script is opened and closed at once: the close clears its diagnostics, and no late result of
    the lint in progress brings them back."""
    big = BAD + "".join(f"\n\ndef helper_{i}(data):\n    print(data)\n    return data[{i}]\n" for i in range(4000))
    uri = server.open("big_score.py", big)
    server.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    params, mark = server.published(uri, timeout=60)
    assert params["diagnostics"] == [], "the close must clear the document's diagnostics"
    # The lint of the closed document finishes (it takes seconds); nothing is published for it afterwards.
    other = server.open("score.py", BAD)
    server.assert_healthy(other, BAD)
    time.sleep(1.0)
    late = [n for n in server.notifications[mark:] if n["method"] == "textDocument/publishDiagnostics"
            and n["params"]["uri"] == uri and n["params"]["diagnostics"]]
    assert late == [], "diagnostics were published for a document that is closed"
    # Open, change, close, reopen in a burst: the reopened document gets the right diagnostics.
    for round_ in range(20):
        server.open("big_score.py", big, version=1, write=False)
        server.change(uri, 2, GOOD)
        server.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    reopened = server.open("big_score.py", BAD, version=7)
    server.assert_healthy(reopened, BAD)


def test_huge_and_deep_documents(server):
    """A 20 MB buffer, 50,000 nested brackets and a 30,000-term `and` chain: each answered, none crashes
    the server (libcst's parser would overflow its stack on the last two)."""
    uri = server.open("score.py", BAD)
    huge = server.open("huge_score.py", GOOD + "DATA = '" + "x" * 20_000_000 + "'\n", write=False)
    deep = server.open("deep_score.py", GOOD + "X = " + "(" * 50_000 + ")" * 50_000 + "\n", write=False)
    chain = server.open("chain_score.py", GOOD + "OK = " + " and ".join(["True"] * 30_000) + "\n", write=False)
    assert any("too large" in d["message"] for d in server.pull(huge))
    assert [d["code"] for d in server.pull(deep)] == ["SL001"]
    assert server.pull(chain) == []
    server.assert_healthy(uri, BAD)


# --- the client goes away ------------------------------------------------------------------------------------
def test_the_server_exits_when_its_input_closes_mid_session(tmp_path):
    server = Server(tmp_path)
    server.open("score.py", BAD)
    server.published((tmp_path / "score.py").as_uri(), 1)
    pid = server.process.pid
    server.process.stdin.close()  # the editor crashed: no shutdown, no exit
    try:
        server.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.process.kill()
        pytest.fail("the server kept running after its client disappeared")
    assert wait_until(lambda: not descendants(pid))


def test_requests_after_shutdown_are_refused(tmp_path):
    server = Server(tmp_path)
    uri = server.open("score.py", BAD)
    assert server.request("shutdown").get("result", "missing") is None
    response = server.request("textDocument/diagnostic", {"textDocument": {"uri": uri}})
    assert response["error"]["code"] == -32600, response  # InvalidRequest
    server.notify("exit")
    assert server.process.wait(timeout=20) == 0


# --- the sandbox command on hostile scripts ---------------------------------------------------------------
# name -> (script prefix, whether the sandbox must report a failure rather than a Swagger document)
HOSTILE = {
    "infinite-loop-at-import": ("while True:\n    pass\n", True),
    "fork-bomb": ("import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n", True),
    "memory-bomb": ("blocks = []\nwhile True:\n    blocks.append(bytearray(64 * 1024 * 1024))\n", True),
    "os-exit": ("import os\nos._exit(3)\n", True),
    "kills-its-parent": ("import os, signal\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
                         "os.kill(os.getppid(), signal.SIGKILL)\nwhile True:\n    pass\n", True),
    # These load: the document is served, and what they leave running is killed all the same.
    "children-left-running": ("import os, time\nfor _ in range(5):\n    if os.fork() == 0:\n        os.setsid()\n"
                              "        time.sleep(3600)\n        os._exit(0)\n", False),
    "threads-left-running": ("import threading, time\nthreading.Thread(target=time.sleep, args=(3600,)).start()\n",
                             False),
    # A gigabyte of output: stopped at the sandbox's output limit.
    "output-flood": ("import sys\nchunk = 'x' * (1 << 20)\nfor _ in range(1024):\n    sys.stdout.write(chunk)\n",
                     True),
}


def test_the_sandbox_command_on_hostile_scripts(tmp_path):
    server = Server(tmp_path, {"sandbox": {"timeout": 5}})
    pid = server.process.pid
    try:
        uri = server.open("score.py", BAD)
        server.published(uri, 1)
        for name, (attack, fails) in HOSTILE.items():
            path = tmp_path / f"{name.replace('-', '_')}_score.py"
            path.write_text(attack + GOOD)
            started = time.monotonic()
            response = server.request("workspace/executeCommand", {"command": "scorelint.showSwagger",
                                                                   "arguments": [path.as_uri()]}, timeout=120)
            assert time.monotonic() - started < 60, name
            if fails:  # contained and reported, not a Swagger document
                assert "error" in response and response["error"]["message"], (name, response)
            else:
                assert response.get("result", {}).get("document", {}).get("swagger") == "2.0", (name, response)
            server.assert_healthy(uri, BAD)
            # Only the warm sandbox worker may stay (a direct child, waiting for the next request).
            assert wait_until(lambda: len(descendants(pid)) <= 1, timeout=20), (name, descendants(pid))
        # and it still works for a script that is fine
        good = tmp_path / "good_score.py"
        good.write_text(GOOD)
        response = server.request("workspace/executeCommand", {"command": "scorelint.showSwagger",
                                                               "arguments": [good.as_uri()]}, timeout=120)
        assert "result" in response and response["result"]["document"]["swagger"] == "2.0", response
    finally:
        server.close()
    assert server.process.returncode == 0, server.stderr()
    assert wait_until(lambda: not descendants(pid)), descendants(pid)
    assert wait_until(lambda: not sandboxed_processes(), timeout=20), sandboxed_processes()


def test_sandbox_on_save_of_a_hostile_script_and_a_killed_server(tmp_path):
    """Sandbox-on-save with a script that never finishes, then the server is killed outright (SIGKILL, as an
    editor crash or an OOM kill would): no sandbox process outlives it."""
    server = Server(tmp_path, {"sandbox": {"onSave": True, "timeout": 60}})
    pid = server.process.pid
    uri = server.open("score.py", "import time\ntime.sleep(3600)\n" + GOOD)
    server.published(uri, 1)
    server.notify("textDocument/didSave", {"textDocument": {"uri": uri}})
    assert wait_until(lambda: len(sandboxed_processes()) > 0, timeout=30), "the sandbox never started"
    server.assert_healthy(uri, "import time\ntime.sleep(3600)\n" + GOOD)  # the loop is not blocked by it
    os.kill(pid, signal.SIGKILL)
    server.process.wait(timeout=10)
    assert wait_until(lambda: not sandboxed_processes(), timeout=30), (
        f"sandbox processes outlived the killed server: {sandboxed_processes()}")


def test_a_huge_python_file_that_is_not_named_like_a_script(server):
    """A 10 MB module (a generated one, say) open in the editor: deciding whether it is an entry script must
    not parse it on every change (CPython's ast took 12 s and 1.6 GB for it)."""
    uri = server.open("score.py", BAD)
    body = "".join(f"def helper_{i}(data):\n    return run(init(data))\n\n\n" for i in range(240_000))
    big = server.open("generated_model.py", "def init():\n    pass\n\n\ndef run(data):\n    return data\n" + body,
                      write=False)
    started = time.monotonic()
    for version in range(2, 6):
        server.change(big, version, "def init():\n    pass\n" + body + f"# edit {version}\n")
    assert server.pull(big) == []
    server.assert_healthy(uri, BAD)
    assert time.monotonic() - started < 20
