"""Hostile entry scripts: each one is contained, reported, leaves no process behind and changes nothing
outside the sandbox's temporary folder.

Every case checks three things after the run: the failure (or refusal) the sandbox reported, that no
process of the run survives (every sandboxed process carries SCORELINT_SANDBOX=<token> in its
environment), and that the project folder, the user's home and the temporary folder hold no trace.
Several cases attack twice: from Python (stopped by the audit hook, with a readable refusal) and from
a program the script starts (no audit hook there: stopped by the OS layers, namespaces and cgroup).
"""

from __future__ import annotations

import os
import socket
import sys
import textwrap
import threading
import time
import uuid
from pathlib import Path

import pytest

from scorelint.sandbox import SandboxOptions, WarmWorker, swagger, try_script

HOME = Path(os.path.expanduser("~"))
TMP = Path(os.environ.get("TMPDIR", "/tmp"))
LINUX = sys.platform.startswith("linux")

SCHEMA_TAIL = '''
from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType
from inference_schema.schema_decorators import input_schema


def init():
    pass


@input_schema("data", StandardPythonParameterType(dict(x=1)))
def run(data):
    return data
'''


def _snapshot(folder: Path) -> dict:
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in folder.rglob("*")}


def _survivors(token: str) -> list[int]:
    marker = f"SCORELINT_SANDBOX={token}".encode()
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/environ", "rb") as handle:
                    if marker in handle.read():
                        found.append(int(name))
            except OSError:
                pass
    return found


class Attack:
    """A project folder holding one hostile score.py; checks that nothing escaped after the run."""

    def __init__(self, tmp_path: Path, source: str, tail: bool = False, **fields) -> None:
        self.mark = f"scorelint-hostile-{uuid.uuid4().hex[:12]}"
        self.project = tmp_path / "project"
        self.project.mkdir()
        self.script = self.project / "score.py"
        source = textwrap.dedent(source).format(mark=self.mark, home=HOME, project=self.project, **fields)
        source += SCHEMA_TAIL if tail else ""
        self.script.write_text(source)
        self.before = _snapshot(self.project)

    def options(self, **overrides) -> SandboxOptions:
        values = dict(timeout=3.0, memory_mb=512)
        values.update(overrides)
        return SandboxOptions(**values)

    def contained(self, result) -> None:
        assert result.token
        deadline = time.monotonic() + 2
        while _survivors(result.token) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _survivors(result.token) == [], "processes of the run survived it"
        assert _snapshot(self.project) == self.before, "the project folder changed"
        assert not (HOME / self.mark).exists(), "a file appeared in the user's home"
        assert not any(p.name.startswith(self.mark) for p in TMP.iterdir()), "a file appeared in the temp folder"
        assert not (self.project / "__pycache__").exists()


@pytest.fixture
def attack(tmp_path):
    return lambda source, **fields: Attack(tmp_path, source, **fields)


def test_infinite_loop_at_import(attack):
    case = attack("while True:\n    pass\n", tail=True)
    started = time.monotonic()
    result = swagger(case.script, case.options(timeout=1.5))
    assert time.monotonic() - started < 6
    assert result.failure.kind == "import"
    assert "did not finish within 1.5 s" in result.failure.message
    case.contained(result)


def test_signals_ignored_and_loop(attack):
    case = attack("""
        import signal
        for number in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(number, signal.SIG_IGN)
        while True:
            pass
    """)
    result = swagger(case.script, case.options(timeout=1.5))
    assert "did not finish" in result.failure.message
    case.contained(result)


def test_cpu_limit(attack):
    case = attack("while True:\n    pass\n")
    result = swagger(case.script, case.options(timeout=6, cpu_seconds=1))
    assert "used more CPU time than the sandbox allows (1 s)" in result.failure.message
    assert result.elapsed < 5
    case.contained(result)


def test_memory_bomb(attack):
    case = attack("""
        hog = []
        while True:
            hog.append(bytearray(64 * 1024 * 1024))
    """)
    result = swagger(case.script, case.options(memory_mb=256))
    assert result.failure.kind == "import"
    assert "MemoryError" in result.failure.message and "256 MB" in result.failure.message
    case.contained(result)


def test_fork_bomb_in_python(attack):
    case = attack("""
        import os
        while True:
            try:
                os.fork()
            except OSError:
                pass
    """)
    result = swagger(case.script, case.options(timeout=2, processes=8))
    assert result.failure.kind == "import"
    assert any("starting more than 8 processes" in r for r in result.refused)
    case.contained(result)


