"""Operating-system isolation (Linux): namespaces, a view of only the needed folders, no capabilities, limits."""

from __future__ import annotations

import errno
import os
import sys

from . import IS_LINUX, SANDBOX_DIR

CLONE_NEWNS, CLONE_NEWIPC, CLONE_NEWUSER = 0x00020000, 0x08000000, 0x10000000
CLONE_NEWPID, CLONE_NEWNET = 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
PR_SET_PDEATHSIG, PR_CAPBSET_DROP, PR_SET_CHILD_SUBREAPER, PR_SET_NO_NEW_PRIVS = 1, 24, 36, 38
SYS_MOUNT_SETATTR = {"x86_64": 442, "aarch64": 442}
MOUNT_ATTR_RDONLY, MOUNT_ATTR_NOSUID, MOUNT_ATTR_NODEV, AT_RECURSIVE, AT_FDCWD = 1, 2, 4, 0x8000, -100
SHARED_FOLDERS = ("/tmp", "/var/tmp", "/run", "/var/run")  # where other programs keep their Unix sockets
# The folders every run reads, bound read-only into the view (links, such as /bin -> usr/bin on merged-/usr
# systems, are recreated as links); /sys because numpy, torch and BLAS count CPUs there.
SYSTEM_FOLDERS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/sys")
DEVICES = ("null", "zero", "full", "random", "urandom", "tty")
# Never bound whole, even when a needed path names them (a script directly in /tmp: only the file is bound).
NEVER_WHOLE = ("/", "/tmp", "/var/tmp", "/run", "/var/run", "/dev", "/dev/shm", "/proc", "/home", "/var")
SYS_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41}
MNT_DETACH = 2
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
    state = {"pid": False, "mount": False, "user": False, "view": False}
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
    state["view"] = _read_only_filesystem(request, layers, notes)
    return state


_MountAttr = []


def _mount_attr():
    """struct mount_attr, made once."""
    if not _MountAttr:
        import ctypes

        class MountAttr(ctypes.Structure):
            _fields_ = [("attr_set", ctypes.c_uint64), ("attr_clr", ctypes.c_uint64),
                        ("propagation", ctypes.c_uint64), ("userns_fd", ctypes.c_uint64)]

        _MountAttr.append(MountAttr)
    return _MountAttr[0]


def _read_only_filesystem(request, layers, notes) -> bool:
    """The bind-only view (True), else the whole file system read-only with the shared folders hidden."""
    sandbox = request["sandbox_dir"]
    if not _mount(None, "/", None, MS_REC | MS_PRIVATE):
        notes.append("mount namespace unusable (%s, as in a chroot): no read-only mounts and no view of the "
                     "needed folders; Landlock and the audit hook guard the files" % _errno())
        return False
    MountAttr = _mount_attr()
    number = SYS_MOUNT_SETATTR.get(os.uname().machine)
    why = bind_view(request, layers)
    if why is None:
        return True
    notes.append("the view of only the needed folders could not be built (%s): the whole file system is "
                 "visible, read-only" % why)
    done = _restrict("/", MOUNT_ATTR_RDONLY)
    if not done:
        notes.append("could not make the file system read-only (%s)" % _errno())
        return False
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
    return False


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
    needed = [sandbox] + [os.path.realpath(p) for p in needed_paths(request)]
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


def needed_paths(request) -> list:
    """What a run reads, as the process and the request name them (existing paths only): the interpreter and
    everything it imports from (sys.path, the source folders of editable installs: a checkout or a virtual
    environment may be anywhere), the child's own code, the script and the folders the parent named
    (`visible`: the script's folder, the model folder, the environment), LD_LIBRARY_PATH."""
    paths = [sys.prefix, sys.base_prefix, os.path.dirname(os.path.realpath(sys.executable)), SANDBOX_DIR,
             request["script"], request["app_root"]]
    paths += [p for p in sys.path if p] + _editable_sources()
    paths += list(request["isolation"].get("visible") or ())
    paths += ((request.get("env") or {}).get("LD_LIBRARY_PATH") or "").split(os.pathsep)
    return [p for p in dict.fromkeys(os.path.abspath(p) for p in paths if p) if os.path.exists(p)]


