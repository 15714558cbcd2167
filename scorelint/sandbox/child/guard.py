"""The audit hook: what the script may not do, even where the OS layers are missing."""

from __future__ import annotations

import errno
import os


class Guard:
    """A `sys.addaudithook` hook: what the script may not do, even where the OS layers are missing.

    Python's audit hooks are not a security boundary on their own (code can reach the C library
    directly); they are the portable layer, and they make refusals readable: each one raises
    PermissionError naming the sandbox, and is reported to the parent.
    """

    WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
    PRIVATE_PROC = frozenset({"environ", "mem", "cmdline", "maps", "smaps", "auxv", "root", "cwd", "fd",
                              "map_files", "pagemap", "stack", "syscall", "io", "exe"})
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
            # The hook and the channel are reachable through the garbage collector's object lists.
            "gc.get_objects": self._gc, "gc.get_referrers": self._gc, "gc.get_referents": self._gc,
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
            # Normalised first: /proc/self/../PID/environ and //proc/PID/environ are the same file.
            parts = os.path.realpath(text).split("/")
            if len(parts) > 3 and parts[1] == "proc" and parts[2].isdigit() and int(parts[2]) != os.getpid() \
                    and parts[3] in self.PRIVATE_PROC:
                self.refuse("reading %s (another process's memory, environment or files)" % text)

    def _gc(self, args) -> None:
        self.refuse("listing the interpreter's objects (gc.get_objects and the like)")

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

