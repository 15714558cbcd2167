"""`--fix` never loses code: atomic writes, what a file is made of (mode, owner, line endings, BOM, coding
cookie) kept, fixes that would not parse refused, a file edited meanwhile left alone, and a run killed at any
moment leaves each file either as it was or as fixed, never half written.

Every run is the real command line in its own process. To kill a run in the middle of a write (a window of
microseconds otherwise), `SLOW_WRITER` starts the same `scorelint.cli:main` with file writes slowed down: a
write into the project puts half of its bytes on disk, says so, and sleeps before writing the rest.
"""

from __future__ import annotations

import os
import random
import re
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from scorelint.api import parses

from .privileges import user  # noqa: F401 (a fixture)

BIN = Path(sys.executable).parent
SCORELINT = [str(BIN / "scorelint")] if (BIN / "scorelint").exists() else [sys.executable, "-m", "scorelint"]

# SL010's safe fix rewrites the import on line 2.
FIXABLE = """\
import json
import azureml.contrib.services.aml_response as resp


def init():
    pass


def run(data):
    return resp.AMLResponse(json.loads(data), 200)
"""
FIXED = FIXABLE.replace("azureml.contrib.services.aml_response", "azureml_inference_server_http.api.aml_response")
# SL011's fix inserts whole lines (imports): line endings matter.
NEEDS_IMPORTS = 'def init():\n    global model\n    model = os.getenv("AZUREML_MODEL_DIR")\n\n\ndef run(data):\n' \
                '    return json.loads(data)\n'


def env_for(extra: dict | None = None) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SCORELINT_", "FORCE_COLOR", "CLICOLOR"))}
    env["NO_COLOR"] = "1"
    env.update(extra or {})
    return env


def scorelint(*args: str, cwd: Path, env: dict | None = None, stdin: bytes | None = None,
              timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([*SCORELINT, "--no-cache", *args], cwd=cwd, env=env or env_for(), input=stdin,
                          capture_output=True, timeout=timeout)


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if "scorelint-tmp" in p.name)


def output(done: subprocess.CompletedProcess) -> str:
    return done.stdout.decode() + done.stderr.decode()


# --- atomicity: kill the process in the middle of a write -----------------------------------------------
SLOW_WRITER = textwrap.dedent("""\
    import builtins, io, os, sys, time

    SLOW_DIR = os.path.realpath(os.environ["SLOW_WRITE_DIR"])
    PAUSE = float(os.environ["SLOW_WRITE_SECONDS"])
    real_fdopen, real_open, real_write = os.fdopen, io.open, os.write

    def in_project(fd):
        try:
            return os.path.realpath(os.readlink(f"/proc/self/fd/{fd}")).startswith(SLOW_DIR + os.sep)
        except OSError:
            return False

    class SlowFile:
        def __init__(self, handle):
            self._handle = handle

        def write(self, data):
            half = len(data) // 2
            written = self._handle.write(data[:half])
            self._handle.flush()
            os.fsync(self._handle.fileno())
            name = os.readlink(f"/proc/self/fd/{self._handle.fileno()}")
            sys.stderr.write(f"HALF-WRITTEN {name}\\n")
            sys.stderr.flush()
            time.sleep(PAUSE)
            return written + self._handle.write(data[half:])

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return self._handle.__exit__(*exc)

        def __getattr__(self, name):
            return getattr(self._handle, name)

    def slow(handle, mode):
        if isinstance(handle, SlowFile) or not any(c in mode for c in "wax+"):
            return handle
        return SlowFile(handle) if in_project(handle.fileno()) else handle

    def slow_fdopen(fd, mode="r", *args, **kwargs):  # os.fdopen calls io.open: wrapped once only
        return slow(real_fdopen(fd, mode, *args, **kwargs), mode)

    def slow_open(file, mode="r", *args, **kwargs):
        return slow(real_open(file, mode, *args, **kwargs), mode)

    def slow_write(fd, data):
        if in_project(fd) and len(data) > 1:
            half = len(data) // 2
            written = real_write(fd, data[:half])
            sys.stderr.write(f"HALF-WRITTEN fd {fd}\\n")
            sys.stderr.flush()
            time.sleep(PAUSE)
            return written + real_write(fd, data[half:])
        return real_write(fd, data)

    os.fdopen, io.open, builtins.open, os.write = slow_fdopen, slow_open, slow_open, slow_write

    from scorelint.cli import main

    sys.argv = ["scorelint", *sys.argv[1:]]
    main()
""")


