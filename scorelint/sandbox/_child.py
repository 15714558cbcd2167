"""scorelint's sandbox child: imports an entry script the way the inference server does, in isolation.

This file is a program, not a module of scorelint: the parent runs it by path, as
`PYTHON -I -B _child.py RESULT_FD REQUEST_FILE` (one request) or `PYTHON -I -B _child.py --serve SOCKET_FD`
(the warm worker), under the interpreter the user chose. It therefore uses only the standard library
and Python 3.8+ syntax. The only other file it loads (by path) is openapi.py beside it.

Processes, for one request (Linux; each layer is skipped where the machine refuses it, and the
result says which layers were in force):

    C  the process the parent started (or the warm worker forked): joins a pids cgroup, leaves the
       network, mount, IPC and PID namespaces (unshare), makes every mount read-only except the
       sandbox's own folder, hides credential folders and /run, sets resource limits, then forks:
    I  pid 1 of the new PID namespace: mounts a /proc of that namespace, drops every capability,
       forks W and reaps orphans; when W ends, I ends, and the kernel kills whatever is left in the
       namespace (threads, daemons, fork bombs). I and W die with their parent (PR_SET_PDEATHSIG).
    W  installs the audit hook (no writes outside the sandbox folder, no network, no signals to others,
       a bounded number of processes, no raised limits), stands in for absent azureml modules, imports
       the script as the server does and does the work.

Messages go to the parent on RESULT_FD, one JSON object per line, each carrying the request's nonce,
so nothing the script prints can be mistaken for a result: {"t": "phase"|"layers"|"layer"|"note"|
"refused"|"result"|"exit"|"crash", ...}.
"""

from __future__ import annotations

import errno
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
MODULE_NAME = "entry_module"  # the name the server imports the entry script under
ALL_SCHEMA_VERSIONS = ["2.0", "3.0", "3.1"]
IS_LINUX = sys.platform.startswith("linux")


# ==================================================================================================
# The channel to the parent
# ==================================================================================================
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


# ==================================================================================================
# Operating-system isolation (Linux)
# ==================================================================================================
CLONE_NEWNS, CLONE_NEWIPC, CLONE_NEWUSER = 0x00020000, 0x08000000, 0x10000000
CLONE_NEWPID, CLONE_NEWNET = 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
PR_SET_PDEATHSIG, PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS = 1, 24, 38
SYS_MOUNT_SETATTR = {"x86_64": 442, "aarch64": 442}
MOUNT_ATTR_RDONLY, AT_RECURSIVE, AT_FDCWD = 1, 0x8000, -100
CREDENTIAL_PATHS = (".ssh", ".azure", ".aws", ".config/gcloud", ".kube", ".docker", ".gnupg", ".netrc",
                    ".git-credentials", ".pypirc", ".config/gh", ".databrickscfg", ".azureml")

_libc = None


def libc():
    global _libc
    if _libc is None:
        import ctypes

        _libc = ctypes.CDLL(None, use_errno=True)
        _libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_void_p]
    return _libc


def _errno() -> str:
    import ctypes

    return errno.errorcode.get(ctypes.get_errno(), str(ctypes.get_errno()))


def _mount(source, target, fstype, flags, data=None) -> bool:
    enc = (lambda s: s.encode() if isinstance(s, str) else s)
    return libc().mount(enc(source), enc(target), enc(fstype), flags, enc(data)) == 0


def _write_file(path: str, text: str) -> bool:
    try:
        fd = os.open(path, os.O_WRONLY)
        try:
            os.write(fd, text.encode())
        finally:
            os.close(fd)
        return True
    except OSError:
        return False


def join_cgroup(path, layers) -> None:
    if path and _write_file(os.path.join(path, "cgroup.procs"), str(os.getpid())):
        try:
            with open(os.path.join(path, "pids.max")) as handle:
                layers.append("pids cgroup (at most %s processes)" % handle.read().strip())
        except OSError:
            layers.append("pids cgroup")


def enter_namespaces(request, layers, notes) -> dict:
    """unshare() into new network, mount, IPC and PID namespaces (with a user namespace when not root)."""
    state = {"pid": False, "mount": False, "user": False}
    if not IS_LINUX or not request["isolation"].get("namespaces", True):
        return state
    uid, gid = os.geteuid(), os.getegid()
    base = CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWPID
    attempts = [base, base | CLONE_NEWUSER] if uid == 0 else [base | CLONE_NEWUSER]
    for flags in attempts:
        if libc().unshare(flags) == 0:
            break
    else:
        notes.append("namespaces unavailable (unshare: %s): network and writes are guarded by audit hooks only"
                     % _errno())
        return state
    if flags & CLONE_NEWUSER:
        state["user"] = True
        _write_file("/proc/self/setgroups", "deny")
        _write_file("/proc/self/uid_map", "%d %d 1" % (uid, uid))
        _write_file("/proc/self/gid_map", "%d %d 1" % (gid, gid))
    state["pid"] = state["mount"] = True
    layers.append("network namespace (no network)")
    layers.append("PID namespace")
    _read_only_filesystem(request, layers, notes)
    return state


