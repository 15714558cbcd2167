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
import subprocess
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

    def __init__(self, tmp_path: Path, source: str, tail: bool = False, raw: bool = False, **fields) -> None:
        self.mark = f"scorelint-hostile-{uuid.uuid4().hex[:12]}"
        self.project = tmp_path / "project"
        self.project.mkdir()
        self.script = self.project / "score.py"
        source = textwrap.dedent(source)
        if not raw:  # raw: the source has braces of its own (JSON)
            source = source.format(mark=self.mark, home=HOME, project=self.project, **fields)
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


def _accepting(listener: socket.socket, timeout: float) -> tuple[threading.Thread, list]:
    """A thread accepting one connection on `listener` for `timeout` seconds, and what it accepted."""
    listener.listen(5)
    listener.settimeout(timeout)
    connections: list = []

    def accept():
        try:
            connections.append(listener.accept())
        except OSError:
            pass

    thread = threading.Thread(target=accept)
    thread.start()
    return thread, connections


def test_network_connect_to_localhost(attack):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    thread, connections = _accepting(listener, 0.5)
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
    if LINUX and any(layer.startswith(("network namespace", "Landlock")) for layer in result.layers):
        assert "Network is unreachable" in result.stdout or "Permission denied" in result.stdout  # (Landlock)
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


# ==================================================================================================
# Issue 16: one case per class of escape found by a hostile contributor (see docs/security.md)
# ==================================================================================================
# A script finds the channel's object through its caller's frames: no Python-level secret survives that.
FIND_CHANNEL = '''
import os, sys
frame = sys._getframe()
while frame is not None and "channel" not in frame.f_locals:
    frame = frame.f_back
channel = frame.f_locals["channel"]
def forge(text):
    os.write(channel.fd, text.replace("NONCE", channel.nonce).encode() + b"\\n")
'''


def _unprivileged_runs(path: Path) -> subprocess.CompletedProcess:
    """Another user (nobody) runs `path`, found by its own shell (setpriv would resolve it as root)."""
    return subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "sh", "-c", '"$0"',
                           str(path)], capture_output=True, text=True, timeout=10)


@pytest.mark.skipif(not LINUX, reason="Linux sandbox layers")
def test_root_escape_through_a_set_uid_copy(attack):
    """Item 1: the script opens its folder to everyone and plants a set-uid program while it sleeps."""
    case = attack("""
        import os, shutil, time
        box = os.path.dirname(os.getcwd())
        for folder in (box, os.getcwd(), os.path.dirname(box)):
            try:
                os.chmod(folder, 0o755)
            except OSError as exc:
                print("refused:", folder, type(exc).__name__, flush=True)
        shutil.copy("/usr/bin/id", "id")  # set-uid root, it would print euid=0 for anyone who runs it
        os.chmod("id", 0o4755)
        open("planted", "w").write(os.path.abspath("id"))
        time.sleep(60)
    """)
    found = {}

    def watch():
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline and not found:
            for planted in TMP.glob("scorelint-sandbox-*/box/work/planted"):
                time.sleep(0.2)
                seen = {"outer_mode": planted.parent.parent.parent.stat().st_mode & 0o777}
                if os.geteuid() == 0:  # another user tries the set-uid shell
                    seen["run"] = _unprivileged_runs(planted.parent / "id")
                found.update(seen)
            time.sleep(0.05)

    thread = threading.Thread(target=watch)
    thread.start()
    result = swagger(case.script, case.options(timeout=3))
    thread.join()
    assert found, "the planted shell was never seen"
    assert found["outer_mode"] == 0o700, oct(found["outer_mode"])  # the folder above the box stays closed
    if "run" in found:
        assert found["run"].returncode != 0 and "euid=0" not in found["run"].stdout, found["run"]
    assert "refused:" in result.stdout  # the folder above its box is not the script's to open
    case.contained(result)


