"""Running the command line as the two users that matter for files: root (what CI runs as) and an
unprivileged user.

Root overrides file modes (CAP_DAC_OVERRIDE: it can create files in a mode 555 folder), so a "read-only"
case tried as root proves nothing unless those capabilities are dropped: `root` runs scorelint through
`setpriv` without them. `unprivileged` runs it as `nobody` (setpriv to uid/gid 65534) in a folder that
user owns, or, when the tests themselves run unprivileged, as that user.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent
SCORELINT = [str(BIN / "scorelint")] if (BIN / "scorelint").exists() else [sys.executable, "-m", "scorelint"]
NOBODY = 65534
CAPS = "-dac_override,-dac_read_search,-fowner"
USERS = ["root", "unprivileged"]


@dataclass
class User:
    name: str
    prefix: list[str]
    folder: Path  # a folder this user owns, for the files of the test
    uid: int | None  # who the test's files must belong to (None: the tests' own user)

    def write(self, name: str, data: str | bytes) -> Path:
        path = self.folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data if isinstance(data, bytes) else data.encode())
        self.own(path)
        return path

    def own(self, *paths: Path) -> None:
        if self.uid is not None:
            for path in paths:
                if os.path.lexists(path):
                    os.chown(path, self.uid, self.uid, follow_symlinks=False)

    def command(self, *args: str) -> list[str]:
        return [*self.prefix, *SCORELINT, *args]

    def run(self, *args: str, timeout: float = 120, cwd: Path | None = None) -> subprocess.CompletedProcess:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SCORELINT_", "FORCE_COLOR", "CLICOLOR"))}
        env.update(NO_COLOR="1", HOME=str(self.folder))
        return subprocess.run(self.command(*args), cwd=cwd or self.folder, env=env, capture_output=True,
                              timeout=timeout)


def make_user(name: str, tmp_path: Path) -> User:
    setpriv = shutil.which("setpriv")
    if name == "root":
        if os.geteuid() != 0:
            pytest.skip("the tests do not run as root")
        if setpriv is None:
            pytest.skip("setpriv is needed to drop root's override of file modes")
        return User(name, [setpriv, f"--bounding-set={CAPS}", f"--inh-caps={CAPS}"], tmp_path, None)
    if os.geteuid() != 0:
        return User(name, [], tmp_path, None)  # already unprivileged
    if setpriv is None:
        pytest.skip("setpriv is needed to run as an unprivileged user")
    folder = Path(tempfile.mkdtemp(prefix="scorelint-unprivileged-"))  # tmp_path's parents are closed to others
    os.chmod(folder, 0o755)
    os.chown(folder, NOBODY, NOBODY)
    return User(name, [setpriv, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"], folder, NOBODY)


@pytest.fixture(params=USERS)
def user(request, tmp_path):
    made = make_user(request.param, tmp_path)
    yield made
    for path in [made.folder, *made.folder.rglob("*")]:
        if path.is_dir() and not path.is_symlink():
            path.chmod(0o755)
    if made.folder != tmp_path:
        shutil.rmtree(made.folder, ignore_errors=True)
