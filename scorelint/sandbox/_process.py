"""The parent's side of the sandbox: start the child (cold, or forked by the warm worker), feed it one
request, read its output and its result channel under a deadline, kill and clean up.

Nothing here imports the user's code or libcst: `scorelint swagger` must start fast.
"""

from __future__ import annotations

import json
import os
import selectors
import stat
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from .child.isolation import kill_tree
from .messages import MESSAGE_LIMIT, BadMessage
from .messages import parse as parse_message
from ..untrusted import read_untrusted

CHILD = Path(__file__).with_name("_child.py")
DEFAULT_PRELOAD = ("numpy", "pandas", "inference_schema.schema_decorators",
                   "inference_schema.parameter_types.standard_py_parameter_type",
                   "inference_schema.parameter_types.numpy_parameter_type",
                   "inference_schema.parameter_types.pandas_parameter_type")
EXIT_GRACE = 0.25  # after the child ends, how long stray holders of its pipes may keep them open
CGROUP_ROOTS = ("/sys/fs/cgroup/pids",)


class SandboxError(Exception):
    """The sandbox itself could not run (no such interpreter, a too-old Python...): not the script's fault."""


@dataclass
class SandboxOptions:
    """How to run a script in the sandbox. Every field has a sensible default."""

    python: str | None = None  # the interpreter (its environment holds the model's packages); default: ours
    timeout: float = 10.0  # wall-clock seconds for the whole child, import to result
    memory_mb: int = 2048  # address space the script may add
    cpu_seconds: float | None = None  # default: the timeout
    file_mb: int = 64  # largest file the script may write (in its temporary folder)
    processes: int = 32  # processes (and exec'd programs) the script may start
    output_limit: int = 64 * 1024  # bytes of stdout and of stderr kept for the report
    flood_limit: int = 16 * 1024 * 1024  # total output after which the child is stopped
    namespaces: bool = True  # use Linux namespaces and cgroups where the machine allows them
    require_isolation: bool = False  # fail, rather than run, when a layer of isolation is missing
    app_root: str | os.PathLike | None = None  # where the server runs from (user swagger files); default: script's folder
    model_dir: str | os.PathLike | None = None  # AZUREML_MODEL_DIR; default: an empty temporary folder
    service_name: str | None = None  # SERVICE_NAME (default "ML service", or config.json's)
    service_version: str | None = None  # SERVICE_VERSION (default "1.0")
    path_prefix: str | None = None  # SERVICE_PATH_PREFIX (default "")
    config_notes: tuple[str, ...] = ()  # settings of the checked project that were ignored (settings.py)
    stand_ins: bool = True  # stand in for packages the interpreter lacks (docs/sandbox.md, "Stand-ins")
    call_init: bool = False  # swagger: call init() before building the documents, as the server does

    def interpreter(self) -> str:
        return resolve_python(self.python)


@dataclass
class ChildRun:
    """Everything observed about one run of the child."""

    python: str
    script: str = ""
    token: str = ""  # in the environment of every process of the run (SCORELINT_SANDBOX)
    result: dict | None = None
    phase: str | None = None
    layers: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    crash: str | None = None  # the child's own internal error
    wait_status: int | None = None  # of the process that ran the script, when known
    returncode: int | None = None  # of the process the parent waited for
    timed_out: bool = False
    flooded: bool = False
    stack: str = ""  # where the script was when the deadline came (faulthandler's dump)
    stdout: bytes = b""
    stderr: bytes = b""
    stdout_total: int = 0
    stderr_total: int = 0
    elapsed: float = 0.0
    messages: int = 0
    results: int = 0  # result messages received (more than one: forged)
    too_large: dict | None = None  # {"of": what, "bytes": size}: a message past MESSAGE_LIMIT
    protocol_error: str | None = None  # a malformed message on the channel: no result is trusted
    unisolated: str | None = None  # --require-isolation refused to run: why


def _token(size: int) -> str:
    return os.urandom(size).hex()