def start_slow(args: list[str], cwd: Path, pause: float = 60) -> subprocess.Popen:
    env = env_for({"SLOW_WRITE_DIR": str(cwd), "SLOW_WRITE_SECONDS": str(pause)})
    return subprocess.Popen([sys.executable, "-c", SLOW_WRITER, "--no-cache", *args], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def wait_for_half_write(process: subprocess.Popen, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        line = process.stderr.readline().decode()
        if not line:
            break
        seen.append(line)
        if line.startswith("HALF-WRITTEN "):
            return line.split(" ", 1)[1].strip()
    process.kill()
    process.wait()
    pytest.fail(f"the run never wrote a file: {''.join(seen)}{process.stdout.read().decode()}")


def test_a_run_killed_in_the_middle_of_a_write_leaves_the_old_file(tmp_path):
    target = tmp_path / "score.py"
    target.write_text(FIXABLE)
    process = start_slow(["--fix", "score.py"], tmp_path)
    written = wait_for_half_write(process)
    process.kill()  # SIGKILL: no cleanup handler runs
    process.wait(timeout=30)

    # The half-written bytes went to a temporary file, never to the script itself.
    assert Path(written).resolve() != target.resolve(), "the script itself was being written in place"
    assert target.read_text() == FIXABLE
    partial = Path(written)
    assert partial.exists() and len(partial.read_bytes()) == len(FIXED.encode()) // 2  # the window was hit
    assert partial.name.startswith(".score.py.") and partial.name.endswith(".scorelint-tmp")

    # The leftover of the killed run is neither checked as a script nor in the way of the next run.
    again = scorelint("--fix", ".", cwd=tmp_path)
    assert again.returncode == 0, output(again)
    assert target.read_text() == FIXED
    assert "scorelint-tmp" not in output(again)


def test_a_file_saved_by_someone_else_during_the_fix_is_not_overwritten(tmp_path):
    target = tmp_path / "score.py"
    target.write_text(FIXABLE)
    process = start_slow(["--fix", "score.py"], tmp_path, pause=3)
    wait_for_half_write(process)
    edited = FIXABLE + "\n# saved from the editor while scorelint was fixing\n"
    target.write_text(edited)  # the user's save lands between scorelint's read and its rename
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 2, stdout.decode() + stderr.decode()
    assert "the file changed while scorelint was fixing it" in stdout.decode() + stderr.decode()
    assert target.read_text() == edited  # the user's edit survives
    assert leftovers(tmp_path) == []


def test_many_files_killed_at_random_moments_are_each_old_or_new(tmp_path):
    """A big run killed (SIGKILL) at random moments, in-process and with worker processes: every file is
    either untouched or completely fixed, and the next run finishes the job."""
    rng = random.Random(20261121)
    for jobs in ("1", "2"):
        project = tmp_path / f"jobs{jobs}"
        project.mkdir()
        originals = {}
        for i in range(80):
            padding = "".join(f"\n\ndef helper_{i}_{k}(x):\n    return x + {k}\n" for k in range(rng.randint(0, 40)))
            text = FIXABLE + padding
            (project / f"s{i:03}_score.py").write_text(text)
            originals[f"s{i:03}_score.py"] = text
        process = subprocess.Popen([*SCORELINT, "--no-cache", "--fix", "-j", jobs, "."], cwd=project,
                                   env=env_for(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # Wait until some files are fixed, then kill at a random moment.
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and process.poll() is None:
            if any((project / n).read_text() != t for n, t in list(originals.items())[:20]):
                break
            time.sleep(0.01)
        time.sleep(rng.uniform(0, 0.5))
        finished_before_kill = process.poll() is not None
        process.kill()
        process.wait(timeout=30)
        states = {"old": 0, "new": 0}
        for name, text in originals.items():
            now = (project / name).read_text()
            expected_new = text.replace("azureml.contrib.services.aml_response",
                                        "azureml_inference_server_http.api.aml_response")
            assert now in (text, expected_new), f"{name} is neither the old nor the fixed file ({len(now)} chars)"
            states["old" if now == text else "new"] += 1
        assert states["new"] > 0
        assert finished_before_kill or states["old"] > 0, f"-j{jobs}: the kill came too late to test anything"
        _assert_no_process_left(project)
        again = scorelint("--fix", "-j", jobs, ".", cwd=project, timeout=300)
        assert again.returncode == 0, output(again)
        for path in project.glob("*.scorelint-tmp"):
            path.unlink()  # a killed run may leave one temporary file per worker behind, never a script
        assert leftovers(project) == []


def _assert_no_process_left(folder: Path, timeout: float = 10) -> None:
    """No process (e.g. an orphaned worker) still runs in `folder` after the main process was killed."""
    deadline = time.monotonic() + timeout
    while True:
        alive = []
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                if os.readlink(f"/proc/{pid}/cwd") == str(folder):
                    with open(f"/proc/{pid}/stat") as handle:
                        if handle.read().split(") ", 1)[1].split()[0] != "Z":
                            alive.append(pid)
            except OSError:
                continue
        if not alive or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert alive == [], f"processes left running in {folder}: {alive}"


# --- what the file is made of ---------------------------------------------------------------------------
def test_inserted_lines_use_the_files_line_endings(tmp_path):
    for name, newline in (("crlf_score.py", "\r\n"), ("cr_score.py", "\r"), ("lf_score.py", "\n")):
        (tmp_path / name).write_bytes(NEEDS_IMPORTS.replace("\n", newline).encode())
    done = scorelint("--fix", "--unsafe-fixes", "crlf_score.py", "cr_score.py", "lf_score.py", cwd=tmp_path)
    assert done.returncode == 0, output(done)
    lf = (tmp_path / "lf_score.py").read_bytes()
    assert b"import os\n" in lf and b"import json\n" in lf
    assert (tmp_path / "crlf_score.py").read_bytes() == lf.replace(b"\n", b"\r\n")
    assert (tmp_path / "cr_score.py").read_bytes() == lf.replace(b"\n", b"\r")
    assert leftovers(tmp_path) == []


def test_mode_owner_bom_and_cookie_are_kept(tmp_path):
    plain = tmp_path / "mode_score.py"
    plain.write_text(FIXABLE)
    plain.chmod(0o2750)  # setgid and an unusual mode
    bom = tmp_path / "bom_score.py"
    bom.write_bytes(b"\xef\xbb\xbf" + FIXABLE.replace("\n", "\r\n").encode())
    cookie = tmp_path / "cookie_score.py"
    cookie.write_bytes(("# -*- coding: latin-1 -*-\n# modèle entraîné\n" + FIXABLE).encode("latin-1"))
    owned = tmp_path / "owned_score.py"
    owned.write_text(FIXABLE)
    if os.geteuid() == 0:
        os.chown(owned, 65534, 65534)  # someone else's file, fixed by root (e.g. in a container)
    done = scorelint("--fix", "mode_score.py", "bom_score.py", "cookie_score.py", "owned_score.py", cwd=tmp_path)
    assert done.returncode == 0, output(done)
    assert plain.read_text() == FIXED
    assert stat.S_IMODE(plain.stat().st_mode) == 0o2750
    assert bom.read_bytes() == b"\xef\xbb\xbf" + FIXED.replace("\n", "\r\n").encode()
    assert cookie.read_bytes() == ("# -*- coding: latin-1 -*-\n# modèle entraîné\n" + FIXED).encode("latin-1")
    assert owned.read_text() == FIXED
    if os.geteuid() == 0:
        assert (owned.stat().st_uid, owned.stat().st_gid) == (65534, 65534)
    assert leftovers(tmp_path) == []


def test_nothing_to_fix_writes_nothing(tmp_path):
    target = tmp_path / "score.py"
    target.write_text(FIXED)
    before = target.stat()
    done = scorelint("--fix", "score.py", cwd=tmp_path)
    assert done.returncode == 0, output(done)
    after = target.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


# --- a fix that would not parse -------------------------------------------------------------------------
BROKEN_RULE = textwrap.dedent('''\
    """A rule pack whose fix breaks the file: the engine must refuse it."""

    from scorelint.model import Severity
    from scorelint.rule import ANY_SCRIPT, Invalid, Rule, Valid


    class BreaksTheFile(Rule):
        """Flags the name BROKEN; its fix leaves an unclosed parenthesis.

        ## What it does
        Nothing useful: it exists to test that scorelint refuses fixes that break a file.

        ## Why is this bad?
        A fix that does not parse would destroy the user's script.

        ## Example
        ```python
        BROKEN = 1
        ```

        ## Use instead
        ```python
        FINE = 1
        ```
        """

        code = "SL990"
        name = "breaks-the-file"
        severity = Severity.WARNING
        contract = "none: a test rule"
        kinds = ANY_SCRIPT
        VALID = [Valid("FINE = 1\\n")]
        INVALID = [Invalid("BROKEN = 1\\n", fixed="BROKEN = (1\\n")]

        def visit_Name(self, node):
            if node.value == "BROKEN":
                self.report(node, "BROKEN is broken.", fix=self.fix("Break the file", self.replace(node, "BROKEN = (")))


    RULES = [BreaksTheFile]
''')


@pytest.fixture
def broken_rule_pack(tmp_path) -> dict:
    """A real rule pack, registered the way an installed one is (entry point in its dist-info)."""
    site = tmp_path / "site"
    (site / "broken_rules-0.1.dist-info").mkdir(parents=True)
    (site / "broken_rules.py").write_text(BROKEN_RULE)
    (site / "broken_rules-0.1.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: broken-rules\nVersion: 0.1\n")
    (site / "broken_rules-0.1.dist-info" / "entry_points.txt").write_text(
        "[scorelint.rules]\nbroken = broken_rules:RULES\n")
    return env_for({"PYTHONPATH": str(site)})


def test_a_fix_that_would_not_parse_is_refused_and_reported(tmp_path, broken_rule_pack):
    project = tmp_path / "project"
    project.mkdir()
    source = FIXABLE + "\nBROKEN = 1\n"
    target = project / "score.py"
    target.write_text(source)
    done = scorelint("--fix", "score.py", cwd=project, env=broken_rule_pack)
    assert done.returncode == 2, output(done)
    assert "SL990" in output(done) and "would not parse" in output(done), output(done)
    fixed = target.read_text()
    assert fixed == FIXED + "\nBROKEN = 1\n"  # the good fix applied, the breaking one refused
    assert parses(fixed)
    assert leftovers(project) == []

    # --diff shows only what would really be written; `--fix -` prints a file that parses.
    target.write_text(source)
    diff = scorelint("--diff", "score.py", cwd=project, env=broken_rule_pack)
    assert "+import azureml_inference_server_http.api.aml_response as resp" in diff.stdout.decode()
    assert "BROKEN = (" not in diff.stdout.decode()
    assert target.read_text() == source
    piped = scorelint("--fix", "-", "--stdin-filename", "score.py", cwd=project, env=broken_rule_pack,
                      stdin=source.encode())
    assert piped.stdout.decode() == FIXED + "\nBROKEN = 1\n"
    assert piped.returncode == 2


def test_only_breaking_fixes_leave_the_file_untouched(tmp_path, broken_rule_pack):
    target = tmp_path / "score.py"
    source = "def init():\n    pass\n\n\ndef run(data):\n    return data\n\nBROKEN = 1\n"
    target.write_text(source)
    before = target.stat()
    done = scorelint("--fix", "--select", "SL990", "score.py", cwd=tmp_path, env=broken_rule_pack)
    assert done.returncode == 2, output(done)
    assert "would not parse" in output(done)
    assert target.read_text() == source
    assert target.stat().st_mtime_ns == before.st_mtime_ns
    assert leftovers(tmp_path) == []


# --- what --fix reports when it cannot write, as root and as an unprivileged user (issue 16, item 11) ------
def _fixed_count(done: subprocess.CompletedProcess) -> int:
    match = re.search(r"^Fixed (\d+) findings?\.$", done.stdout.decode(), re.M)
    return int(match.group(1)) if match else 0


def _assert_one_reason(done: subprocess.CompletedProcess, reason: str) -> None:
    stdout, stderr = done.stdout.decode(), done.stderr.decode()
    assert done.returncode == 2, stdout + stderr
    assert stderr == f"scorelint: error: score.py: not written: {reason}\n", stderr
    assert "Fixed" not in stdout and "internal error" not in stdout and "Traceback" not in stdout + stderr
    # What is reported is the file as it is on disk: its fixable finding is still there, marked [*].
    assert "score.py:2:8: SL010 [contrib-submodule-import]" in stdout and stdout.count("[*]") == 2, stdout


def test_fix_in_a_read_only_folder_writes_nothing_and_says_why(user):
    target = user.write("score.py", FIXABLE)
    user.folder.chmod(0o555)
    try:
        done = user.run("--no-cache", "--fix", "score.py")
    finally:
        user.folder.chmod(0o755)
    _assert_one_reason(done, "cannot create a file in its folder (Permission denied); a fix is written beside "
                             "the file and renamed over it, so the folder must be writable")
    assert target.read_text() == FIXABLE and leftovers(user.folder) == []


def test_fix_of_a_read_only_file_writes_nothing_and_says_why(user):
    target = user.write("score.py", FIXABLE)
    target.chmod(0o444)
    done = user.run("--no-cache", "--fix", "score.py")
    _assert_one_reason(done, "the file is read-only")
    assert target.read_text() == FIXABLE and stat.S_IMODE(target.stat().st_mode) == 0o444


def test_fix_of_a_hard_linked_file_keeps_the_link_by_refusing(user):
    target = user.write("score.py", FIXABLE)
    other = user.folder / "deploy_copy.txt"
    os.link(target, other)
    done = user.run("--no-cache", "--fix", "score.py")
    _assert_one_reason(done, "the file has 2 hard links, and the write (a new file renamed over it) would split "
                             "them; fix a copy, or apply `--diff` with patch")
    assert os.path.samefile(target, other) and target.read_text() == FIXABLE


def test_two_concurrent_fix_runs_each_report_only_what_they_wrote(user):
    """`--fix -j 4` twice at once (two terminals, or pre-commit beside an editor): no internal error, every
    file fixed once, and the two runs' "Fixed" counts add up to the fixes written, not more."""
    names = [f"s{i:03}_score.py" for i in range(160)]
    for name in names:
        user.write(name, FIXABLE + "".join(f"\n\ndef helper_{k}(x):\n    return x + {k}\n" for k in range(30)))
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCORELINT_")}
    env.update(NO_COLOR="1", HOME=str(user.folder))
    runs = [subprocess.Popen(user.command("--no-cache", "--fix", "-j", "4", "."), cwd=user.folder, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
    done = [subprocess.CompletedProcess(r.args, r.wait(timeout=300), *r.communicate(timeout=60)) for r in runs]
    for result in done:
        assert result.returncode == 0, output(result)
        assert result.stderr == b"" and b"internal error" not in result.stdout, output(result)
    assert sum(_fixed_count(result) for result in done) == len(names), [output(r)[-200:] for r in done]
    for name in names:
        assert (user.folder / name).read_text().startswith(FIXED)
    assert leftovers(user.folder) == []