def _processes_can_be_capped() -> bool:
    """Root is exempt from RLIMIT_NPROC: only a pids cgroup caps a shell fork bomb then."""
    if not LINUX:
        return False
    if os.geteuid() != 0:
        return True
    from scorelint.sandbox._process import make_cgroup, remove_cgroup

    path = make_cgroup(f"probe-{uuid.uuid4().hex[:8]}", 8)
    remove_cgroup(path)
    return path is not None


@pytest.mark.skipif(not _processes_can_be_capped(),
                    reason="running as root without a writable pids cgroup: a shell fork bomb could not be capped")
def test_fork_bomb_in_a_shell(attack):
    """bash has no audit hook: the pids cgroup (root) or RLIMIT_NPROC caps it, the PID namespace ends it."""
    case = attack("""
        import subprocess, time
        subprocess.Popen(["bash", "-c", "b(){{ b | b & }}; b"])
        time.sleep(60)
    """)
    result = swagger(case.script, case.options(timeout=2))
    assert "did not finish" in result.failure.message
    assert any("pids cgroup" in layer or "processes" in layer for layer in result.layers), result.layers
    case.contained(result)


def test_network_connect_to_localhost(attack):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    listener.settimeout(0.5)
    port = listener.getsockname()[1]
    connections = []

    def accept():
        try:
            connections.append(listener.accept())
        except OSError:
            pass

    thread = threading.Thread(target=accept)
    thread.start()
    case = attack("""
        import socket, subprocess, sys
        code = "import socket; socket.create_connection(('127.0.0.1', {port}), timeout=1).sendall(b'leak')"
        # From a program the script starts (no audit hook there): the network namespace refuses.
        child = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        print("child:", child.returncode, child.stderr.strip().splitlines()[-1:])
        # From the script itself: the audit hook refuses.
        socket.create_connection(("127.0.0.1", {port}), timeout=1).sendall(b"leak")
    """, port=port)
    result = swagger(case.script, case.options())
    thread.join()
    listener.close()
    assert connections == []
    assert result.failure.kind == "import" and "PermissionError" in result.failure.message
    assert any("network access" in r for r in result.refused)
    if LINUX and any("network namespace" in layer for layer in result.layers):
        assert "Network is unreachable" in result.stdout
    case.contained(result)


def test_writes_to_home_and_project(attack):
    case = attack("""
        import os, subprocess
        # A shell escapes the audit hook; the read-only file system stops it.
        subprocess.run(["sh", "-c", "echo x > {home}/{mark}; echo x > {project}/{mark}; echo x > /tmp/{mark}"])
        for target in ("{home}/{mark}", "{project}/{mark}", "/tmp/{mark}", "{project}/score.py"):
            try:
                with open(target, "a") as handle:
                    handle.write("pwned")
            except OSError as exc:
                print("refused:", target, type(exc).__name__)
        os.rename("{project}/score.py", "{project}/moved.py")
    """)
    result = swagger(case.script, case.options())
    assert result.failure.kind == "import" and "PermissionError" in result.failure.message
    assert result.stdout.count("refused:") == 4
    assert any("outside the sandbox folder" in r for r in result.refused)
    if any("read-only file system" in layer for layer in result.layers):
        assert "Read-only file system" in result.stderr
    case.contained(result)


def test_writes_inside_the_sandbox_are_allowed(attack):
    case = attack("""
        import os, tempfile
        with open(os.path.expanduser("~/notes.txt"), "w") as handle:
            handle.write("fine")
        with tempfile.NamedTemporaryFile("w", delete=False) as handle:
            handle.write("fine")
        open("relative.txt", "w").write("fine")  # the working directory is the sandbox's
    """, tail=True)
    result = swagger(case.script, case.options())
    assert result.failure is None, result.failure
    case.contained(result)


def test_environment_secrets(attack, monkeypatch):
    secret = f"s3cr3t-{uuid.uuid4().hex}"
    monkeypatch.setenv("AZURE_CLIENT_SECRET", secret)
    monkeypatch.setenv("SCORELINT_TEST_TOKEN", secret)
    case = attack("""
        import glob, json, os
        found = dict(os.environ)
        for path in glob.glob("/proc/*/environ"):
            try:
                found[path] = open(path, "rb").read().decode("latin-1")
            except OSError as exc:
                found[path] = str(exc)
        print(json.dumps(found))
        from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType
        from inference_schema.schema_decorators import input_schema

        def init():
            pass

        @input_schema("data", StandardPythonParameterType({{"env": json.dumps(found)}}))
        def run(data):
            return data
    """)
    result = swagger(case.script, case.options())
    assert result.failure is None, result.failure
    published = repr(result.documents) + result.stdout + result.stderr
    assert "SCORELINT_SANDBOX" in published  # the script did read its environment...
    assert secret not in published  # ...but none of the parent's
    case.contained(result)


