"""The hostile suite (tests/test_sandbox_hostile.py) again, as an unprivileged user, in the fallback
without namespaces, and in a chroot where the mount namespace cannot be used (tests/isolation_modes.py makes
all three from a root CI job). Every case must hold in
every mode; the counts are printed for the record (pytest -s)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
MODES = os.environ.get("SCORELINT_HOSTILE_MODE")


def _can(mode: str) -> bool:
    if not sys.platform.startswith("linux") or MODES or not shutil.which("unshare") or not shutil.which("setpriv"):
        return False
    if mode == "unprivileged":
        return os.geteuid() == 0  # otherwise the ordinary run already is the unprivileged one
    if mode == "chroot" and (os.geteuid() != 0 or not shutil.which("chroot")):
        return False
    probe = subprocess.run([sys.executable, str(HERE / "isolation_modes.py"), mode, "true"], capture_output=True)
    return probe.returncode == 0


@pytest.mark.parametrize("mode", ["unprivileged", "fallback", "chroot"])
def test_the_hostile_suite_holds(mode):
    if not _can(mode):
        pytest.skip(f"cannot make the {mode} mode here")
    env = dict(os.environ, SCORELINT_HOSTILE_MODE=mode, PYTHONDONTWRITEBYTECODE="1")
    done = subprocess.run([sys.executable, str(HERE / "isolation_modes.py"), mode, "env",
                           *(f"{k}={v}" for k, v in env.items() if k in ("SCORELINT_HOSTILE_MODE", "PYTHONPATH",
                                                                         "PYTHONDONTWRITEBYTECODE")),
                           sys.executable, "-m", "pytest", str(HERE / "test_sandbox_hostile.py"), "-q",
                           "-p", "no:cacheprovider", "-p", "no:randomly", "--rootdir", str(HERE.parent)],
                          capture_output=True, text=True, timeout=900, cwd=HERE.parent, env=env)
    summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
    print(f"hostile suite, {mode}: {summary}")
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    passed = int(re.search(r"(\d+) passed", summary).group(1))
    assert passed >= 25, summary