def test_unix_socket_of_the_host_by_path(attack, tmp_path):
    """Item 3: a listener on a Unix socket under /tmp (X11, ssh-agent, docker.sock live in such places)."""
    path = TMP / f"scorelint-hostile-{uuid.uuid4().hex[:8]}.sock"
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(path))
    thread, connections = _accepting(listener, 4)
    try:
        case = attack("""
            import socket, subprocess, sys
            code = "import socket; s = socket.socket(socket.AF_UNIX); s.connect({path!r}); s.sendall(b'leak')"
            child = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
            print("child:", child.returncode, child.stderr.strip().splitlines()[-1:], flush=True)
            s = socket.socket(socket.AF_UNIX)
            s.connect({path!r})
        """, path=str(path))
        result = swagger(case.script, case.options())
    finally:
        thread.join()
        listener.close()
        path.unlink()
    assert connections == [], "the sandbox reached a host Unix socket"
    assert result.failure.kind == "import"
    assert "child: 1" in result.stdout, result.stdout + result.stderr
    case.contained(result)


def test_a_fifo_or_a_link_in_place_of_the_stack_file(tmp_path):
    """Item 4: after a timeout the parent reads stack.txt; the script has made it a FIFO, or a link to a
    file it cannot read. The parent neither hangs nor prints that file."""
    secret = tmp_path / "id_rsa"
    secret.write_text("PRIVATE-KEY-" + uuid.uuid4().hex)
    secret.chmod(0o600)
    for plant in ("os.mkfifo(stack)", f"os.symlink({str(secret)!r}, stack)"):
        case = Attack(_fresh(tmp_path), "\n".join([
            "import os, time",
            "stack = os.path.join(os.path.dirname(os.getcwd()), 'stack.txt')",
            "time.sleep(0.3)",
            "os.unlink(stack)",
            plant,
            "time.sleep(60)", ""]))
        started = time.monotonic()
        result = swagger(case.script, case.options(timeout=1.5))
        assert time.monotonic() - started < 8
        assert "did not finish" in result.failure.message
        assert secret.read_text() not in repr(result.failure) + result.stdout + result.stderr
        case.contained(result)


def _fresh(tmp_path: Path) -> Path:
    folder = tmp_path / uuid.uuid4().hex[:8]
    folder.mkdir()
    return folder


def test_cleanup_never_follows_a_link_the_script_planted(attack, tmp_path):
    """Item 4: a link to a file outside, and a folder made unwritable so that cleanup must unlock it."""
    target = tmp_path / "target.txt"
    target.write_text("keep")
    target.chmod(0o644)
    case = attack("""
        import os
        os.mkdir("locked")
        os.symlink({target!r}, "locked/link")
        os.symlink({target!r}, "link")
        os.chmod("locked", 0o500)
    """, tail=True, target=str(target))
    result = swagger(case.script, case.options())
    assert result.failure is None, result.failure
    assert target.stat().st_mode & 0o777 == 0o644 and target.read_text() == "keep"
    assert not list(TMP.glob(f"scorelint-sandbox-*/box/work/locked/link"))
    case.contained(result)


def test_a_stale_folder_of_fifos_and_links_does_not_hang_the_next_run(tmp_path, monkeypatch):
    """Item 4: a killed run left a folder whose files (`.owner` included) are FIFOs and links; every
    later run sweeps stale folders first. The sweep neither blocks nor follows the links."""
    import tempfile

    from scorelint.sandbox import _process

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("keep")
    stale = tmp_path / f"{_process.PREFIX}stale"
    (stale / "box" / "work").mkdir(parents=True)
    for fifo in (stale / ".owner", stale / "box" / "stack.txt", stale / "box" / "work" / "pipe"):
        os.mkfifo(fifo)
    (stale / "box" / "work" / "link").symlink_to(outside)
    (stale / "box" / "locked").mkdir()
    (stale / "box" / "locked" / "link").symlink_to(outside / "keep.txt")
    (stale / "box" / "locked").chmod(0)
    os.utime(stale, (0, 0))
    done = threading.Event()
    thread = threading.Thread(target=lambda: (_process.remove_stale_folders(), done.set()), daemon=True)
    thread.start()
    assert done.wait(10), "the stale-folder sweep hangs"
    assert not stale.exists()
    assert (outside / "keep.txt").read_text() == "keep" and outside.stat().st_mode & 0o777 != 0o700