def _read_only_filesystem(request, layers, notes) -> None:
    import ctypes

    sandbox = request["sandbox_dir"]
    if not _mount(None, "/", None, MS_REC | MS_PRIVATE):
        notes.append("mount namespace unusable (%s): writes are guarded by audit hooks only" % _errno())
        return

    class MountAttr(ctypes.Structure):
        _fields_ = [("attr_set", ctypes.c_uint64), ("attr_clr", ctypes.c_uint64),
                    ("propagation", ctypes.c_uint64), ("userns_fd", ctypes.c_uint64)]

    number = SYS_MOUNT_SETATTR.get(os.uname().machine)
    done = False
    if number is not None:
        attr = MountAttr(MOUNT_ATTR_RDONLY, 0, 0, 0)
        done = libc().syscall(number, AT_FDCWD, b"/", AT_RECURSIVE, ctypes.byref(attr), ctypes.sizeof(attr)) == 0
    if not done:  # kernels before 5.12: remount each mount point read-only
        try:
            with open("/proc/self/mountinfo") as handle:
                points = [line.split()[4] for line in handle]
        except OSError:
            points = []
        for point in sorted(set(points), key=len):
            _mount(None, point.replace("\\040", " "), None, MS_REMOUNT | MS_BIND | MS_RDONLY)
        done = bool(points)
    if not done:
        notes.append("could not make the file system read-only (%s)" % _errno())
        return
    # The sandbox's own folder stays writable: a bind mount of itself, made read-write again.
    if _mount(sandbox, sandbox, None, MS_BIND | MS_REC):
        if number is not None:
            attr = MountAttr(0, MOUNT_ATTR_RDONLY, 0, 0)
            libc().syscall(number, AT_FDCWD, sandbox.encode(), 0, ctypes.byref(attr), ctypes.sizeof(attr))
        else:
            _mount(None, sandbox, None, MS_REMOUNT | MS_BIND)
    layers.append("read-only file system except the sandbox folder")
    # A private, small /dev/shm: multiprocessing's semaphores and shared memory still work.
    if os.path.isdir("/dev/shm"):
        size = max(16, int(request["limits"].get("file_mb") or 64))
        _mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=%dm,mode=1777" % size)
    hidden = []
    home = request.get("real_home") or ""
    for relative in CREDENTIAL_PATHS if home else ():
        path = os.path.join(home, relative)
        if os.path.isdir(path) and not os.path.islink(path):
            if _mount("tmpfs", path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4k,mode=000"):
                hidden.append(path)
        elif os.path.isfile(path) and _mount("/dev/null", path, None, MS_BIND):
            hidden.append(path)
    for path in ("/run", "/var/run"):  # daemon sockets (docker.sock...) live there
        real = os.path.realpath(path)
        if os.path.isdir(real) and not (sandbox + "/").startswith(real.rstrip("/") + "/") and real not in hidden:
            if _mount("tmpfs", real, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4k,mode=555"):
                hidden.append(real)
    if hidden:
        layers.append("hidden: " + ", ".join(hidden))


def mount_own_proc(layers) -> None:
    """In pid 1 of the new namespace: a /proc that shows only the sandbox's processes."""
    if _mount("proc", "/proc", "proc", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC):
        layers.append("private /proc")


def drop_privileges(layers) -> None:
    """No capabilities, now or after exec; no new privileges from set-uid programs."""
    if not IS_LINUX:
        return
    import ctypes

    lib = libc()
    lib.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    for cap in range(64):
        lib.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0)

    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class Data(ctypes.Structure):
        _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                    ("inheritable", ctypes.c_uint32)]

    header, data = Header(0x20080522, 0), (Data * 2)()
    if lib.capset(ctypes.byref(header), data) == 0:
        layers.append("no capabilities, no new privileges")


def die_with_parent() -> None:
    if IS_LINUX:
        import signal

        parent = os.getppid()
        libc().prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the request was made
            os._exit(137)


def set_limits(request, layers) -> None:
    try:
        import resource
    except ImportError:
        return
    limits = request["limits"]

    def lower(which, soft, hard=None):
        hard = soft if hard is None else hard
        try:
            _, current_hard = resource.getrlimit(which)
            if current_hard != resource.RLIM_INFINITY:
                hard = min(hard, current_hard)
                soft = min(soft, hard)
            resource.setrlimit(which, (soft, hard))
            return True
        except (ValueError, OSError):
            return False

    applied = []
    memory = limits.get("memory_mb")
    if memory and hasattr(resource, "RLIMIT_AS"):
        # The limit is on what the script adds to the interpreter as it is now (the warm worker
        # already holds numpy and pandas).
        if lower(resource.RLIMIT_AS, _vm_size() + memory * 1024 * 1024):
            applied.append("memory %d MB" % memory)
    cpu = limits.get("cpu_seconds")
    if cpu and lower(resource.RLIMIT_CPU, int(cpu + 0.999), int(cpu + 0.999) + 1):
        applied.append("CPU %d s" % int(cpu + 0.999))
    file_mb = limits.get("file_mb")
    if file_mb and lower(resource.RLIMIT_FSIZE, file_mb * 1024 * 1024):
        applied.append("files %d MB" % file_mb)
    lower(resource.RLIMIT_CORE, 0)
    processes = limits.get("processes")
    if processes and hasattr(resource, "RLIMIT_NPROC") and os.getuid() != 0:
        # Counted per user (per user namespace on recent kernels): allow what exists plus the budget.
        if lower(resource.RLIMIT_NPROC, _processes_of(os.getuid()) + processes):
            applied.append("processes +%d" % processes)
    if applied:
        layers.append("limits: " + ", ".join(applied))


def _vm_size() -> int:
    try:
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def _processes_of(uid: int) -> int:
    count = 0
    try:
        for name in os.listdir("/proc"):
            if name.isdigit():
                try:
                    if os.stat("/proc/" + name).st_uid == uid:
                        count += 1
                except OSError:
                    pass
    except OSError:
        return 0
    return count


def _exit_code(status: int) -> int:
    if os.WIFSIGNALED(status):
        return 128 + os.WTERMSIG(status)
    return os.WEXITSTATUS(status) if os.WIFEXITED(status) else 1