def _editable_sources() -> list:
    """Folders of packages installed in editable mode through an import hook: setuptools' generated
    `__editable___*_finder` modules map package names to folders that sys.path does not list."""
    found = []
    for name, module in list(sys.modules.items()):
        mapping = getattr(module, "MAPPING", None) if name.startswith("__editable__") else None
        if isinstance(mapping, dict):
            found += [folder for folder in mapping.values() if isinstance(folder, str)]
    return found


def _resolve(path: str, links: dict, known: dict) -> str:
    """The real path of `path`, resolved one component at a time as the kernel does; every symbolic link met
    on the way goes into `links` ({link: target}), to be recreated in the view so that a path the request
    names through a link (a home folder that is a link, /bin -> usr/bin) still leads to its bound folder.
    `known` caches what each step is (the needed paths share most of their prefixes)."""
    parts, current, budget = [p for p in path.split("/") if p], "/", 40
    while parts and budget:
        part = parts.pop(0)
        if part in (".", ".."):
            current = os.path.dirname(current) if part == ".." else current
            continue
        step = os.path.join(current, part)
        if step not in known:
            known[step] = os.readlink(step) if os.path.islink(step) else None
        target = known[step]
        if target is None:
            current = step
            continue
        budget -= 1
        links[step] = target
        parts[:0] = [p for p in target.split("/") if p]
        current = "/" if target.startswith("/") else current
    return current


def _plan_view(request):
    """({real path: writable}, {link: target}): what the view binds, outermost first, and the links to recreate.
    A folder inside another one bound the same way (or inside the writable sandbox folder) is not bound again;
    the sandbox folder inside a read-only one is bound over it."""
    binds, links, known = {}, {}, {}
    for folder in SYSTEM_FOLDERS:
        if os.path.islink(folder):
            links[folder] = os.readlink(folder)
        elif os.path.isdir(folder):
            binds[folder] = False
    for path in needed_paths(request) + [request["work_dir"]]:
        real = _resolve(path, links, known)
        if real not in NEVER_WHOLE and not _under(real, "/proc") and not _under(real, "/dev"):
            binds.setdefault(real, False)
    binds[_resolve(request["sandbox_dir"], links, known)] = True
    kept = {}
    for path in sorted(binds, key=len):
        outer = [q for q in kept if _under(path, q)]
        if not outer or (binds[path] and not kept[outer[-1]]):
            kept[path] = binds[path]
    return kept, links


class _ViewError(Exception):
    pass