def test_a_malformed_result_channel(attack):
    """Item 5: the script finds the channel (frames) and writes what a naive reader chokes on."""
    cases = {
        "deep": 'forge(\'{"t": "result", "n": "NONCE", "result": \' + "[" * 100000)',
        "types": 'forge(\'{"t": "result", "n": "NONCE", "result": {"swagger": {"documents": "x"}}}\')',
        "huge line": 'os.write(channel.fd, b"x" * (80 * 1024 * 1024))',
    }
    for name, attack_line in cases.items():
        case = attack(FIND_CHANNEL + attack_line + "\n", tail=True, raw=True)
        result = swagger(case.script, case.options(timeout=10))
        assert result.failure is not None, name
        assert "Traceback" not in result.failure.message, name
        assert "result channel" in result.failure.message or "too large" in result.failure.message, \
            (name, result.failure.message)
        assert result.elapsed < 9, name
        case.contained(result)
        case.project.rename(case.project.with_name(f"done-{uuid.uuid4().hex[:6]}"))


def test_a_forged_clean_result_then_an_abnormal_exit(attack):
    """Item 5: a clean result, then os._exit(3): never reported clean."""
    case = attack(FIND_CHANNEL + """
forge('{"t": "result", "n": "NONCE", "result": {"swagger": {"documents": {"2": {"swagger": "2.0"}}}}}')
forge('{"t": "exit", "n": "NONCE", "status": 0}')
os._exit(3)
""", raw=True)
    result = swagger(case.script, case.options())
    assert result.failure is not None and "status 3" in result.failure.message, result.failure
    case.contained(result)


def test_the_audit_hook_cannot_be_switched_off_through_the_garbage_collector(attack):
    """Item 7: the hook object is reachable only through gc's object lists, which the hook refuses."""
    case = attack("""
        import gc
        for attempt in (gc.get_objects, lambda: gc.get_referrers(gc), lambda: gc.get_referents(gc)):
            try:
                attempt()
            except PermissionError as exc:
                print("refused:", exc, flush=True)
        open("{project}/{mark}", "w")
    """)
    result = swagger(case.script, case.options())
    assert result.stdout.count("refused:") == 3, result.stdout + result.stderr
    assert "PermissionError" in result.failure.message
    case.contained(result)


@pytest.mark.skipif(not LINUX, reason="/proc")
def test_proc_path_tricks_to_the_parents_environment(tmp_path):
    """Item 7: without a PID namespace, /proc/self/../PID and //proc/PID name scorelint's own files; a
    program the script starts has no audit hook at all. scorelint runs with a secret in its environment."""
    secret = f"s3cr3t-{uuid.uuid4().hex}"
    case = Attack(_fresh(tmp_path), """
        import os, subprocess

        def parent_of(pid):
            return int(open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()[1])

        target = parent_of(parent_of(os.getpid()))  # the script's process, the sandbox's, then scorelint
        for path in ("/proc/self/../%d/environ", "//proc/%d/environ", "/proc/%d/./environ", "/proc/%d/cmdline"):
            try:
                print(open(path % target, "rb").read().decode("latin-1"), flush=True)
            except OSError as exc:
                print("refused:", type(exc).__name__, flush=True)
        print(subprocess.run(["cat", "/proc/%d/environ" % target], capture_output=True).stdout.decode("latin-1"))
    """, tail=True, raw=True)
    config = tmp_path / "xdg"
    (config / "scorelint").mkdir(parents=True)
    (config / "scorelint" / "config.toml").write_text("[sandbox]\nnamespaces = false\n")
    env = dict(os.environ, XDG_CONFIG_HOME=str(config), SCORELINT_TEST_SECRET=secret)
    done = subprocess.run([sys.executable, "-m", "scorelint", "try", str(case.script)], capture_output=True,
                          text=True, env=env, timeout=60)
    assert "less isolation" in done.stderr
    assert secret not in done.stdout + done.stderr, "the script read scorelint's environment"
    assert (done.stdout + done.stderr).count("refused:") == 4, done.stdout + done.stderr