def run_request(request: dict, result_fd: int) -> None:
    """Role C (see the module docstring): isolate, then run the request in W. Never returns."""
    channel = Channel(result_fd, request["nonce"])
    layers, notes = [], []
    join_cgroup(request["isolation"].get("cgroup"), layers)
    state = enter_namespaces(request, layers, notes)
    set_limits(request, layers)
    request["_pidns"] = state["pid"]
    if state["pid"]:
        init = os.fork()
        if init == 0:
            _pid_one(request, channel, layers, notes)
        os.close(result_fd)
        while True:
            try:
                _, status = os.waitpid(init, 0)
                break
            except ChildProcessError:
                status = 0
                break
            except InterruptedError:
                continue
        os._exit(_exit_code(status))
    drop_privileges(layers)
    channel.send("layers", layers=layers, notes=notes)
    _worker(request, channel)


def _pid_one(request, channel, layers, notes) -> None:
    die_with_parent()
    mount_own_proc(layers)
    drop_privileges(layers)
    channel.send("layers", layers=layers, notes=notes)
    worker = os.fork()
    if worker == 0:
        die_with_parent()
        _worker(request, channel)
    import signal

    for number in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(number, signal.SIG_IGN)
    while True:
        try:
            pid, status = os.waitpid(-1, 0)
        except ChildProcessError:
            os._exit(0)
        except InterruptedError:
            continue
        if pid == worker:
            channel.send("exit", status=status)
            os._exit(_exit_code(status))


