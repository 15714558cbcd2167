"""Writing a fixed file back safely: atomically, keeping its mode and owner, never over a file that changed
since it was read, never splitting hard links, and in turns with other scorelint runs."""

from __future__ import annotations

import fcntl
import os
import stat
import tempfile
from pathlib import Path


# What write_atomically says when the file already holds the fixed text: another scorelint run (`--fix` in
# two terminals, or pre-commit and an editor) wrote the same fix first. Not an error, and not our fix.
ALREADY_FIXED = "already fixed by another run"


def write_atomically(path: Path, data: bytes, *, expected: bytes | None = None) -> str | None:
    """Write through a temporary file in the same folder and rename it over the original, keeping the
    file's mode (and owner, when allowed): a crash or Ctrl-C leaves either the old file or the new one,
    never half of one. With `expected` (the bytes the fix was computed from), a file that changed in the
    meantime (an editor saved it) is left alone rather than overwritten with a fix of its old content.

    None: written. Otherwise the one-line reason it was not (or ALREADY_FIXED). A file with several hard
    links is refused: the rename would give this name a new file and leave the other names on the old one.
    A read-only file is refused too, as editors ask before overwriting one."""
    try:
        target = Path(os.path.realpath(path))  # write through a symlink, not over it
        st = os.stat(target)
    except OSError as exc:
        return f"not written: {exc.strerror or exc}"
    if st.st_nlink > 1:
        return (f"not written: the file has {st.st_nlink} hard links, and the write (a new file renamed over it) "
                "would split them; fix a copy, or apply `--diff` with patch")
    if not st.st_mode & stat.S_IWUSR:
        return "not written: the file is read-only"
    try:
        lock = _lock_current(target)
    except OSError as exc:
        return f"not written: {exc.strerror or exc}"
    try:
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".scorelint-tmp", dir=target.parent)
        except OSError as exc:
            return (f"not written: cannot create a file in its folder ({exc.strerror or exc}); a fix is written "
                    "beside the file and renamed over it, so the folder must be writable")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            if (st.st_uid, st.st_gid) != (os.geteuid(), os.getegid()):
                try:  # before chmod: chown clears the set-user-ID bit
                    os.chown(tmp, st.st_uid, st.st_gid)
                except OSError:
                    pass  # not ours to give away: the file becomes the user's own, as after any editor's save
            os.chmod(tmp, stat.S_IMODE(st.st_mode))
            # Last, right before the rename (the window an editor's save can still fall into is this small):
            current = target.read_bytes() if expected is not None else expected
            if current != expected:
                os.unlink(tmp)
                if current == data:
                    return ALREADY_FIXED
                return "not written: the file changed while scorelint was fixing it (run scorelint again)"
            os.replace(tmp, target)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
    except OSError as exc:
        return f"not written: {exc.strerror or exc}"
    finally:
        os.close(lock)
    return None


def _lock_current(target: Path) -> int:
    """An exclusive flock on the file `target` names now, so that concurrent scorelint runs take turns
    between comparing its content and renaming over it. A run that waited holds the lock of a file that
    was meanwhile renamed over: it locks the new one instead."""
    while True:
        fd = os.open(target, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            held, now = os.fstat(fd), os.stat(target)
        except BaseException:
            os.close(fd)
            raise
        if (held.st_dev, held.st_ino) == (now.st_dev, now.st_ino):
            return fd
        os.close(fd)
