"""Reading files that someone else may have planted: the sandbox's folder, the result cache.

A FIFO blocks the reader forever, a device such as /dev/zero never ends, and a symbolic link can point at a
file the planter could not read (a key under ~/.ssh) or at one of those. So such files are opened without
following a link and without blocking, checked to be regular files on the open descriptor (no race between
a check and the open), and read up to a bound.
"""

from __future__ import annotations

import os
import stat


def read_untrusted(path: str | os.PathLike, limit: int) -> bytes | None:
    """At most `limit` bytes of `path` if it is a regular file reached without following a link; never
    blocks (a FIFO or a device planted there is not read). None: absent, or not a regular file."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        chunks, left = [], limit
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(fd)


def read_untrusted_whole(path: str | os.PathLike, limit: int) -> bytes | None:
    """The whole of a regular file read as `read_untrusted` does, or None when it is larger than `limit`
    (a truncated cache entry is worth nothing)."""
    data = read_untrusted(path, limit + 1)
    return data if data is not None and len(data) <= limit else None