# ==================================================================================================
# The audit hook
# ==================================================================================================
class Guard:
    """A `sys.addaudithook` hook: what the script may not do, even where the OS layers are missing.

    Python's audit hooks are not a security boundary on their own (code can reach the C library
    directly); they are the portable layer, and they make refusals readable: each one raises
    PermissionError naming the sandbox, and is reported to the parent.
    """

    WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
    SAFE_DEVICES = frozenset({"/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty"})
    BAD_SYMBOLS = frozenset({
        "fork", "vfork", "clone", "clone3", "execve", "execv", "execvp", "execvpe", "execl", "execlp", "system",
        "popen", "posix_spawn", "posix_spawnp", "kill", "killpg", "tgkill", "unshare", "setns", "mount",
        "umount", "umount2", "pivot_root", "chroot", "socket", "connect", "bind", "sendto", "ptrace", "syscall",
        "setrlimit", "prlimit", "prlimit64", "open", "open64", "openat", "openat64", "creat", "unlink", "unlinkat",
        "rename", "renameat", "renameat2", "rmdir", "mkdir", "truncate", "ftruncate", "chmod", "chown", "prctl",
        "capset", "setuid", "setgid", "seteuid", "setresuid", "link", "symlink",
    })

    def __init__(self, request, channel, counter) -> None:
        self.root = os.path.realpath(request["sandbox_dir"])
        self.channel = channel
        self.counter = counter
        self.max_processes = request["limits"].get("processes") or 0
        self.protected = {os.getppid()}
        try:
            self.protected.add(os.getsid(0))
        except OSError:
            pass
        self.pidns = bool(request.get("_pidns"))
        self.refusals = 0
        self.busy = False
        self.handlers = {
            "open": self._open,
            "os.remove": self._paths(0), "os.rmdir": self._paths(0), "os.mkdir": self._paths(0),
            "os.rename": self._paths(0, 1), "os.symlink": self._paths(1), "os.link": self._paths(0, 1),
            "os.chmod": self._paths(0), "os.chown": self._paths(0), "os.truncate": self._paths(0),
            "os.utime": self._paths(0), "os.chflags": self._paths(0), "os.lchflags": self._paths(0),
            "os.setxattr": self._paths(0), "os.removexattr": self._paths(0), "shutil.chown": self._paths(0),
            "os.mkfifo": self._paths(0), "os.mknod": self._paths(0), "sqlite3.connect": self._sqlite,
            "socket.connect": self._socket, "socket.bind": self._socket, "socket.sendto": self._sendto,
            "socket.sendmsg": self._sendto, "socket.getaddrinfo": self._dns, "socket.gethostbyname": self._dns,
            "socket.gethostbyaddr": self._dns, "socket.getnameinfo": self._dns,
            "os.fork": self._process, "os.forkpty": self._process, "os.posix_spawn": self._process,
            "os.spawn": self._process, "os.system": self._process, "os.exec": self._process,
            "subprocess.Popen": self._process, "pty.spawn": self._process,
            "os.kill": self._kill, "os.killpg": self._killpg,
            "resource.setrlimit": self._rlimit, "resource.prlimit": self._prlimit,
            "ctypes.dlsym": self._dlsym, "ctypes.dlsym/handle": self._dlsym,
        }

    def __call__(self, event, args) -> None:
        handler = self.handlers.get(event)
        if handler is None or self.busy:
            return
        self.busy = True
        try:
            handler(args)
        finally:
            self.busy = False

    def refuse(self, what: str) -> None:
        self.refusals += 1
        if self.refusals <= 50:
            self.channel.send("refused", what=what)
        raise PermissionError(errno.EACCES, "scorelint sandbox: %s is not allowed" % what)

    # --- files -----------------------------------------------------------------------------------
    def _inside(self, path, dir_fd=None) -> bool:
        if isinstance(path, int):
            return True  # an open file descriptor: checked when it was opened
        try:
            path = os.fsdecode(path)
        except TypeError:
            return True
        if dir_fd is not None and not os.path.isabs(path):
            try:
                path = os.path.join(os.readlink("/proc/self/fd/%d" % dir_fd), path)
            except OSError:
                return False
        real = os.path.realpath(path)
        return real == self.root or real.startswith(self.root + os.sep) or real in self.SAFE_DEVICES

    def _open(self, args) -> None:
        path, mode, flags = (tuple(args) + (None, None))[:3]
        if not isinstance(path, int):
            try:
                path = os.fspath(path)
            except TypeError:
                return
        if isinstance(flags, int) and flags & self.WRITE_FLAGS or isinstance(mode, str) and \
                any(c in mode for c in "wax+"):
            if not self._inside(path):
                self.refuse("writing %s (outside the sandbox folder)" % os.fsdecode(path))
        elif not self.pidns and isinstance(path, (str, bytes)):
            text = os.fsdecode(path)
            if text.startswith("/proc/"):
                parts = text.split("/")
                if len(parts) > 3 and parts[2].isdigit() and int(parts[2]) != os.getpid() and \
                        parts[3] in ("environ", "mem", "cmdline", "maps", "auxv"):
                    self.refuse("reading %s (another process's memory or environment)" % text)

    def _paths(self, *positions):
        def check(args):
            for position in positions:
                if position < len(args) and not self._inside(args[position]):
                    self.refuse("changing %s (outside the sandbox folder)" % os.fsdecode(args[position]))
        return check

    def _sqlite(self, args) -> None:
        database = args[0] if args else ":memory:"
        if isinstance(database, (str, bytes)) and os.fsdecode(database) not in (":memory:", "") and \
                not os.fsdecode(database).startswith("file::memory:") and not self._inside(database):
            self.refuse("opening the database %s (outside the sandbox folder)" % os.fsdecode(database))

    # --- network ---------------------------------------------------------------------------------
    def _socket(self, args) -> None:
        sock, address = args[0], args[1] if len(args) > 1 else None
        if isinstance(address, (str, bytes)) and getattr(sock, "family", None) == getattr(__import__("socket"),
                                                                                            "AF_UNIX", -1):
            text = os.fsdecode(address)
            if text and not text.startswith("\0") and self._inside(text):
                return
        self.refuse("network access (%s)" % (address,))

    def _sendto(self, args) -> None:
        address = args[-1] if args else None
        if address is not None:
            self.refuse("network access (%s)" % (address,))

    def _dns(self, args) -> None:
        host = args[0] if args else None
        if host in (None, "", "localhost", "127.0.0.1", "::1", b"localhost"):
            return
        self.refuse("name resolution (%s)" % (host,))

    # --- processes and signals ---------------------------------------------------------------------
    def _process(self, args) -> None:
        if self.counter is None:
            return
        import struct

        used = struct.unpack_from("q", self.counter, 0)[0] + 1
        struct.pack_into("q", self.counter, 0, used)
        if used > self.max_processes:
            self.refuse("starting more than %d processes" % self.max_processes)

    def _kill(self, args) -> None:
        pid = args[0] if args else 0
        if not isinstance(pid, int):
            return
        if pid <= 0:
            self.refuse("signalling a process group (kill(%d))" % pid)
        if pid == os.getpid():
            return
        if pid in self.protected:
            self.refuse("signalling the sandbox's own processes")
        if self.pidns:
            return
        try:
            with open("/proc/%d/stat" % pid) as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            if int(fields[3]) == os.getsid(0):
                return
        except (OSError, ValueError, IndexError):
            pass
        self.refuse("signalling process %d (outside the sandbox)" % pid)

    def _killpg(self, args) -> None:
        self.refuse("signalling a process group")

    # --- limits and the C library ----------------------------------------------------------------
    def _rlimit(self, args) -> None:
        import resource

        which, limits = args[0], args[1]
        try:
            soft, hard = resource.getrlimit(which)
            new_soft, new_hard = limits
        except (ValueError, TypeError, OSError):
            return
        if _raises(new_hard, hard) or _raises(new_soft, hard if soft == resource.RLIM_INFINITY else max(soft, 0)):
            if _raises(new_soft, soft) or _raises(new_hard, hard):
                self.refuse("raising a resource limit")

    def _prlimit(self, args) -> None:
        pid = args[0] if args else 0
        if len(args) > 2 and args[2] is not None and pid not in (0, os.getpid()):
            self.refuse("changing another process's limits")
        if len(args) > 2 and args[2] is not None:
            self._rlimit((args[1], args[2]))

    def _dlsym(self, args) -> None:
        name = args[-1] if args else None
        if isinstance(name, bytes):
            name = name.decode("ascii", "replace")
        if isinstance(name, str) and name in self.BAD_SYMBOLS:
            self.refuse("calling the C library's %s() through ctypes" % name)


def _raises(new, old) -> bool:
    infinity = -1  # resource.RLIM_INFINITY on Linux
    if old == infinity:
        return False
    return new == infinity or new > old


def _shared_counter():
    try:
        import mmap

        return mmap.mmap(-1, 8)
    except (ImportError, OSError, ValueError):
        return None


# ==================================================================================================
# Stand-ins for azureml packages the environment lacks
# ==================================================================================================
_REQUEST_SOURCE = '''
"""scorelint's stand-in for an absent azureml module: rawhttp, AMLRequest."""
_rawHttpRequested = False
_scorelint_stand_in = True


def rawhttp(func):
    global _rawHttpRequested
    _rawHttpRequested = True
    return func


class AMLRequest:
    """What run() receives under @rawhttp: the request's method, headers, body and query."""

    def __init__(self, method="POST", data=b"", headers=None, args=None, path="/score"):
        self.method = method
        self.data = data if isinstance(data, bytes) else str(data).encode("utf-8")
        self.headers = dict(headers or {})
        self.args = dict(args or {})
        self.form = {}
        self.files = {}
        self.path = path
        self.full_path = path + "?"
        self.url = "http://localhost:5001" + path
        self.content_type = self.headers.get("Content-Type")
        self.mimetype = (self.content_type or "").split(";")[0].strip()
        self.is_json = self.mimetype == "application/json" or self.mimetype.endswith("+json")

    def get_data(self, cache=True, as_text=False, parse_form_data=False):
        return self.data.decode("utf-8", "replace") if as_text else self.data

    def get_json(self, force=False, silent=False, cache=True):
        import json

        if not (force or self.is_json):
            return None
        try:
            return json.loads(self.data)
        except ValueError:
            if silent:
                return None
            raise

    @property
    def json(self):
        return self.get_json()
'''

