"""Writing a fixed file back safely: atomically, keeping its mode and owner, and never over a file that
changed since it was read."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path


def write_atomically(path: Path, data: bytes, *, expected: bytes | None = None) -> str | None:
    """Write through a temporary file in the same folder and rename it over the original, keeping the
    file's mode (and owner, when allowed): a crash or Ctrl-C leaves either the old file or the new one,
    never half of one. With `expected` (the bytes the fix was computed from), a file that changed in the
    meantime (an editor saved it) is left alone rather than overwritten with a fix of its old content."""
    try:
        st = os.stat(path)
        target = Path(os.path.realpath(path))  # write through a symlink, not over it
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".scorelint-tmp", dir=target.parent)
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
            if expected is not None and target.read_bytes() != expected:
                os.unlink(tmp)
                return "not written: the file changed while scorelint was fixing it (run scorelint again)"
            os.replace(tmp, target)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
    except OSError as exc:
        return f"cannot write fixed file: {exc.strerror or exc}"
    return None