def bind_view(request, layers):
    """Only what the run needs is visible, as bubblewrap sets a sandbox up: a fresh tmpfs becomes the root
    (pivot_root), and into it are bound the system folders (SYSTEM_FOLDERS), the interpreter and what it
    imports from, the child's own code and the folders of the request, read-only, nosuid and nodev; the
    sandbox folder read-write (nosuid, nodev); a /dev of the harmless devices with a private /dev/shm; the
    host's /proc until pid 1 mounts its own; empty, read-only /tmp, /var/tmp and /run. The host's tree is then
    detached: no other folder, and no Unix socket of the host, is reachable by any path. Credential folders
    under the home are not bound, and are hidden where a bound folder holds them (the home itself as a
    script's folder); a needed path inside one is bound alone. Returns None when in force, else why not: then
    nothing has changed and the caller falls back to the whole file system, read-only."""
    pivot = SYS_PIVOT_ROOT.get(os.uname().machine)
    if pivot is None:
        return "pivot_root: unknown machine %s" % os.uname().machine
    try:
        binds, links = _plan_view(request)
    except OSError as exc:  # a link that changed under the walk
        return "reading %s: %s" % (exc.filename, exc.strerror)
    # Handles first: every source stays reachable (/proc/self/fd/N) whatever the new root's mount point covers.
    handles = {}
    for path in list(binds) + ["/proc"] + ["/dev/" + name for name in DEVICES]:
        try:
            handles[path] = os.open(path, os.O_PATH | os.O_CLOEXEC)
        except OSError:
            pass  # a folder this user cannot enter is not visible to the run either
    sandbox = next(path for path, writable in binds.items() if writable)
    stage = os.path.dirname(sandbox)  # any folder would do as the new root's mount point
    mask = os.umask(0o022)
    try:
        if "/proc" not in handles or sandbox not in handles:
            return "cannot open /proc or the sandbox folder"
        if not _mount("tmpfs", stage, "tmpfs", MS_NOSUID | MS_NODEV, "mode=755,size=1m"):
            return "tmpfs: %s" % _errno()
        try:
            hidden = _build_view(stage, binds, links, handles, request)
            os.mkdir(stage + "/.host")
            if libc().syscall(pivot, stage.encode(), (stage + "/.host").encode()) != 0:
                raise _ViewError("pivot_root: %s" % _errno())
        except (_ViewError, OSError) as exc:
            libc().umount2(stage.encode(), MNT_DETACH)
            return str(exc)
    finally:
        os.umask(mask)
        for fd in handles.values():
            os.close(fd)
    os.chdir("/")
    # Past the pivot there is no going back: a failure here ends the run rather than leave the host's tree
    # reachable (never seen: the mount namespace is this process's own).
    if libc().umount2(b"/.host", MNT_DETACH) != 0 or not _rmdir("/.host") or \
            not _restrict("/", MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, recursive=False):
        os.write(2, b"scorelint sandbox: cannot detach the host's file system (%s)\n" % _errno().encode())
        os._exit(71)
    layers.append("read-only file system except the sandbox folder (nosuid, nodev)")
    layers.append("only the folders the run needs are visible (%d bound; empty /tmp, /var/tmp and /run; "
                  "a private /dev/shm)" % len(binds))
    if hidden:
        layers.append("hidden: " + ", ".join(hidden))
    return None


def _build_view(stage, binds, links, handles, request) -> list:
    """The view's tree under `stage` (see bind_view); returns the credential paths hidden."""
    for path, writable in binds.items():
        fd = handles.get(path)
        if fd is None:
            continue
        target = stage + path
        _mount_point(target, os.path.isdir("/proc/self/fd/%d" % fd))
        if not _mount("/proc/self/fd/%d" % fd, target, None, MS_BIND | MS_REC):
            raise _ViewError("binding %s: %s" % (path, _errno()))
        if not _restrict(target, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | (0 if writable else MOUNT_ATTR_RDONLY)):
            raise _ViewError("making %s read-only: %s" % (path, _errno()))
    for link, target in links.items():
        if not os.path.lexists(stage + link):  # else it is inside a bound folder already
            os.makedirs(os.path.dirname(stage + link), 0o755, exist_ok=True)
            os.symlink(target, stage + link)
    for folder in ("/tmp", "/var/tmp", "/run", "/proc"):
        os.makedirs(stage + folder, 0o755, exist_ok=True)
    # The host's /proc, read-only, until pid 1 of the new PID namespace mounts its own over it.
    if not _mount("/proc/self/fd/%d" % handles["/proc"], stage + "/proc", None, MS_BIND | MS_REC) or \
            not _restrict(stage + "/proc", MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV):
        raise _ViewError("binding /proc: %s" % _errno())
    _build_dev(stage + "/dev", handles, request)
    hidden = []
    home = os.path.realpath(request.get("real_home") or "/nonexistent")
    holds_home = any(_under(home, folder) for folder in binds)  # else no credential folder is in the view
    for relative in CREDENTIAL_PATHS if holds_home else ():
        path = os.path.realpath(os.path.join(home, relative))
        if not os.path.lexists(stage + path) or not any(_under(path, b) and path != b for b in binds):
            continue  # not in the view, or the folder the user named itself
        if os.path.isdir(stage + path):
            done = _mount("tmpfs", stage + path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                          "size=4k,mode=000")
        else:
            null = handles.get("/dev/null")
            done = null is not None and _mount("/proc/self/fd/%d" % null, stage + path, None, MS_BIND)
        if not done:
            raise _ViewError("hiding %s: %s" % (path, _errno()))
        hidden.append(path)
    return hidden