_RESPONSE_SOURCE = '''
"""scorelint's stand-in for an absent azureml module: AMLResponse."""
import json as _json

_scorelint_stand_in = True


class AMLResponse:
    """A response run() returns under @rawhttp: body, status code and headers."""

    def __init__(self, message, status_code, response_headers={}, json_str=False, run_function_failed=False):
        self.status_code = int(status_code)
        self.headers = {}
        if message is None:
            self._body, self.mimetype = _json.dumps({}), "application/json"
        elif json_str:
            self._body, self.mimetype = _json.dumps(message), "application/json"
        else:
            self._body, self.mimetype = message, "text/html"
        for header, value in dict(response_headers).items():
            self.headers[header] = value
        self.headers.setdefault("Content-Type", self.mimetype)

    @property
    def status(self):
        return str(self.status_code)

    def get_data(self, as_text=False):
        body = self._body
        if isinstance(body, str):
            return body if as_text else body.encode("utf-8")
        if isinstance(body, (bytes, bytearray)):
            return bytes(body).decode("utf-8", "replace") if as_text else bytes(body)
        text = "".join(part.decode("utf-8", "replace") if isinstance(part, bytes) else str(part) for part in body)
        return text if as_text else text.encode("utf-8")
'''

_MODEL_SOURCE = '''
"""scorelint's stand-in for an absent azureml module: Model.get_model_path."""
import os as _os

_scorelint_stand_in = True


class Model:
    """Only Model.get_model_path, resolved under AZUREML_MODEL_DIR as in a deployment."""

    def __init__(self, *args, **kwargs):
        raise RuntimeError("scorelint sandbox: azureml-core is not installed; only Model.get_model_path is "
                           "available (as in a deployment, under AZUREML_MODEL_DIR)")

    @staticmethod
    def get_model_path(model_name, version=None, _workspace=None):
        root = _os.environ.get("AZUREML_MODEL_DIR") or "."
        candidate = _os.path.join(root, model_name)
        if version is not None and _os.path.isdir(_os.path.join(candidate, str(version))):
            return _os.path.join(candidate, str(version))
        return candidate if _os.path.exists(candidate) else root
'''

STAND_INS = {
    "azureml": None, "azureml.contrib": None, "azureml.contrib.services": None,
    "azureml.contrib.services.aml_request": _REQUEST_SOURCE,
    "azureml.contrib.services.aml_response": _RESPONSE_SOURCE,
    "azureml.core": "from azureml.core.model import Model\n_scorelint_stand_in = True\n",
    "azureml.core.model": _MODEL_SOURCE,
    "azureml_inference_server_http": None, "azureml_inference_server_http.api": None,
    "azureml_inference_server_http.api.aml_request": _REQUEST_SOURCE,
    "azureml_inference_server_http.api.aml_response": _RESPONSE_SOURCE,
}


STAND_IN_PACKAGES = frozenset({"azureml", "azureml.contrib", "azureml.contrib.services", "azureml.core",
                               "azureml_inference_server_http", "azureml_inference_server_http.api"})


class StandInFinder:
    """Last on sys.meta_path: serves the modules above only when nothing else can."""

    def __init__(self) -> None:
        self.used = []

    def find_spec(self, fullname, path=None, target=None):
        if fullname not in STAND_INS:
            return None
        import importlib.machinery

        package = fullname in STAND_IN_PACKAGES
        spec = importlib.machinery.ModuleSpec(fullname, self, is_package=package)
        if package:
            spec.submodule_search_locations = []
        return spec

    def create_module(self, spec):
        return None

    def exec_module(self, module) -> None:
        source = STAND_INS[module.__name__]
        module.__file__ = "<scorelint stand-in for %s>" % module.__name__
        if source is not None:
            if module.__name__ not in self.used:
                self.used.append(module.__name__)
            exec(compile(source, module.__file__, "exec"), module.__dict__)
        else:
            module._scorelint_stand_in = True


# ==================================================================================================
# Loading the script the way the server does
# ==================================================================================================
class LoadError(Exception):
    """The server's own refusal after importing (what it logs before exiting)."""

    def __init__(self, check: str, message: str, line_of: str | None = None) -> None:
        super().__init__(message)
        self.check = check
        self.message = message
        self.line_of = line_of  # "init" | "run": the definition to report on


def describe_exception(exc: BaseException, script: str) -> dict:
    import traceback

    script_real = os.path.realpath(script)
    line = None
    tb = exc.__traceback__
    while tb is not None:
        if os.path.realpath(tb.tb_frame.f_code.co_filename) == script_real:
            line = tb.tb_lineno
        tb = tb.tb_next
    if isinstance(exc, SyntaxError) and exc.filename and os.path.realpath(str(exc.filename)) == script_real:
        line = exc.lineno
    try:
        described = traceback.TracebackException.from_exception(exc, limit=-40)
        for part in _chain(described):  # the sandbox's own frames are noise in a user's traceback
            part.stack = traceback.StackSummary.from_list(
                [frame for frame in part.stack if not frame.filename.startswith(HERE)
                 and not frame.filename.startswith("<frozen importlib")])
        text = "".join(described.format())
    except Exception:  # noqa: BLE001 - a hostile exception must not break the report
        text = "%s: %s" % (type(exc).__name__, _safe_str(exc))
    result = {"type": type(exc).__name__, "message": _safe_str(exc), "line": line, "traceback": text[-20000:]}
    if isinstance(exc, ImportError) and getattr(exc, "name", None):
        result["module"] = exc.name
    if isinstance(exc, SystemExit):
        result["message"] = "SystemExit(%r)" % (exc.code,)
    return result