@pytest.mark.skipif(not LINUX, reason="/proc")
def test_a_double_forked_daemon_with_a_clean_environment(attack):
    """Item 7: a daemon that drops the run's token from its environment and leaves the session."""
    marker = f"{uuid.uuid4().int % 1000 + 1000}.{uuid.uuid4().int % 1000:03d}"
    case = attack("""
        import os, subprocess
        subprocess.Popen(["setsid", "sh", "-c", "(exec env -i sleep {marker}) &"], start_new_session=True)
    """, tail=True, marker=marker)
    for namespaces in (True, False):
        result = swagger(case.script, case.options(namespaces=namespaces))
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline and _running_with_argument(marker):
            time.sleep(0.05)
        assert not _running_with_argument(marker), f"the daemon survived (namespaces={namespaces})"
        case.contained(result)


def _running_with_argument(argument: str) -> bool:
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/cmdline", "rb") as handle:
                    if argument.encode() in handle.read().split(b"\0"):
                        return True
            except OSError:
                pass
    return False


@pytest.mark.skipif(not LINUX, reason="/proc")
@pytest.mark.parametrize("how", ["SIGKILL", "SIGTERM"])
def test_nothing_outlives_scorelint(tmp_path, how):
    """Item 6: scorelint killed while a script runs: every process of the sandbox ends with it."""
    import signal as signals

    project = _fresh(tmp_path)
    (project / "score.py").write_text("import time\ntime.sleep(60)\n")
    proc = subprocess.Popen([sys.executable, "-m", "scorelint", "swagger", str(project / "score.py"), "--timeout",
                             "30"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    tree = set()
    while time.monotonic() < deadline and len(tree) < 2:  # C and W (and I, in a PID namespace)
        time.sleep(0.1)
        tree = _descendants(proc.pid)
    time.sleep(0.5)
    tree = _descendants(proc.pid)
    assert len(tree) >= 2, "the sandbox did not start"
    proc.send_signal(getattr(signals, how))
    proc.wait(10)
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline and _alive(tree):
        time.sleep(0.05)
    assert not _alive(tree), f"sandbox processes outlived scorelint ({how})"


def _descendants(root: int) -> set[int]:
    parents = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat", "rb") as handle:
                    parents[int(name)] = int(handle.read().rsplit(b")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                pass
    found, stack = set(), [root]
    while stack:
        current = stack.pop()
        for child, parent in parents.items():
            if parent == current and child not in found:
                found.add(child)
                stack.append(child)
    return found


def _alive(pids: set[int]) -> list[int]:
    alive = []
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat", "rb") as handle:
                if handle.read().rsplit(b")", 1)[1].split()[0] != b"Z":
                    alive.append(pid)
        except OSError:
            pass
    return alive


def test_a_huge_return_value_is_too_large_not_a_timeout(attack):
    """Item 8: run() returns 100 MB at once: reported as too large, quickly, not as a hang."""
    case = attack("""
        def init():
            pass

        def run(data):
            return "x" * (100 * 1024 * 1024)
    """)
    result = try_script(case.script, case.options(timeout=20, memory_mb=2048))
    assert result.failure is not None and "too large" in result.failure.message, result.failure
    assert "did not finish" not in result.failure.message
    assert result.elapsed < 15
    case.contained(result)


def test_check_sandbox_reports_the_other_files_and_says_when_isolation_is_reduced(tmp_path):
    """Items 5 and 7 through the command line: with -j 2, a file whose script poisons the channel is one
    finding and the other file is still reported; with less isolation (the user's own configuration
    turns namespaces off here), a warning on stderr in every output format, and --require-isolation
    refuses to import at all."""
    import json as jsonlib

    project = _fresh(tmp_path)
    (project / "bad_score.py").write_text(FIND_CHANNEL + 'forge(\'{"t": "result", "n": "NONCE", "result": \' + '
                                          '"[" * 100000)\n' + SCHEMA_TAIL)
    (project / "good_score.py").write_text(SCHEMA_TAIL)
    config = tmp_path / "xdg"
    (config / "scorelint").mkdir(parents=True)
    (config / "scorelint" / "config.toml").write_text("[sandbox]\nnamespaces = false\n")
    env = dict(os.environ, XDG_CONFIG_HOME=str(config))
    for fmt in ("concise", "json", "sarif"):
        done = subprocess.run([sys.executable, "-m", "scorelint", "check", "--sandbox", "--no-cache", "-j", "2",
                               "--output-format", fmt, str(project)], capture_output=True, text=True, env=env,
                              timeout=120)
        assert "Traceback" not in done.stderr, done.stderr
        assert "scorelint: warning: the sandbox ran with less isolation" in done.stderr, (fmt, done.stderr)
        assert "result channel" in done.stdout and "bad_score.py" in done.stdout, (fmt, done.stdout)
        if fmt != "concise":
            jsonlib.loads(done.stdout)  # standard output stays parseable
        assert done.returncode == 1, (fmt, done.returncode, done.stderr)
    refused = subprocess.run([sys.executable, "-m", "scorelint", "check", "--sandbox", "--no-cache",
                              "--require-isolation", str(project / "good_score.py")], capture_output=True,
                             text=True, env=env, timeout=120)
    assert refused.returncode == 2 and "isolation is required" in refused.stdout + refused.stderr, refused


# ==================================================================================================
# Only the folders the run needs are visible (docs/security.md, "What the script sees")
# ==================================================================================================
HIDDEN_WHOLESALE = ("/tmp", "/var/tmp", "/run", "/var/run", "/dev/shm")


@pytest.fixture
def elsewhere():
    """A fresh folder outside the folders the sandbox hides wholesale (/tmp, /run...) and outside every folder
    the run needs, open to everyone (mode 755): in the unprivileged mode only isolation, not permissions, keeps
    it from the script. Made in SCORELINT_HOSTILE_ELSEWHERE (which tests/isolation_modes.py prepares for the
    unprivileged user), else in /var/lib as root, else in the home folder."""
    given = os.environ.get("SCORELINT_HOSTILE_ELSEWHERE")
    base = Path(given) if given else Path("/var/lib") if os.geteuid() == 0 else HOME
    if any(str(base.resolve()).startswith(folder + "/") or str(base.resolve()) == folder
           for folder in HIDDEN_WHOLESALE):
        pytest.skip(f"no folder outside /tmp and /run to plant in ({base})")
    folder = base / f"scorelint-hostile-{uuid.uuid4().hex[:12]}"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        import shutil

        shutil.rmtree(folder)


@pytest.mark.skipif(not LINUX, reason="Linux sandbox layers")
def test_unix_socket_outside_the_shared_folders(attack, elsewhere):
    """A listener at a path the shared-folder tmpfs does not cover (an agent under a home folder, /srv,
    /var/lib): not reachable from the script, nor from a program it starts (no audit hook there)."""
    path = elsewhere / "agent.sock"
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(path))
    path.chmod(0o777)  # anyone may connect: only isolation stops the sandbox
    thread, connections = _accepting(listener, 5)
    try:
        case = attack("""
            import socket, subprocess, sys
            code = "import socket; s = socket.socket(socket.AF_UNIX); s.connect({path!r}); s.sendall(b'leak')"
            shell = subprocess.run(["sh", "-c", sys.executable + ' -c "$0"; echo "shell: $?"', code],
                                   capture_output=True, text=True)
            print(shell.stdout.strip(), shell.stderr.strip().splitlines()[-1:], flush=True)
            try:
                s = socket.socket(socket.AF_UNIX)
                s.connect({path!r})
                s.sendall(b"leak")
                print("script: connected", flush=True)
            except OSError as exc:
                print("script:", type(exc).__name__, exc, flush=True)
        """, tail=True, path=str(path))
        result = swagger(case.script, case.options())
    finally:
        thread.join()
        listener.close()
    assert connections == [], "the sandbox reached a Unix socket of the host: " + result.stdout
    assert "shell: 1" in result.stdout and "script: connected" not in result.stdout, result.stdout + result.stderr
    case.contained(result)


@pytest.mark.skipif(not LINUX, reason="Linux sandbox layers")
@pytest.mark.parametrize("how", ["cold", "warm"])
def test_a_folder_the_run_does_not_need_is_neither_readable_nor_listable(attack, elsewhere, how):
    """A secret in a folder no part of the run needs (another project, another user's home, /srv): neither
    its content nor its name reaches the script, from Python or from a shell."""
    secret = f"s3cr3t-{uuid.uuid4().hex}"
    (elsewhere / "token-file.txt").write_text(secret)
    (elsewhere / "token-file.txt").chmod(0o644)
    case = attack("""
        import os, subprocess
        for command in ("cat {folder}/token-file.txt", "ls -a {folder}", "ls -a {parent}"):
            done = subprocess.run(["sh", "-c", command], capture_output=True, text=True)
            print("shell:", command, "->", repr(done.stdout), flush=True)
        for path in ("{folder}/token-file.txt", "{folder}", "{parent}"):
            try:
                found = os.listdir(path) if os.path.isdir(path) else open(path).read()
                print("script:", path, "->", found, flush=True)
            except OSError as exc:
                print("script:", path, "->", type(exc).__name__, flush=True)
    """, tail=True, folder=str(elsewhere), parent=str(elsewhere.parent))
    if how == "warm":  # the editor's warm worker forks each request's child: the same view
        with WarmWorker() as worker:
            result = swagger(case.script, case.options(), worker=worker)
    else:
        result = swagger(case.script, case.options())
    said = [line.split(" -> ", 1)[1] for line in result.stdout.splitlines() if " -> " in line]
    assert len(said) == 6, result.stdout + result.stderr
    assert not any(secret in text for text in said), "the script read a file in a folder it does not need"
    assert not any("token-file" in text for text in said), "the script listed a folder it does not need"
    assert not any(elsewhere.name in text for text in said), "the script listed the folder's parent"
    assert secret not in result.stderr + repr(result.documents)
    case.contained(result)


@pytest.mark.skipif(not LINUX, reason="Linux sandbox layers")
def test_what_the_run_needs_is_still_there(attack):
    """The other side of the view: the interpreter's packages (numpy, pandas), a pool of processes, a shell,
    the CPU count, the script's own folder and the model folder all work inside."""
    case = attack("""
        import json, multiprocessing, os, subprocess
        import numpy, pandas
        here = os.path.dirname(os.path.abspath(__file__))
        report = {{"cpus": os.cpu_count(), "sum": float(numpy.arange(4).sum()),
                  "frame": len(pandas.DataFrame({{"a": [1, 2]}})),
                  "sibling": open(os.path.join(here, "labels.json")).read(),
                  "model": sorted(os.listdir(os.environ["AZUREML_MODEL_DIR"])),
                  "shell": subprocess.run(["sh", "-c", "echo ok; cat /etc/os-release >/dev/null && echo etc"],
                                          capture_output=True, text=True).stdout.split()}}
        try:
            with multiprocessing.get_context("fork").Pool(2) as pool:
                report["pool"] = pool.map(abs, [-1, -2, -3])
        except PermissionError as exc:
            report["pool"] = "refused: %s" % exc
        print("REPORT" + json.dumps(report), flush=True)
    """, tail=True)
    (case.project / "labels.json").write_text('["cat", "dog"]')
    model = case.project.parent / "model"
    model.mkdir()
    (model / "weights.bin").write_bytes(bytes(16))
    case.before = _snapshot(case.project)
    result = swagger(case.script, case.options(timeout=30, model_dir=str(model)))
    assert result.failure is None, (result.failure, result.stdout, result.stderr)
    import json as jsonlib

    report = jsonlib.loads(result.stdout.split("REPORT", 1)[1].splitlines()[0])
    assert report["cpus"] >= 1 and report["sum"] == 6.0 and report["frame"] == 2
    assert report["sibling"] == '["cat", "dog"]' and report["model"] == ["weights.bin"]
    assert report["shell"] == ["ok", "etc"], report
    if any("private /dev/shm" in layer for layer in result.layers):
        assert report["pool"] == [1, 2, 3], report
    else:  # the fallback: multiprocessing's locks would need the host's shared /dev/shm, which stays closed
        assert report["pool"] == [1, 2, 3] or str(report["pool"]).startswith("refused"), report
    case.contained(result)


@pytest.mark.skipif(not LINUX, reason="Linux sandbox layers")
def test_a_script_saved_in_the_home_folder_does_not_see_its_credentials(elsewhere, monkeypatch):
    """A script saved in the home folder itself makes the home its folder, needed and visible; the credential
    folders in it (~/.ssh, ~/.azure) and files (~/.netrc) stay out of reach, from Python and from a shell."""
    secret = f"s3cr3t-{uuid.uuid4().hex}"
    for relative in (".ssh/id_rsa", ".azure/credentials", ".netrc"):
        (elsewhere / relative).parent.mkdir(mode=0o755, exist_ok=True)
        (elsewhere / relative).write_text(secret)
        (elsewhere / relative).chmod(0o644)
    (elsewhere / "labels.json").write_text('["cat"]')
    script = elsewhere / "score.py"
    script.write_text(textwrap.dedent(f"""
        import os, subprocess
        home = {str(elsewhere)!r}
        print("own:", open(os.path.join(home, "labels.json")).read(), flush=True)
        for relative in (".ssh/id_rsa", ".azure/credentials", ".netrc"):
            path = os.path.join(home, relative)
            done = subprocess.run(["cat", path], capture_output=True, text=True)
            print("shell:", relative, "->", repr(done.stdout), flush=True)
            try:
                print("script:", relative, "->", open(path).read(), flush=True)
            except OSError as exc:
                print("script:", relative, "->", type(exc).__name__, flush=True)
    """) + SCHEMA_TAIL)
    monkeypatch.setenv("HOME", str(elsewhere))  # the home scorelint runs with: where it looks for credentials
    result = swagger(script, SandboxOptions(timeout=5))
    assert result.failure is None, (result.failure, result.stderr)
    assert 'own: ["cat"]' in result.stdout, result.stdout
    said = [line.split(" -> ", 1)[1] for line in result.stdout.splitlines() if " -> " in line]
    assert len(said) == 6, result.stdout + result.stderr
    assert not any(secret in text for text in said), result.stdout


@pytest.mark.skipif(not LINUX, reason="Linux sandbox layers")
def test_a_run_without_the_view_says_so_and_require_isolation_refuses_it(tmp_path):
    """Whichever mode this suite runs in: a run that had the view of only the needed folders has full
    isolation; one that did not (no namespaces, or a chroot where no mount can be made private) names what
    it lacked, and with require_isolation the script is not imported at all."""
    script = _fresh(tmp_path) / "score.py"
    script.write_text(SCHEMA_TAIL)
    result = swagger(script, SandboxOptions(timeout=10))
    assert result.failure is None, result.failure
    if any(layer.startswith("only the folders the run needs") for layer in result.layers):
        assert result.reduced_isolation is None, result.reduced_isolation
        return
    assert result.reduced_isolation and "no view of only the folders the run needs" in result.reduced_isolation
    refused = swagger(script, SandboxOptions(timeout=10, require_isolation=True))
    assert refused.failure is not None and "isolation is required" in refused.failure.message, refused.failure
    assert "not imported" in refused.failure.message