def options_from_settings(settings, trust_project: bool = False, **overrides) -> SandboxOptions:
    """SandboxOptions from the user's own sandbox settings, the project's [tool.scorelint.sandbox] (what a
    project may set: settings.py) and `overrides` (command line, editor). Wrong types or ranges raise
    SandboxError naming the file and key."""
    from .settings import SandboxConfigError, resolve, validate_table

    try:
        given = validate_table(getattr(settings, "sandbox_user", None) or {}, "the editor's sandbox settings",
                               allow_user_keys=True)
        given.update({k: v for k, v in overrides.items() if v is not None})
        trust_project = bool(given.pop("trust_project", False)) or trust_project
        values, notes = resolve(getattr(settings, "sandbox", None) or {}, getattr(settings, "root", None),
                                getattr(settings, "config_file", None), given, trust_project)
    except SandboxConfigError as exc:
        raise SandboxError(str(exc)) from None
    return SandboxOptions(**values, config_notes=tuple(notes))


# --- interpreters and folders --------------------------------------------------------------------------
def resolve_python(python: str | os.PathLike | None) -> str:
    if python is None:
        return sys.executable
    text = os.fspath(python)
    found = shutil.which(text) if os.sep not in text else text
    if not found or not os.path.isfile(found) or not os.access(found, os.X_OK):
        raise SandboxError(f"cannot run the interpreter {text!r}: no such executable file")
    return os.path.abspath(found)


PREFIX = "scorelint-sandbox-"
_swept = False