def _chain(described):
    seen = set()
    while described is not None and id(described) not in seen:
        seen.add(id(described))
        yield described
        described = described.__cause__ or (None if described.__suppress_context__ else described.__context__)


def _safe_str(exc) -> str:
    try:
        return str(exc)[:2000]
    except Exception:  # noqa: BLE001 - a hostile __str__
        return "<unprintable %s>" % type(exc).__name__


class Script:
    def __init__(self, path: str) -> None:
        self.path = path
        self.module = None
        self.init = None
        self.run = None
        self.driver = None
        self.params = []
        self.has_request_headers = False
        self.mode = None  # "raw" | "schema" | "string"
        self.schema_util = None


def load(request, channel) -> Script:
    """Import the script as `entry_module` from its path, then the server's checks on init and run."""
    import importlib.util
    import inspect

    script = Script(request["script"])
    channel.send("phase", phase="import")
    spec = importlib.util.spec_from_file_location(MODULE_NAME, script.path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # exceptions propagate: import failures
    script.module = module
    channel.send("phase", phase="load")
    where = getattr(module, "__file__", script.path)
    if not hasattr(module, "init"):
        raise LoadError("no-init", "User script at %s does not have a init() function defined." % where)
    if not hasattr(module, "run"):
        raise LoadError("no-run", "User script at %s does not have a run() function defined." % where)
    driver = getattr(module, "driver_module", None)
    import types

    if isinstance(driver, types.ModuleType) and hasattr(driver, "run"):
        script.run, script.driver = driver.run, getattr(driver, "__file__", "?")
    else:
        script.run = module.run
    script.init = module.init
    params = list(inspect.signature(script.run).parameters.values())
    if any(p.kind not in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD) for p in params):
        raise LoadError("run-params", "run() cannot accept positional-only arguments, *args, or **kwargs.", "run")
    script.has_request_headers = any(p.name == "request_headers" for p in params)
    params = [p for p in params if p.name != "request_headers"]
    if not params:
        if script.has_request_headers:
            raise LoadError("run-no-input", 'run() needs to accept an argument other than "request_headers".', "run")
        raise LoadError("run-no-input", "run() needs to accept an argument for input data.", "run")
    script.params = params
    script.schema_util = sys.modules.get("inference_schema.schema_util")
    decorated = bool(script.schema_util and script.schema_util.is_schema_decorated(script.run))
    raw = _raw_requested()
    if raw and decorated:
        raise LoadError("rawhttp-schema", "run() cannot be decorated with both @rawhttp and @input_schema", "run")
    script.mode = "raw" if raw else ("schema" if decorated else "string")
    return script


def _raw_requested() -> bool:
    for name in ("azureml_inference_server_http.api.aml_request", "azureml.contrib.services.aml_request"):
        module = sys.modules.get(name)
        if module is not None and getattr(module, "_rawHttpRequested", False):
            return True
    return False


def _openapi():
    module = sys.modules.get("_scorelint_sandbox_openapi")
    if module is None:
        import importlib.util

        spec = importlib.util.spec_from_file_location("_scorelint_sandbox_openapi", os.path.join(HERE, "openapi.py"))
        module = importlib.util.module_from_spec(spec)
        sys.modules["_scorelint_sandbox_openapi"] = module
        spec.loader.exec_module(module)
    return module


def schemas(script: Script):
    """(supported versions, input schema, output schema, output schema declared?) as the server sees them."""
    util = script.schema_util
    if util is None:
        return list(ALL_SCHEMA_VERSIONS), None, None, False
    versions = util.get_supported_versions(script.run)
    if not util.is_schema_decorated(script.run):
        return versions, None, None, False
    declared = True
    try:
        name = util._get_function_full_qual_name(util._get_decorators(script.run)[-1])
        declared = "output_schema" in util.get_schemas_dict().get(name, {})
    except Exception:  # noqa: BLE001 - private helpers of another package: best effort
        pass
    return versions, util.get_input_schema(script.run), util.get_output_schema(script.run), declared


# ==================================================================================================
# The work: swagger and try
# ==================================================================================================
def do_swagger(request, script: Script, channel) -> dict:
    openapi = _openapi()
    channel.send("phase", phase="swagger")
    versions, input_schema, output_schema, _ = schemas(script)
    if input_schema is None and output_schema is None:
        input_schema = output_schema = dict(openapi.UNDECORATED_SCHEMA, example={})
    service = openapi.ServiceSettings.resolve(request.get("service") or {}, request["app_root"], script.path)
    built = openapi.build_documents(request["app_root"], service, versions, input_schema, output_schema)
    # The server serialises each document with json.dumps when it is asked for it.
    for version in list(built["documents"]):
        try:
            json.dumps(built["documents"][version])
        except (TypeError, ValueError) as exc:
            del built["documents"][version]
            built["unavailable"][version] = ("the server answers 500 for this version: the document cannot be "
                                             "serialised as JSON (%s)" % exc)
    built["service"] = service.to_json()
    built["schema_versions"] = list(versions)
    return built