def _build_dev(dev, handles, request) -> None:
    """A small /dev: the harmless devices bound from the host's, std* links, a private /dev/shm (multiprocessing's
    semaphores and shared memory), the rest read-only."""
    os.makedirs(dev, 0o755, exist_ok=True)
    if not _mount("tmpfs", dev, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755,size=64k"):
        raise _ViewError("tmpfs on /dev: %s" % _errno())
    for name in DEVICES:
        fd = handles.get("/dev/" + name)
        if fd is not None:
            _mount_point(dev + "/" + name, False)
            if not _mount("/proc/self/fd/%d" % fd, dev + "/" + name, None, MS_BIND) or \
                    not _restrict(dev + "/" + name, MOUNT_ATTR_NOSUID, recursive=False):
                raise _ViewError("binding /dev/%s: %s" % (name, _errno()))
    for name, target in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"), ("stdout", "/proc/self/fd/1"),
                         ("stderr", "/proc/self/fd/2")):
        os.symlink(target, dev + "/" + name)
    os.mkdir(dev + "/shm")
    size = max(16, int(request["limits"].get("file_mb") or 64))
    if not _mount("tmpfs", dev + "/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=%dm,mode=1777" % size):
        raise _ViewError("tmpfs on /dev/shm: %s" % _errno())
    if not _restrict(dev, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, recursive=False):
        raise _ViewError("read-only /dev: %s" % _errno())


def _rmdir(path: str) -> bool:
    try:
        os.rmdir(path)
        return True
    except OSError:
        return False


def _mount_point(target: str, directory: bool) -> None:
    if not os.path.lexists(target):
        os.makedirs(os.path.dirname(target), 0o755, exist_ok=True)
        if directory:
            os.mkdir(target, 0o755)
        else:
            os.close(os.open(target, os.O_CREAT | os.O_WRONLY | os.O_CLOEXEC, 0o644))


# statvfs flags a remount must keep (a user namespace may not clear them), and their mount(2) flags.
KEPT_FLAGS = {1: MS_RDONLY, 2: MS_NOSUID, 4: MS_NODEV, 8: MS_NOEXEC, 1024: 1024, 2048: 2048, 4096: 1 << 21}


def _restrict(path: str, attrs: int, recursive: bool = True) -> bool:
    """Set MOUNT_ATTR_* `attrs` (RDONLY, NOSUID, NODEV: the same bits as MS_*) on the mount at `path` and, if
    `recursive`, every mount below: mount_setattr, or on kernels before 5.12 a remount of each that keeps
    the flags it has."""
    number = SYS_MOUNT_SETATTR.get(os.uname().machine)
    if number is not None and _setattr(number, _mount_attr(), path, attrs, 0, AT_RECURSIVE if recursive else 0):
        return True
    points = [path]
    if recursive:
        try:
            with open("/proc/self/mountinfo") as handle:
                points += [p for p in (line.split()[4].replace("\\040", " ") for line in handle)
                           if p != path and _under(p, path)]
        except OSError:
            pass
    done = True
    for point in points:
        try:
            have = os.statvfs(point).f_flag
        except OSError:
            have = 0
        kept = sum(flag for bit, flag in KEPT_FLAGS.items() if have & bit)
        done = _mount(None, point, None, MS_REMOUNT | MS_BIND | kept | attrs) and done
    return done