class SandboxDir:
    """The sandbox's temporary folder. `root` (mode 700, read-only inside the sandbox) holds the request
    and `.owner`; `root/box` is the only folder the sandbox may write: home, tmp, work (the working
    directory) and model (when none is given). Other users cannot reach `box` whatever the script does
    to its modes, since they cannot enter `root`.

    It is removed when the run ends; `.owner` names the process that made it, so that folders left by a
    parent that was killed are removed by the next run. The parent opens nothing in it that it did not
    create without O_NOFOLLOW and a check that it is a regular file (`read_untrusted`)."""

    def __init__(self) -> None:
        global _swept
        if not _swept:
            _swept = True
            remove_stale_folders()
        self.root = os.path.realpath(tempfile.mkdtemp(prefix=PREFIX))
        self.box = os.path.join(self.root, "box")
        os.mkdir(self.box, 0o700)
        for name in ("home", "tmp", "work", "model"):
            os.mkdir(os.path.join(self.box, name), 0o700)
        fd = os.open(os.path.join(self.root, ".owner"), os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(_process_identity(os.getpid()) or "")

    def path(self, name: str) -> str:
        """A path in the sandbox's writable folder."""
        return os.path.join(self.box, name)

    def remove(self) -> None:
        remove_tree(self.root)


def remove_tree(root: str, depth: int = 0) -> None:
    """Remove a sandbox folder: never follows a link, never opens anything but directories (shutil's
    descriptor-based rmtree), and gives a directory the script locked (mode 0) its permissions back
    through the directory itself (`_unlock`), never through a path a link could redirect."""
    def retry(function, path, _excinfo):
        unlocked = any([_unlock(os.path.dirname(path)), _unlock(path)])
        try:
            if function in (os.open, os.scandir, os.listdir):
                if unlocked and path != root and depth < 64:
                    remove_tree(path, depth + 1)  # a folder it could not enter: entered again, now unlocked
            elif unlocked:
                function(path)
        except OSError:
            pass

    try:
        if not stat.S_ISDIR(os.lstat(root).st_mode):
            return
    except OSError:
        return
    shutil.rmtree(root, onerror=retry)


def _unlock(folder: str) -> bool:
    """Mode 700 on `folder` if it is a directory of ours (not a link to one): through an O_PATH
    descriptor, which needs no permission on the folder itself, and its /proc/self/fd entry."""
    try:
        fd = os.open(folder, os.O_PATH | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        info = os.fstat(fd)
        if info.st_uid != os.geteuid() or info.st_mode & 0o700 == 0o700:
            return False
        os.chmod(f"/proc/self/fd/{fd}", 0o700)
        return True
    except OSError:
        return False
    finally:
        os.close(fd)


def _process_identity(pid: int) -> str | None:
    """pid and start time: a pid alone may have been reused."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            return f"{pid} {handle.read().rsplit(b')', 1)[1].split()[19].decode()}"
    except (OSError, IndexError):
        return None


def remove_stale_folders(max_age: float = 3600.0) -> None:
    """Remove this user's sandbox folders whose owner is gone (or, without a readable owner file, older
    than `max_age`). Nothing in them is trusted: `.owner` may be a FIFO or a link by now."""
    if not os.path.isdir("/proc"):
        return
    base = tempfile.gettempdir()
    try:
        names = [n for n in os.listdir(base) if n.startswith(PREFIX)]
    except OSError:
        return
    for name in names:
        root = os.path.join(base, name)
        try:
            info = os.lstat(root)
        except OSError:
            continue
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid():
            continue
        owner = read_untrusted(os.path.join(root, ".owner"), 64)
        try:
            text = owner.decode("ascii").strip() if owner is not None else None
            stale = not text or _process_identity(int(text.split()[0])) != text
        except (UnicodeDecodeError, ValueError):
            stale = True
        if not owner:  # none yet, or still empty: another process (-j 2) may be writing it right now
            stale = time.time() - info.st_mtime > max_age
        if stale:
            remove_tree(root)


def sandbox_env(python: str, box: SandboxDir, token: str, model_dir: str, script: str, app_root: str) -> dict:
    """A scrubbed environment: nothing from the parent but a few harmless settings."""
    tmp = box.path("tmp")
    env = {
        "PATH": os.pathsep.join(dict.fromkeys([os.path.dirname(python), "/usr/local/bin", "/usr/bin", "/bin"])),
        "HOME": box.path("home"), "TMPDIR": tmp, "TEMP": tmp, "TMP": tmp,
        "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "PYTHONIOENCODING": "utf-8",
        "AZUREML_MODEL_DIR": model_dir, "AML_APP_ROOT": app_root, "AZUREML_ENTRY_SCRIPT": script,
        "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "NUMEXPR_MAX_THREADS": "1",
        "MPLCONFIGDIR": tmp, "XDG_CACHE_HOME": tmp, "XDG_CONFIG_HOME": box.path("home"),
        "SCORELINT_SANDBOX": token,
    }
    for name in ("LD_LIBRARY_PATH", "TZ", "SYSTEMROOT"):
        if name in os.environ:
            env[name] = os.environ[name]
    return env


def build_request(mode: str, script: Path, options: SandboxOptions, box: SandboxDir, python: str,
                  payload: str | None = None) -> tuple[dict, dict]:
    script_path = os.path.abspath(script)
    app_root = os.path.abspath(options.app_root) if options.app_root else os.path.dirname(script_path)
    model_dir = os.path.abspath(options.model_dir) if options.model_dir else box.path("model")
    token = _token(12)
    env = sandbox_env(python, box, token, model_dir, script_path, app_root)
    cpu = options.cpu_seconds if options.cpu_seconds is not None else max(1.0, options.timeout)
    request = {
        "mode": mode, "nonce": _token(16), "token": token,
        "script": script_path, "app_root": app_root, "sandbox_dir": box.box, "work_dir": box.path("work"),
        "real_home": os.path.expanduser("~"),
        "service": {"name": options.service_name, "version": options.service_version,
                    "path_prefix": options.path_prefix},
        "limits": {"memory_mb": options.memory_mb, "cpu_seconds": cpu, "file_mb": options.file_mb,
                   "processes": options.processes, "message_bytes": MESSAGE_LIMIT},
        "isolation": {"namespaces": options.namespaces, "cgroup": None, "required": options.require_isolation,
                      # read-only folders the run needs, bound back where shared folders (/tmp...) are hidden
                      "visible": _needed_folders(python, script_path, app_root, model_dir)},
        "payload": payload, "env": env, "timeout": options.timeout,
        "stand_ins": bool(options.stand_ins), "call_init": bool(options.call_init),
    }
    return request, env


def _needed_folders(python: str, script: str, app_root: str, model_dir: str) -> list[str]:
    """The folders the sandbox shows the script besides the interpreter's own (the child adds those): the
    script's, the application root, the model folder, and the environment `python` belongs to when it is
    one (a virtual environment or a conda environment: not the home folder of a wrapper script in ~/bin)."""
    folders = [app_root, os.path.dirname(script), model_dir]
    for executable in (os.path.abspath(python), os.path.realpath(python)):
        environment = os.path.dirname(os.path.dirname(executable))
        if any(os.path.exists(os.path.join(environment, marker)) for marker in ("pyvenv.cfg", "conda-meta")):
            folders.append(environment)
    return list(dict.fromkeys(os.path.realpath(f) for f in folders))


def write_request(box: SandboxDir, request: dict) -> str:
    path = os.path.join(box.root, "request.json")  # outside the box: the sandbox cannot replace it
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(request, handle)
    return path


# --- pids cgroup ----------------------------------------------------------------------------------------
def make_cgroup(token: str, max_tasks: int) -> str | None:
    """A pids cgroup for one run (cgroup v1 pids hierarchy, root only): caps processes and threads even
    for root, for whom RLIMIT_NPROC does not apply."""
    if not sys.platform.startswith("linux") or os.geteuid() != 0:
        return None
    for root in CGROUP_ROOTS:
        if not os.path.isfile(os.path.join(root, "cgroup.procs")):
            continue
        path = os.path.join(root, "scorelint", token)
        try:
            os.makedirs(path)
            with open(os.path.join(path, "pids.max"), "w") as handle:
                handle.write(str(max_tasks))
        except OSError:
            try:
                os.rmdir(path)
            except OSError:
                pass
            continue
        return path
    return None


def remove_cgroup(path: str | None) -> None:
    if not path:
        return
    for attempt in range(40):
        try:
            with open(os.path.join(path, "cgroup.procs")) as handle:
                pids = [int(line) for line in handle if line.strip()]
        except OSError:
            pids = []
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        try:
            os.rmdir(path)
            return
        except OSError:
            time.sleep(0.005 * (attempt + 1))


def sweep(token: str) -> int:
    """Kill every process whose environment carries this run's token (where no PID namespace did it)."""
    marker = f"SCORELINT_SANDBOX={token}".encode()
    killed = 0
    for _ in range(3):
        found = 0
        try:
            names = os.listdir("/proc")
        except OSError:
            return killed
        for name in names:
            if not name.isdigit() or int(name) == os.getpid():
                continue
            try:
                with open(f"/proc/{name}/environ", "rb") as handle:
                    if marker not in handle.read():
                        continue
                os.kill(int(name), signal.SIGKILL)
                found += 1
            except OSError:
                continue
        killed += found
        if not found:
            break
        time.sleep(0.01)
    return killed


# --- reading the child ----------------------------------------------------------------------------------
class _Reader:
    def __init__(self, run: ChildRun, nonce: str, options: SandboxOptions) -> None:
        self.run = run
        self.nonce = nonce
        self.options = options
        self.out = bytearray()
        self.err = bytearray()
        self.pending = bytearray()

    def output(self, which: str, chunk: bytes) -> None:
        buffer = self.out if which == "stdout" else self.err
        room = self.options.output_limit - len(buffer)
        if room > 0:
            buffer += chunk[:room]
        if which == "stdout":
            self.run.stdout_total += len(chunk)
        else:
            self.run.stderr_total += len(chunk)

    def flooded(self) -> bool:
        return self.run.stdout_total + self.run.stderr_total > self.options.flood_limit

    def channel(self, chunk: bytes) -> None:
        if self.run.too_large or self.run.protocol_error:
            return  # nothing more from this run is read as a message
        start = len(self.pending)
        self.pending += chunk
        while True:
            end = self.pending.find(b"\n", start)  # only the new bytes: a long line costs once, not per chunk
            if end < 0:
                if len(self.pending) > MESSAGE_LIMIT:
                    self.run.too_large = {"of": "message", "bytes": len(self.pending)}
                    self.pending.clear()
                return
            line = bytes(self.pending[:end])
            del self.pending[:end + 1]
            start = 0
            if len(line) > MESSAGE_LIMIT:
                self.run.too_large = {"of": "message", "bytes": len(line)}
                return
            try:
                message = parse_message(line, self.nonce)
            except BadMessage as exc:
                self.run.protocol_error = str(exc)
                return
            if message is not None:
                self._message(message)

    def stop_reading(self) -> bool:
        """The child sent something the parent will not read further: stop it now rather than wait."""
        return bool(self.run.too_large or self.run.protocol_error)

    def _message(self, message: dict) -> None:
        run = self.run
        run.messages += 1
        kind = message["t"]
        if kind == "phase":
            run.phase = message.get("phase")
        elif kind == "layers":
            run.layers = list(message.get("layers") or [])
            run.notes.extend(message.get("notes") or [])
        elif kind == "layer":
            run.layers.append(str(message.get("layer")))
        elif kind == "note":
            run.notes.append(str(message.get("note")))
        elif kind == "refused":
            run.refused.append(str(message.get("what")))
        elif kind == "result":
            run.results += 1
            run.result = message.get("result")
            run.phase = "done"
        elif kind == "exit":
            run.wait_status = message.get("status")
        elif kind == "crash":
            run.crash = str(message.get("error"))
        elif kind == "too_large":
            run.too_large = {"of": message.get("of"), "bytes": message.get("bytes")}
        elif kind == "unisolated":
            run.unisolated = str(message.get("reason"))

    def finish(self) -> None:
        self.run.stdout = bytes(self.out)
        self.run.stderr = bytes(self.err)


def collect(run: ChildRun, reader: _Reader, streams: dict, exit_fd: int | None, read_exit, kill,
            timeout: float) -> None:
    """Read stdout, stderr and the result channel until the child has ended (or the deadline, when
    it is killed). `read_exit()` returns the exit status once `exit_fd` is readable (None: not yet)."""
    selector = selectors.DefaultSelector()
    for name, fd in streams.items():
        os.set_blocking(fd, False)
        selector.register(fd, selectors.EVENT_READ, name)
    if exit_fd is not None:
        selector.register(exit_fd, selectors.EVENT_READ, "exit")
    start = time.monotonic()
    deadline = start + timeout
    hard_stop = deadline + 5.0
    ended_at = None
    killed = False
    try:
        while True:
            now = time.monotonic()
            if ended_at is None and exit_fd is None:
                status = read_exit()
                if status is not None:
                    run.returncode, ended_at = status, now
            if ended_at is None and not killed and (now >= deadline or reader.flooded() or reader.stop_reading()):
                run.timed_out = now >= deadline and not reader.flooded() and not reader.stop_reading()
                run.flooded = reader.flooded()
                kill()
                killed = True
            open_streams = [key for key in selector.get_map().values() if key.data != "exit"]
            if ended_at is not None and (not open_streams or now >= ended_at + EXIT_GRACE):
                break
            if now >= hard_stop:
                break
            if ended_at is not None:
                wait = ended_at + EXIT_GRACE - now
            elif killed:
                wait = hard_stop - now
            else:
                wait = deadline - now
            if exit_fd is None:
                wait = min(wait, 0.02)
            for key, _ in selector.select(max(0.0, wait)):
                if key.data == "exit":
                    status = read_exit()
                    if status is not None:
                        run.returncode, ended_at = status, time.monotonic()
                        selector.unregister(key.fd)
                    continue
                try:
                    chunk = os.read(key.fd, 1 << 16)
                except BlockingIOError:
                    continue
                except OSError:
                    chunk = b""
                if not chunk:
                    selector.unregister(key.fd)
                    continue
                if key.data == "result":
                    reader.channel(chunk)
                else:
                    reader.output(key.data, chunk)
    finally:
        selector.close()
        reader.finish()
        run.elapsed = time.monotonic() - start


# --- cold runs ------------------------------------------------------------------------------------------
def protect_parent() -> None:
    """Make this process non-dumpable: its /proc files (environ, memory, fds) are then closed to other
    processes of the same user, sandboxed ones included where no PID namespace hides it. Programs it
    starts are dumpable again (execve resets it)."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE, 0
        except (OSError, AttributeError):
            pass


def run_cold(mode: str, script: Path, options: SandboxOptions, payload: str | None = None) -> ChildRun:
    """Start a fresh interpreter for one request."""
    protect_parent()
    python = options.interpreter()
    box = SandboxDir()
    request, env = build_request(mode, script, options, box, python, payload)
    cgroup = make_cgroup(request["token"], max(64, options.processes * 4)) if options.namespaces else None
    request["isolation"]["cgroup"] = cgroup
    run = ChildRun(python=python, script=request["script"], token=request["token"])
    proc = None
    result_r = result_w = None
    try:
        request_path = write_request(box, request)
        result_r, result_w = os.pipe()
        try:
            proc = subprocess.Popen(
                [python, "-I", "-B", str(CHILD), str(result_w), request_path],
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                pass_fds=(result_w,), start_new_session=True, env=env, cwd=box.path("work"),
            )
        except OSError as exc:
            raise SandboxError(f"cannot run the interpreter {python}: {exc.strerror or exc}") from None
        os.close(result_w)
        result_w = None
        try:
            exit_fd = os.pidfd_open(proc.pid)
        except (AttributeError, OSError):
            exit_fd = None

        def read_exit():
            return proc.poll()

        def kill():
            _kill_group(proc.pid)
            remove_cgroup_members(cgroup)

        reader = _Reader(run, request["nonce"], options)
        streams = {"stdout": proc.stdout.fileno(), "stderr": proc.stderr.fileno(), "result": result_r}
        try:
            collect(run, reader, streams, exit_fd, read_exit, kill, options.timeout)
        finally:
            if exit_fd is not None:
                os.close(exit_fd)
        if run.returncode is None:
            kill()
            try:
                run.returncode = proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        if run.wait_status is None and run.returncode is not None and "PID namespace" not in run.layers:
            run.wait_status = _status_from_returncode(run.returncode)
        return run
    finally:
        if proc is not None:
            for stream in (proc.stdout, proc.stderr):
                if stream is not None:
                    stream.close()
            if proc.returncode is None:
                _kill_group(proc.pid)
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    pass
        for fd in (result_r, result_w):
            if fd is not None:
                os.close(fd)
        _cleanup(request["token"], cgroup, run, box)


def _status_from_returncode(code: int) -> int:
    """A wait status, from Popen's returncode (negative: a signal)."""
    return (-code) & 0x7F if code < 0 else (code & 0xFF) << 8


def _kill_group(pid: int) -> None:
    kill_tree(pid)
    for target in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
        try:
            target()
        except OSError:
            pass


def remove_cgroup_members(path: str | None) -> None:
    if not path:
        return
    try:
        with open(os.path.join(path, "cgroup.procs")) as handle:
            for line in handle:
                try:
                    os.kill(int(line), signal.SIGKILL)
                except (OSError, ValueError):
                    pass
    except OSError:
        pass


def _cleanup(token: str, cgroup: str | None, run: ChildRun, box: SandboxDir) -> None:
    if run.timed_out:  # written by the sandbox: a link, a FIFO or a huge file by now, for all we know
        run.stack = (read_untrusted(box.path("stack.txt"), 200_000) or b"").decode("utf-8", "replace")
    if not any(layer.startswith("PID namespace") for layer in run.layers) or run.timed_out or run.flooded:
        sweep(token)
    remove_cgroup(cgroup)
    box.remove()


# --- the warm worker ------------------------------------------------------------------------------------
class WarmWorker:
    """A long-lived child interpreter that has imported the heavy modules once (numpy, pandas,
    inference-schema: whichever the environment has) and forks a fresh, fully isolated child per
    request, so the language server's "show Swagger" answers in a few tens of milliseconds.

    Thread-safe: requests are served one at a time. The worker never imports user code itself, so
    every request starts from the same clean state. It exits when this object is closed, garbage
    collected, or when its parent dies.

        with WarmWorker(python="/path/to/venv/bin/python") as worker:
            result = worker.swagger("score.py", SandboxOptions(service_name="fraud"))
    """

    def __init__(self, python: str | os.PathLike | None = None, preload: tuple[str, ...] = DEFAULT_PRELOAD,
                 start_timeout: float = 60.0) -> None:
        self.python = resolve_python(python)
        self.preload = tuple(preload)
        self.start_timeout = start_timeout
        self.info: dict = {}
        self._proc: subprocess.Popen | None = None
        self._sock: socket.socket | None = None
        self._home: SandboxDir | None = None
        self._lock = threading.Lock()

    # --- life cycle ---
    def start(self) -> WarmWorker:
        with self._lock:
            self._ensure_started()
        return self

    def _ensure_started(self) -> None:
        if self._proc is not None and self._proc.poll() is None and self._sock is not None:
            return
        self._stop()
        if not hasattr(socket, "send_fds"):
            raise SandboxError("the warm worker needs Python 3.9+ on the parent side")
        protect_parent()
        self._home = SandboxDir()
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        env = sandbox_env(self.python, self._home, _token(12), self._home.path("model"),
                          "", self._home.path("work"))
        try:
            self._proc = subprocess.Popen(
                [self.python, "-I", "-B", str(CHILD), "--serve", str(theirs.fileno()), ",".join(self.preload)],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                pass_fds=(theirs.fileno(),), start_new_session=True, env=env, cwd=self._home.path("work"),
            )
        except OSError as exc:
            ours.close()
            raise SandboxError(f"cannot run the interpreter {self.python}: {exc.strerror or exc}") from None
        finally:
            theirs.close()
        self._sock = ours
        hello = self._receive(self.start_timeout)
        if not hello or not hello.get("ready"):
            self._stop()
            reason = (hello or {}).get("error") or "it exited or did not answer"
            raise SandboxError(f"the warm worker did not start under {self.python}: {reason}")
        self.info = hello
        # The worker has imported what it preloads: its folder is not needed any more (each request
        # gets its own), and removing it now means nothing is left behind if this process is killed.
        self._home.remove()
        self._home = None

    def _receive(self, timeout: float) -> dict | None:
        assert self._sock is not None
        self._sock.settimeout(timeout)
        try:
            data = self._sock.recv(1 << 20)
        except (TimeoutError, OSError):
            return None
        if not data:
            return None
        try:
            return json.loads(data)
        except ValueError:
            return None

    def close(self) -> None:
        with self._lock:
            self._stop()

    def _stop(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        if self._proc is not None:
            if self._proc.poll() is None:
                _kill_group(self._proc.pid)
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
            self._proc = None
        if self._home is not None:
            self._home.remove()
            self._home = None

    def __enter__(self) -> WarmWorker:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.close()

    def __del__(self) -> None:  # pragma: no cover - best effort
        try:
            self._stop()
        except Exception:  # noqa: BLE001
            pass

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None and self._proc.poll() is None else None

    # --- requests ---
    def run(self, mode: str, script: Path, options: SandboxOptions, payload: str | None = None) -> ChildRun:
        if options.python is not None and resolve_python(options.python) != self.python:
            raise SandboxError(f"this warm worker runs {self.python}, not {options.python}")
        with self._lock:
            self._ensure_started()
            try:
                return self._run(mode, script, options, payload)
            except (BrokenPipeError, ConnectionError):  # once: a worker that died is replaced
                self._stop()
                self._ensure_started()
                try:
                    return self._run(mode, script, options, payload)
                except (BrokenPipeError, ConnectionError) as exc:
                    self._stop()
                    raise SandboxError(f"the warm worker under {self.python} failed twice: {exc}") from None

    def _run(self, mode: str, script: Path, options: SandboxOptions, payload: str | None) -> ChildRun:
        box = SandboxDir()
        request, _ = build_request(mode, script, options, box, self.python, payload)
        cgroup = make_cgroup(request["token"], max(64, options.processes * 4)) if options.namespaces else None
        request["isolation"]["cgroup"] = cgroup
        run = ChildRun(python=self.python, script=request["script"], token=request["token"])
        fds: list[int] = []
        pid = None
        try:
            request_path = write_request(box, request)
            out_r, out_w = os.pipe()
            err_r, err_w = os.pipe()
            res_r, res_w = os.pipe()
            fds = [out_r, err_r, res_r]
            try:
                socket.send_fds(self._sock, [json.dumps({"request": request_path}).encode()], [out_w, err_w, res_w])
            finally:
                for fd in (out_w, err_w, res_w):
                    os.close(fd)
            reply = self._receive(30.0)
            if not reply or "pid" not in reply:
                self._stop()
                raise ConnectionError("the warm worker stopped answering")
            pid = reply["pid"]
            self._sock.setblocking(False)

            def read_exit():
                try:
                    data = self._sock.recv(1 << 16)
                except BlockingIOError:
                    return None
                if not data:
                    raise ConnectionError("the warm worker went away")
                return json.loads(data).get("status", 0)

            def kill():
                _kill_group(pid)
                remove_cgroup_members(cgroup)

            reader = _Reader(run, request["nonce"], options)
            try:
                collect(run, reader, {"stdout": out_r, "stderr": err_r, "result": res_r}, self._sock.fileno(),
                        read_exit, kill, options.timeout)
            except ConnectionError:  # the worker died mid-request: stop what it started, then retry
                kill()
                self._stop()
                raise
            if run.returncode is None and self._sock is not None:
                kill()
                status = self._receive(5.0)
                run.returncode = status.get("status") if status else None
            if run.wait_status is None and run.returncode is not None and "PID namespace" not in run.layers:
                run.wait_status = run.returncode  # the worker reports a wait status
            run.returncode = _returncode_from_status(run.returncode)
            return run
        finally:
            for fd in fds:
                try:
                    os.close(fd)
                except OSError:
                    pass
            _cleanup(request["token"], cgroup, run, box)


def _returncode_from_status(status: int | None) -> int | None:
    if status is None:
        return None
    if os.WIFSIGNALED(status):
        return -os.WTERMSIG(status)
    return os.WEXITSTATUS(status) if os.WIFEXITED(status) else status