def do_try(request, script: Script, channel) -> dict:
    out = {"mode": script.mode}
    _, input_schema, output_schema, declared = schemas(script)
    out["output_schema"] = output_schema if declared else None
    channel.send("phase", phase="init")
    started = time.perf_counter()
    try:
        script.init()
    except BaseException as exc:  # noqa: BLE001 - the server catches BaseException too
        out["init_ms"] = (time.perf_counter() - started) * 1000
        out["init_error"] = describe_exception(exc, script.path)
        return out
    out["init_ms"] = (time.perf_counter() - started) * 1000

    payload = request.get("payload")
    if payload is None:
        example = (input_schema or {}).get("example", {}) if script.mode == "schema" else {}
        body_text, out["payload_source"] = json.dumps(example), "example"
    else:
        body_text, out["payload_source"] = payload, "file"
    out["request_body"] = body_text[:4096]
    headers = {"Host": "localhost:5001", "Content-Type": "application/json",
               "Content-Length": str(len(body_text.encode("utf-8")))}
    try:
        kwargs = _parameters(script, body_text, headers)
    except _BadRequest as exc:
        out.update(status=exc.status, body=json.dumps({"message": exc.message}), content_type="application/json")
        return out

    channel.send("phase", phase="run")
    run = script.run
    call = (lambda **kw: run(**kw)) if script.has_request_headers else \
        (lambda request_headers, **kw: run(**kw))
    started = time.perf_counter()
    try:
        output = call(request_headers=headers, **kwargs)
    except Exception as exc:  # noqa: BLE001 - the server turns these into 500
        out["run_ms"] = (time.perf_counter() - started) * 1000
        out["run_error"] = describe_exception(exc, script.path)
        out.update(status=500, content_type="application/json", body=json.dumps(
            {"message": "An unexpected error occurred in scoring script. Check the logs for more info."}))
        return out
    out["run_ms"] = (time.perf_counter() - started) * 1000
    if hasattr(output, "status_code") and hasattr(output, "get_data"):
        out["status"] = int(output.status_code)
        try:
            out["body"] = output.get_data(as_text=True)
        except Exception as exc:  # noqa: BLE001
            out["body"] = "<the response body cannot be read: %s>" % _safe_str(exc)
        headers_out = getattr(output, "headers", {}) or {}
        try:
            out["headers"] = {str(k): str(v) for k, v in dict(headers_out).items()}
        except Exception:  # noqa: BLE001
            out["headers"] = {}
        out["content_type"] = out["headers"].get("Content-Type") or getattr(output, "mimetype", None)
        out["response_object"] = True
        return out
    try:
        out["body"] = json.dumps(output)
        out.update(status=200, content_type="application/json")
    except (TypeError, ValueError, RecursionError) as exc:
        out.update(status=500, content_type="application/json", body=json.dumps(
            {"message": "An unexpected internal error occurred. Check the logs for more info."}))
        out["serialize_error"] = "%s: %s (the value run() returned has type %s)" % (
            type(exc).__name__, exc, type(output).__module__ + "." + type(output).__qualname__)
    return out