def mount_own_proc(layers, view: bool = False) -> None:
    """In pid 1 of the new namespace: a /proc that shows only the sandbox's processes. In the view, the host's
    /proc beneath must not stay reachable (its /proc/PID/root links lead to the host's tree): without a
    private one there is no /proc at all, or no run."""
    if _mount("proc", "/proc", "proc", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC):
        layers.append("private /proc")
    elif view and libc().umount2(b"/proc", MNT_DETACH) != 0:
        os.write(2, b"scorelint sandbox: cannot hide the host's /proc (%s)\n" % _errno().encode())
        os._exit(71)


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


LANDLOCK_READ_ACCESS = (1 << 0) | (1 << 2) | (1 << 3)  # execute, read a file, read a directory (ABI 1)
LANDLOCK_FILE_RIGHTS = (1 << 0) | (1 << 1) | (1 << 2) | (1 << 14) | (1 << 15)  # what a rule on a file may hold


def readable_paths(request) -> list:
    """What a run may read where no bind-only view hides the rest (Landlock): the same folders as the view,
    none of NEVER_WHOLE whole, and a folder that holds a credential folder (the home as a script's folder)
    entry by entry but that one: Landlock only allows, so leaving a folder out means granting its siblings."""
    home = os.path.realpath(request.get("real_home") or "/nonexistent")
    credentials = {os.path.join(home, relative) for relative in CREDENTIAL_PATHS}
    paths = [folder for folder in SYSTEM_FOLDERS + ("/proc",) if os.path.exists(folder)]
    for path in needed_paths(request):
        real = os.path.realpath(path)
        if real not in NEVER_WHOLE or os.path.isfile(real):
            paths += _around(real, credentials)
    return list(dict.fromkeys(paths))


def _around(path: str, hidden: set) -> list:
    """[path], or where it holds one of `hidden` (strictly inside), what it holds but that, recursively."""
    if not any(_under(folder, path) and folder != path for folder in hidden):
        return [path]
    try:
        names = os.listdir(path)
    except OSError:
        return []
    found = []
    for name in names:
        if os.path.join(path, name) not in hidden:
            found += _around(os.path.join(path, name), hidden)
    return found


def restrict_with_landlock(sandbox: str, layers, readable=None, shm: bool = False) -> bool:
    """Writes only under `sandbox` (and to /dev/null and the like; in /dev/shm too when `shm`: a private one),
    no TCP connect or bind, no signals to and no abstract Unix sockets of processes outside; with `readable`,
    reading, listing and executing only there (and in the sandbox folder): for the script and every program
    it starts. The OS layer that still holds where namespaces are refused."""
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

    fs = LANDLOCK_READ_ACCESS if readable is not None else 0
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
    read_file = LANDLOCK_READ_ACCESS & LANDLOCK_FILE_RIGHTS
    try:
        rules = [(sandbox, fs)] + [(device, (LANDLOCK_FILE_WRITE | read_file) & fs) for device in WRITABLE_DEVICES]
        rules += [(device, read_file & fs) for device in ("/dev/random", "/dev/urandom")]
        rules += [("/dev/shm", fs)] if shm else []
        rules += [(path, LANDLOCK_READ_ACCESS & fs) for path in readable or ()]
        for path, allowed in rules:
            try:
                fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                continue
            try:
                if not os.path.isdir("/proc/self/fd/%d" % fd):
                    allowed &= LANDLOCK_FILE_RIGHTS
                if allowed:
                    rule = PathBeneath(allowed, fd)
                    lib.syscall(SYS_LANDLOCK_ADD_RULE, ruleset, 1, ctypes.byref(rule), 0)  # PATH_BENEATH
            finally:
                os.close(fd)
        lib.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
        if lib.syscall(SYS_LANDLOCK_RESTRICT_SELF, ruleset, 0) != 0:
            return False
    finally:
        os.close(ruleset)
    what = ["writes only in the sandbox folder"] + (["reads only in the folders the run needs"] if readable else []) \
        + (["no TCP"] if net else []) + (["no signals or abstract sockets outside"] if scoped else [])
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