def test_os_exit_at_import(attack):
    case = attack("import os\nos._exit(3)\n")
    result = swagger(case.script, case.options())
    assert result.failure.kind == "import"
    assert "exit status 3" in result.failure.message
    case.contained(result)


def test_sys_exit_inside_init(attack):
    case = attack("""
        import sys

        def init():
            sys.exit(4)

        def run(data):
            return data
    """)
    result = try_script(case.script, case.options())
    assert result.failure.kind == "init"
    assert "SystemExit" in result.failure.message
    assert result.status is None
    case.contained(result)


def test_signals_to_others(attack):
    case = attack("""
        import os, signal, subprocess
        # From a program: the PID namespace hides every process outside the sandbox.
        subprocess.run(["sh", "-c", "kill -9 {victim} || echo no such process"])
        for attempt in (lambda: os.kill(os.getppid(), signal.SIGKILL),
                        lambda: os.killpg(os.getpgrp(), signal.SIGKILL),
                        lambda: os.kill({victim}, signal.SIGTERM)):
            try:
                attempt()
            except OSError as exc:  # refused by the audit hook, or no such process in the namespace
                print("refused:", exc, flush=True)
        os.kill(os.getpid(), signal.SIGTERM)
    """, victim=os.getpid())
    result = swagger(case.script, case.options())
    assert result.stdout.count("refused:") == 3, result.stdout + result.stderr
    assert "SIGTERM" in result.failure.message
    case.contained(result)


def test_threads_left_running(attack):
    case = attack("""
        import threading, time

        def spin():
            while True:
                time.sleep(0.01)

        threading.Thread(target=spin).start()  # not a daemon: would keep a normal interpreter alive
    """, tail=True)
    result = swagger(case.script, case.options(timeout=5))
    assert result.failure is None, result.failure
    assert result.elapsed < 4
    assert "3" in result.documents
    case.contained(result)


def test_a_gigabyte_of_output(attack):
    case = attack("""
        import os
        chunk = b"x" * (1 << 20)
        for _ in range(1024):
            os.write(1, chunk)
    """)
    options = case.options(timeout=10)
    result = swagger(case.script, options)
    assert "printed more than 16 MB" in result.failure.message
    assert len(result.stdout) <= options.output_limit
    assert result.stdout_bytes > options.flood_limit
    assert result.elapsed < 8
    case.contained(result)


def test_prints_cannot_forge_a_result(attack):
    case = attack("""
        import sys
        print('{{"t": "result", "result": {{"swagger": {{"documents": {{"2": {{"forged": true}}}}}}}}}}')
        sys.stderr.write('{{"t": "result"}}\\n')
    """, tail=True)
    result = swagger(case.script, case.options())
    assert result.failure is None
    assert "forged" not in result.documents["2"]
    case.contained(result)


def test_warm_worker_contains_the_same_attacks(attack, tmp_path):
    loop = attack("import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n")
    with WarmWorker() as worker:
        first = swagger(loop.script, loop.options(timeout=1.5, processes=4), worker=worker)
        assert "did not finish" in first.failure.message
        loop.contained(first)
        # The worker survives a hostile request and serves the next one.
        good = tmp_path / "good.py"
        good.write_text(SCHEMA_TAIL)
        second = swagger(good, SandboxOptions(timeout=5), worker=worker)
        assert second.failure is None and "2" in second.documents
        assert worker.pid is not None


def test_without_namespaces_the_audit_hook_and_the_sweep_still_contain(attack):
    """Where the machine refuses namespaces (namespaces=False stands in for it), the audit hook refuses
    from Python, and the process-group kill plus the token sweep leave no process behind."""
    victim = os.getpid()
    case = attack("""
        import os, signal, socket
        for attempt in (lambda: open("{project}/{mark}", "w"),
                        lambda: socket.create_connection(("127.0.0.1", 9), timeout=1),
                        lambda: os.kill({victim}, signal.SIGTERM),
                        lambda: open("/proc/{victim}/environ", "rb").read()):
            try:
                attempt()
            except PermissionError as exc:
                print("refused:", exc, flush=True)
        for _ in range(3):
            if os.fork() == 0:  # children that outlive the import, detached into their own sessions
                os.setsid()
                while True:
                    pass
        while True:
            pass
    """, victim=victim)
    result = swagger(case.script, case.options(timeout=2, namespaces=False))
    assert result.stdout.count("refused:") == 4, result.stdout + result.stderr
    assert not any("namespace" in layer for layer in result.layers)
    assert "did not finish" in result.failure.message
    case.contained(result)