class _BadRequest(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def _parameters(script: Script, body_text: str, headers: dict) -> dict:
    import inspect

    first = script.params[0].name
    if script.mode == "raw":
        return {first: _raw_request(body_text, headers)}
    if script.mode == "string":
        return {first: body_text}
    try:
        body = json.loads(body_text)
    except ValueError as exc:
        if body_text:
            raise _BadRequest(400, "POST body could not be decoded as JSON: %s" % exc) from None
        raise _BadRequest(400, "POST body is empty. Expecting a JSON dictionary.") from None
    if not isinstance(body, dict):
        raise _BadRequest(400, "POST body should be a JSON dictionary.")
    values = {}
    for param in script.params:
        value = body.get(param.name, param.default)
        if value is inspect.Parameter.empty:
            raise _BadRequest(400, "A value is not provided for the %r parameter." % param.name)
        values[param.name] = value
    return values


def _raw_request(body_text: str, headers: dict):
    data = body_text.encode("utf-8")
    try:
        from werkzeug.test import EnvironBuilder

        try:  # what the server passes: Flask's request object
            from flask import Request as request_class
        except ImportError:
            from werkzeug.wrappers import Request as request_class
        builder = EnvironBuilder(path="/score", method="POST", data=data, headers=headers)
        try:
            return request_class(builder.get_environ())
        finally:
            builder.close()
    except ImportError:
        module = sys.modules.get("azureml_inference_server_http.api.aml_request") or \
            sys.modules.get("azureml.contrib.services.aml_request")
        if module is None or not getattr(module, "_scorelint_stand_in", False):
            import importlib

            module = importlib.import_module("azureml.contrib.services.aml_request")
        return module.AMLRequest("POST", data, headers)


# ==================================================================================================
# W: the process that runs the script
# ==================================================================================================
def _worker(request: dict, channel: Channel) -> None:
    try:
        _prepare_process(request)
        _watch_for_hangs(request)
        counter = _shared_counter()
        guard = Guard(request, channel, counter)
        if hasattr(sys, "addaudithook"):
            sys.addaudithook(guard)
            channel.send("layer", layer="audit hooks")
        finder = StandInFinder()
        sys.meta_path.append(finder)
        sys.path.insert(0, request["app_root"])
        sys.argv = [request["script"]]
        result = {"python": sys.executable, "python_version": sys.version.split()[0],
                  "audit_hooks": hasattr(sys, "addaudithook")}
        if not result["audit_hooks"]:
            channel.send("note", note="Python %s has no audit hooks: only the OS layers guard this run"
                         % result["python_version"])
        try:
            script = load(request, channel)
        except LoadError as exc:
            result["error"] = {"kind": "load", "check": exc.check, "message": exc.message, "line_of": exc.line_of}
        except BaseException as exc:  # noqa: BLE001 - the server catches BaseException at import
            result["error"] = dict(describe_exception(exc, request["script"]), kind="import")
        else:
            result["mode"] = script.mode
            if script.driver:
                result["driver_module"] = script.driver
            try:
                if request["mode"] == "swagger":
                    result["swagger"] = do_swagger(request, script, channel)
                else:
                    result["try"] = do_try(request, script, channel)
            except Exception as exc:  # noqa: BLE001
                openapi = sys.modules.get("_scorelint_sandbox_openapi")
                if openapi is not None and isinstance(exc, openapi.SwaggerBuildError):
                    result["error"] = {"kind": "load", "check": "swagger", "message": str(exc)}
                elif request["mode"] == "swagger":  # the server fails the same way preparing its documents
                    described = describe_exception(exc, request["script"])
                    result["error"] = {"kind": "load", "check": "swagger", "line": described["line"],
                                       "traceback": described["traceback"],
                                       "message": "the server fails at start-up while preparing its Swagger "
                                                  "documents: %s: %s" % (described["type"], described["message"])}
                else:
                    result["error"] = dict(describe_exception(exc, request["script"]), kind="sandbox")
        result["stand_ins"] = finder.used
        result["refusals"] = guard.refusals
        channel.send("result", result=result)
    except BaseException as exc:  # noqa: BLE001 - never let the child die silently
        try:
            channel.send("crash", error="%s: %s" % (type(exc).__name__, _safe_str(exc)))
        except BaseException:  # noqa: BLE001
            pass
    finally:
        for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
            try:
                stream.flush()
            except BaseException:  # noqa: BLE001
                pass
        os._exit(0)


def _watch_for_hangs(request) -> None:
    """Shortly before the parent's deadline, write every thread's stack to stack.txt in the sandbox
    folder, so that a hang is reported with the line it was stuck on."""
    try:
        import faulthandler

        timeout = float(request.get("timeout") or 0)
        if timeout > 0.5:
            handle = open(os.path.join(request["sandbox_dir"], "stack.txt"), "w")
            _KEEP.append(handle)
            faulthandler.dump_traceback_later(timeout - 0.3, file=handle)
    except (ImportError, OSError, ValueError, RuntimeError):
        pass


_KEEP = []


def _prepare_process(request) -> None:
    import signal

    if hasattr(signal, "SIGXFSZ"):
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a too-large file is an OSError, not a death
    env = request.get("env")
    if env is not None:  # the warm worker's children: the request's environment, exactly
        os.environ.clear()
        os.environ.update(env)
    os.chdir(request["work_dir"])
    os.umask(0o077)
    sys.dont_write_bytecode = True


# ==================================================================================================
# Entry points
# ==================================================================================================
def _read_request(path: str) -> dict:
    with open(path, encoding="utf-8") as handle:
        request = json.load(handle)
    try:
        os.unlink(path)  # the nonce and the payload are not left for the script to read
    except OSError:
        pass
    return request


def cold_main(result_fd: int, request_path: str) -> None:
    run_request(_read_request(request_path), result_fd)


def serve(sock_fd: int, preload) -> None:
    """The warm worker: import the heavy modules once, then fork one isolated child per request.

    The parent sends {"request": PATH} with three file descriptors (stdout, stderr, result) and gets
    back {"pid": PID} when the child starts and {"status": WAIT_STATUS} when it ends.
    """
    import socket

    die_with_parent()
    sock = socket.socket(fileno=sock_fd)
    if not hasattr(socket, "recv_fds"):
        sock.sendall(json.dumps({"ready": False, "error": "the warm worker needs Python 3.9 or newer (this is %s)"
                                 % sys.version.split()[0]}).encode())
        os._exit(0)
    loaded, failed = [], {}
    for name in preload:
        try:
            __import__(name)
            loaded.append(name)
        except BaseException as exc:  # noqa: BLE001 - a missing package is not an error here
            failed[name] = "%s: %s" % (type(exc).__name__, _safe_str(exc))
    _openapi()
    sock.sendall(json.dumps({"ready": True, "python": sys.executable, "python_version": sys.version.split()[0],
                             "preloaded": loaded, "failed": failed}).encode())
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(sock, 65536, 3)
        except InterruptedError:
            continue
        except OSError:
            os._exit(0)
        if not message:
            os._exit(0)
        order = json.loads(message)
        if len(fds) != 3:
            for fd in fds:
                os.close(fd)
            sock.sendall(json.dumps({"error": "expected 3 file descriptors"}).encode())
            continue
        pid = os.fork()
        if pid == 0:
            try:
                os.setsid()
                die_with_parent()  # a request does not outlive its worker
                sock.close()
                null = os.open(os.devnull, os.O_RDONLY)
                os.dup2(null, 0)
                os.dup2(fds[0], 1)
                os.dup2(fds[1], 2)
                os.close(null)
                os.close(fds[0])
                os.close(fds[1])
                request = _read_request(order["request"])
                run_request(request, fds[2])
            finally:
                os._exit(70)
        for fd in fds:
            os.close(fd)
        sock.sendall(json.dumps({"pid": pid}).encode())
        while True:
            try:
                _, status = os.waitpid(pid, 0)
                break
            except InterruptedError:
                continue
            except ChildProcessError:
                status = 0
                break
        sock.sendall(json.dumps({"status": status}).encode())


def main(argv) -> None:
    if len(argv) >= 3 and argv[1] == "--serve":
        serve(int(argv[2]), argv[3].split(",") if len(argv) > 3 and argv[3] else [])
    elif len(argv) == 3:
        cold_main(int(argv[1]), argv[2])
    else:
        sys.stderr.write("usage: _child.py RESULT_FD REQUEST_FILE | --serve SOCKET_FD [MODULES]\n")
        sys.exit(2)


if __name__ == "__main__":
    main(sys.argv)
