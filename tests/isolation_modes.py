"""Run a command as the hostile suite's other modes need: as an unprivileged user, or in the fallback
(no namespaces at all), from a CI job that runs as root.

    python tests/isolation_modes.py unprivileged|fallback COMMAND...

- unprivileged: uid/gid 65534 (nobody), no supplementary groups, no capabilities. Folders on the way to
  this interpreter that such a user cannot enter (pyenv under /root) are opened in a private mount
  namespace only: a tmpfs over them, with the needed folder bound back. The only change on the machine
  is a folder under /var/lib that the user owns while the command runs (SCORELINT_HOSTILE_ELSEWHERE:
  where the hostile suite plants what the sandbox must not see, outside /tmp), removed afterwards.
- fallback: a user namespace whose nested user namespaces are capped at 0
  (/proc/sys/user/max_user_namespaces, which is per namespace) and a process without capabilities:
  unshare() of any namespace fails as it does on machines that refuse them, so the sandbox runs on its
  fallback layers (Landlock, the audit hook, the subreaper and the process-tree kill).
- chroot (root only): a chroot whose root is not a mount point: the network and PID namespaces work but no
  mount can be made private or pivoted, so there is no view of the needed folders: the sandbox must say so
  and still keep reads and Unix sockets out of reach (Landlock, seccomp).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile

NOBODY = 65534
HERE = os.path.dirname(os.path.abspath(__file__))


def _closed_ancestors(path: str) -> list[tuple[str, str]]:
    """(closed folder, child on the way) pairs: folders on `path` that others cannot enter."""
    pairs, parts = [], os.path.realpath(path).split("/")[1:]
    for index in range(1, len(parts)):
        folder = "/" + "/".join(parts[:index])
        if not os.stat(folder).st_mode & 0o001:
            pairs.append((folder, "/" + "/".join(parts[:index + 1])))
    return pairs


def unprivileged(command: list[str]) -> int:
    if os.geteuid() != 0:
        return subprocess.call(command)
    needed = {os.path.realpath(sys.executable), os.path.realpath(sys.base_prefix), HERE}
    script = ["set -e"]
    for folder, child in {p for path in needed for p in _closed_ancestors(path)}:
        stage = tempfile.mkdtemp(prefix="scorelint-mode-")
        script += [f"mount --bind '{child}' '{stage}'", f"mount -t tmpfs -o mode=755 tmpfs '{folder}'",
                   f"mkdir -p '{child}'", f"mount --move '{stage}' '{child}'"]
    home = tempfile.mkdtemp(prefix="scorelint-nobody-")
    os.chown(home, NOBODY, NOBODY)
    made = [home]
    elsewhere = ""
    if os.path.isdir("/var/lib"):
        made.append(tempfile.mkdtemp(prefix="scorelint-nobody-", dir="/var/lib"))
        os.chown(made[-1], NOBODY, NOBODY)
        os.chmod(made[-1], 0o755)
        elsewhere = f"SCORELINT_HOSTILE_ELSEWHERE={made[-1]}"
    script.append(f'exec setpriv --reuid={NOBODY} --regid={NOBODY} --clear-groups --inh-caps=-all '
                  f'env HOME={home} TMPDIR={home} XDG_CONFIG_HOME={home}/.config {elsewhere} "$@"')
    try:
        return subprocess.call(["unshare", "--mount", "--propagation", "private", "sh", "-c", "\n".join(script),
                                "sh", *command])
    finally:
        for folder in made:
            shutil.rmtree(folder, ignore_errors=True)


def fallback(command: list[str]) -> int:
    script = ("echo 0 > /proc/sys/user/max_user_namespaces && "
              'exec setpriv --bounding-set=-all --inh-caps=-all "$@"')
    return subprocess.call(["unshare", "--user", "--map-root-user", "sh", "-c", script, "sh", *command])



def chroot(command: list[str]) -> int:
    """As root, in a chroot whose root is not a mount point (the whole system bound into a plain folder):
    namespaces work, but the mount namespace cannot be made private nor pivoted, so the sandbox has no
    view of the needed folders and no read-only mounts, and must say so."""
    if os.geteuid() != 0:
        return 77
    root = tempfile.mkdtemp(prefix="scorelint-chroot-")
    script = ['set -e', 'cd /', 'for entry in /*; do', '  name=$(basename "$entry")',
              '  if [ -L "$entry" ]; then ln -s "$(readlink "$entry")" "$0/$name"',
              '  elif [ -d "$entry" ]; then mkdir -p "$0/$name"; mount --rbind "$entry" "$0/$name"; fi', 'done',
              f'exec chroot "$0" sh -c \'cd "$0" && exec "$@"\' {os.getcwd()!r} "$@"']
    try:
        return subprocess.call(["unshare", "--mount", "--propagation", "private", "sh", "-c", "\n".join(script),
                                root, *command])
    finally:  # links and empty folders only (never rmtree: mounts live only in the private namespace)
        for name in os.listdir(root):
            path = os.path.join(root, name)
            try:
                os.unlink(path) if os.path.islink(path) else os.rmdir(path)
            except OSError:
                pass
        os.rmdir(root)


if __name__ == "__main__":
    mode, command = sys.argv[1], sys.argv[2:]
    sys.exit({"unprivileged": unprivileged, "fallback": fallback, "chroot": chroot}[mode](command))
