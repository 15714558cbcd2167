"""Operating-system isolation (Linux): namespaces, a read-only file system, no capabilities, limits."""

from __future__ import annotations

import errno
import os
import sys

from . import IS_LINUX

CLONE_NEWNS, CLONE_NEWIPC, CLONE_NEWUSER = 0x00020000, 0x08000000, 0x10000000
CLONE_NEWPID, CLONE_NEWNET = 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
PR_SET_PDEATHSIG, PR_CAPBSET_DROP, PR_SET_CHILD_SUBREAPER, PR_SET_NO_NEW_PRIVS = 1, 24, 36, 38
SYS_MOUNT_SETATTR = {"x86_64": 442, "aarch64": 442}
MOUNT_ATTR_RDONLY, MOUNT_ATTR_NOSUID, MOUNT_ATTR_NODEV, AT_RECURSIVE, AT_FDCWD = 1, 2, 4, 0x8000, -100
SHARED_FOLDERS = ("/tmp", "/var/tmp", "/run", "/var/run")  # where other programs keep their Unix sockets
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
        notes.append("namespaces unavailable (unshare: %s)" % _errno())
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
    hidden = _fresh_shared_folders(request, number, MountAttr)
    # The sandbox's own folder stays writable (a bind mount of itself, read-write again), but set-uid bits
    # and device files mean nothing there: root's set-uid copy of a shell must not be root's anywhere.
    if _mount(sandbox, sandbox, None, MS_BIND | MS_REC):
        if number is None or not _setattr(number, MountAttr, sandbox, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV,
                                          MOUNT_ATTR_RDONLY):
            _mount(None, sandbox, None, MS_REMOUNT | MS_BIND | MS_NOSUID | MS_NODEV)
    layers.append("read-only file system except the sandbox folder (nosuid, nodev)")
    # A private, small /dev/shm: multiprocessing's semaphores and shared memory still work.
    if os.path.isdir("/dev/shm"):
        size = max(16, int(request["limits"].get("file_mb") or 64))
        _mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=%dm,mode=1777" % size)
    home = request.get("real_home") or ""
    for relative in CREDENTIAL_PATHS if home else ():
        path = os.path.join(home, relative)
        if os.path.isdir(path) and not os.path.islink(path):
            if _mount("tmpfs", path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4k,mode=000"):
                hidden.append(path)
        elif os.path.isfile(path) and _mount("/dev/null", path, None, MS_BIND):
            hidden.append(path)
    if hidden:
        layers.append("hidden: " + ", ".join(hidden))


def _setattr(number, MountAttr, path, attr_set, attr_clr, flags=0) -> bool:
    import ctypes

    attr = MountAttr(attr_set, attr_clr, 0, 0)
    return libc().syscall(number, AT_FDCWD, path.encode(), flags, ctypes.byref(attr), ctypes.sizeof(attr)) == 0


def _under(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _fresh_shared_folders(request, number, MountAttr) -> list:
    """An empty, read-only tmpfs over each folder other programs share (/tmp, /var/tmp, /run): their Unix
    sockets (X11, ssh-agent, docker.sock...) are reachable by path otherwise, read-only mount or not.
    What the run needs from inside them (the sandbox folder, the script's folder, the interpreter's
    environment) is bound back at the same path, read-only but for the sandbox folder."""
    sandbox = request["sandbox_dir"]
    # What this interpreter imports from (its sys.path: the real environment even behind a wrapper script)
    # and the child's own code: a checkout or a virtual environment may live under /tmp.
    own = [os.path.dirname(os.path.dirname(os.path.abspath(__file__)))] + [p for p in sys.path if p]
    needed = [sandbox] + [os.path.realpath(p) for p in list(request["isolation"].get("visible") or ()) + own
                          if os.path.exists(p)]
    hidden = []
    for path in SHARED_FOLDERS:
        real = os.path.realpath(path)
        if real in hidden or not os.path.isdir(real):
            continue
        keep = sorted({p for p in needed if _under(p, real)}, key=len)
        keep = [p for p in keep if not any(q != p and _under(p, q) for q in keep)]  # outermost only
        handles = {}
        try:
            for p in keep:
                handles[p] = os.open(p, os.O_PATH | os.O_CLOEXEC)
        except OSError:
            for fd in handles.values():
                os.close(fd)
            continue
        try:
            if not _mount("tmpfs", real, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=1m,mode=755"):
                continue
            for p, fd in handles.items():
                if os.path.isdir("/proc/self/fd/%d" % fd):
                    os.makedirs(p, 0o755, exist_ok=True)
                else:
                    os.makedirs(os.path.dirname(p), 0o755, exist_ok=True)
                    os.close(os.open(p, os.O_CREAT | os.O_WRONLY, 0o644))
                if _mount("/proc/self/fd/%d" % fd, p, None, MS_BIND | MS_REC) and p != sandbox:
                    if number is None or not _setattr(number, MountAttr, p, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID |
                                                      MOUNT_ATTR_NODEV, 0, AT_RECURSIVE):
                        _mount(None, p, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)
            _mount(None, real, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=1m,mode=755")
            hidden.append(real)
        finally:
            for fd in handles.values():
                os.close(fd)
    return hidden


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


def die_with_parent(lifeline=None) -> None:
    """SIGKILL when the parent dies (SIGKILL of scorelint included). `lifeline`: a pipe to scorelint
    (the result channel); if its reading end is closed, scorelint died before this call (checked
    through the pipe rather than a pid, so that a wrapper such as bwrap may stand in between)."""
    if IS_LINUX:
        import signal

        parent = os.getppid()
        libc().prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the request was made
            os._exit(137)
        if lifeline is not None:
            import select

            poll = select.poll()
            poll.register(lifeline, select.POLLOUT)
            if any(events & (select.POLLERR | select.POLLHUP) for _, events in poll.poll(0)):
                os._exit(137)


def become_subreaper() -> bool:
    """Orphans of the script's processes (a double-forked daemon) are re-parented here, not to init,
    so that they can be found and ended with the run."""
    return IS_LINUX and libc().prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0


def kill_tree(root: int, include_root: bool = True) -> None:
    """SIGKILL `root` and every process below it, found through /proc and stopped (SIGSTOP) first so that
    none can fork meanwhile: a process that left the group (setsid) is still found while its ancestors
    live. Also used by the parent (scorelint) on the process it started."""
    import signal

    tree = {root}
    if include_root:
        try:
            os.kill(root, signal.SIGSTOP)
        except OSError:
            return
    for _ in range(50):
        parents = {}
        try:
            names = [n for n in os.listdir("/proc") if n.isdigit()]
        except OSError:
            break
        for name in names:
            try:
                with open("/proc/%s/stat" % name, "rb") as handle:
                    parents[int(name)] = int(handle.read().rsplit(b")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                pass
        fresh = {child for child, parent in parents.items() if parent in tree and child not in tree}
        if not fresh:
            break
        for child in fresh:
            try:
                os.kill(child, signal.SIGSTOP)
            except OSError:
                pass
        tree |= fresh
    for member in tree if include_root else tree - {root}:
        try:
            os.kill(member, signal.SIGKILL)
        except OSError:
            pass


# Landlock (Linux 5.13+, no privilege needed, inherited by every program started, never undone).
SYS_LANDLOCK_CREATE_RULESET, SYS_LANDLOCK_ADD_RULE, SYS_LANDLOCK_RESTRICT_SELF = 444, 445, 446
LANDLOCK_WRITE_ACCESS = {  # right -> first ABI that has it (reads and execution stay allowed)
    1 << 1: 1, 1 << 4: 1, 1 << 5: 1, 1 << 6: 1, 1 << 7: 1, 1 << 8: 1, 1 << 9: 1, 1 << 10: 1, 1 << 11: 1,
    1 << 12: 1, 1 << 13: 2, 1 << 14: 3}
LANDLOCK_FILE_WRITE = (1 << 1) | (1 << 14)  # write, truncate: the rights a single file can be given
WRITABLE_DEVICES = ("/dev/null", "/dev/zero", "/dev/full", "/dev/tty")


def restrict_with_landlock(sandbox: str, layers) -> bool:
    """Writes only under `sandbox` (and to /dev/null and the like), no TCP connect or bind, no signals
    to and no abstract Unix sockets of processes outside: for the script and every program it starts.
    The OS layer that still holds where namespaces are refused."""
    if not IS_LINUX:
        return False
    import ctypes

    lib = libc()
    abi = lib.syscall(SYS_LANDLOCK_CREATE_RULESET, None, 0, 1)  # LANDLOCK_CREATE_RULESET_VERSION
    if abi < 1:
        return False

    class RulesetAttr(ctypes.Structure):
        _fields_ = [("fs", ctypes.c_uint64), ("net", ctypes.c_uint64), ("scoped", ctypes.c_uint64)]

    class PathBeneath(ctypes.Structure):
        _pack_ = 1
        _fields_ = [("allowed", ctypes.c_uint64), ("fd", ctypes.c_int32)]

    fs = 0
    for right, since in LANDLOCK_WRITE_ACCESS.items():
        if abi >= since:
            fs |= right
    net = 3 if abi >= 4 else 0  # LANDLOCK_ACCESS_NET_BIND_TCP | CONNECT_TCP, with no port allowed
    scoped = 3 if abi >= 6 else 0  # LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET | LANDLOCK_SCOPE_SIGNAL
    attr = RulesetAttr(fs, net, scoped)
    size = 8 if abi < 4 else (16 if abi < 6 else 24)
    ruleset = lib.syscall(SYS_LANDLOCK_CREATE_RULESET, ctypes.byref(attr), size, 0)
    if ruleset < 0:
        return False
    try:
        rules = [(sandbox, fs)] + [(device, LANDLOCK_FILE_WRITE & fs) for device in WRITABLE_DEVICES]
        for path, allowed in rules:
            try:
                fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                continue
            try:
                rule = PathBeneath(allowed, fd)
                lib.syscall(SYS_LANDLOCK_ADD_RULE, ruleset, 1, ctypes.byref(rule), 0)  # LANDLOCK_RULE_PATH_BENEATH
            finally:
                os.close(fd)
        lib.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
        if lib.syscall(SYS_LANDLOCK_RESTRICT_SELF, ruleset, 0) != 0:
            return False
    finally:
        os.close(ruleset)
    what = ["writes only in the sandbox folder"] + (["no TCP"] if net else []) + \
        (["no signals or abstract sockets outside"] if scoped else [])
    layers.append("Landlock ABI %d (%s)" % (abi, ", ".join(what)))
    return True


# seccomp, where no mount namespace hides the host's Unix sockets: socket(AF_UNIX) and io_uring refused.
SECCOMP_ARCH = {"x86_64": (0xC000003E, 41), "aarch64": (0xC00000B7, 198)}  # audit arch, socket()
SYS_IO_URING_SETUP, X32_SYSCALL_BIT, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 425, 0x40000000, 22, 2


def refuse_unix_sockets(layers) -> bool:
    """A seccomp filter: socket(AF_UNIX, ...) and io_uring_setup fail with EACCES, for the script and every
    program it starts. Without a mount namespace the host's Unix sockets (X11, ssh-agent, docker.sock)
    are reachable by path, and Landlock does not cover connecting to them; socketpair() still works."""
    arch = SECCOMP_ARCH.get(os.uname().machine)
    if not IS_LINUX or arch is None:
        return False
    import ctypes

    class Instruction(ctypes.Structure):
        _fields_ = [("code", ctypes.c_uint16), ("jt", ctypes.c_uint8), ("jf", ctypes.c_uint8),
                    ("k", ctypes.c_uint32)]

    class Program(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(Instruction))]

    load, equal, at_least, ret = 0x20, 0x15, 0x35, 0x06
    allow, deny = 0x7FFF0000, 0x00050000 | errno.EACCES
    code = [
        (load, 0, 0, 4),                     # 0: the architecture
        (equal, 0, 7, arch[0]),              # 1: another one (a 32-bit call): allowed, jump to 9
        (load, 0, 0, 0),                     # 2: the system call's number
        (at_least, 6, 0, X32_SYSCALL_BIT),   # 3: x32 calls: refused (10); jumps count from the next one
        (equal, 5, 0, SYS_IO_URING_SETUP),   # 4: io_uring (it can open sockets itself): refused (10)
        (equal, 0, 3, arch[1]),              # 5: not socket(): allowed (9)
        (load, 0, 0, 16),                    # 6: socket()'s domain
        (equal, 2, 0, 1),                    # 7: AF_UNIX: refused (10)
        (ret, 0, 0, allow),                  # 8
        (ret, 0, 0, allow),                  # 9
        (ret, 0, 0, deny),                   # 10
    ]
    instructions = (Instruction * len(code))(*[Instruction(*item) for item in code])
    program = Program(len(code), instructions)
    lib = libc()
    lib.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    if lib.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(program), 0, 0) != 0:
        return False
    layers.append("seccomp (no Unix sockets but socketpair, no io_uring)")
    return True


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
