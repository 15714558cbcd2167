"""Bad input on the command line: the real `scorelint` console script, one bad input next to a good script.

For each bad input: one clear one-line message on standard error, exit status 2 (or the ordinary result when
the input is fine Python, such as a BOM or a declared encoding), no traceback, and the other script still
checked and reported. Every case also runs under a timeout: a linter that hangs on a FIFO or spends minutes
(and gigabytes) on a 10 MB file fails here too.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest

from .privileges import user  # noqa: F401 (a fixture)

BIN = Path(sys.executable).parent
SCORELINT = [str(BIN / "scorelint")] if (BIN / "scorelint").exists() else [sys.executable, "-m", "scorelint"]

# The other script: one finding (SL208 print-in-run at 6:5), so its report proves it was checked.
OTHER = "import logging\n\ndef init():\n    pass\n\ndef run(data):\n    print(len(data))\n    return data\n"
OTHER_LINE = "other_score.py:7:5: SL208 [print-in-run]"
GOOD = "def init():\n    pass\n\n\ndef run(data):\n    return data\n"


def run(args: list[str], cwd: Path, *, timeout: float = 60, preexec=None, stdin: bytes | None = None,
        extra_env: dict | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SCORELINT_", "FORCE_COLOR", "CLICOLOR"))}
    env.update({"NO_COLOR": "1", **(extra_env or {})})
    try:
        return subprocess.run([*SCORELINT, "--no-cache", *args], cwd=cwd, env=env, input=stdin,
                              capture_output=True, text=False, timeout=timeout, preexec_fn=preexec)
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"scorelint {' '.join(args)} did not finish within {timeout} s (a hang on bad input)\n"
                    f"stdout: {exc.stdout!r}\nstderr: {exc.stderr!r}")


def text(stream: bytes) -> str:
    return stream.decode("utf-8", "replace")


def error_lines(done: subprocess.CompletedProcess) -> list[str]:
    return [line for line in text(done.stderr).splitlines() if line.strip()]


def assert_sane(done: subprocess.CompletedProcess) -> None:
    stderr = text(done.stderr)
    assert done.returncode in (0, 1, 2), f"exit {done.returncode} (killed by a signal?)\n{stderr}"
    assert "Traceback" not in stderr and "Traceback" not in text(done.stdout), stderr


# --- the matrix -------------------------------------------------------------------------------------------
@dataclass
class Case:
    id: str
    make: Callable[[Path], str]  # builds the bad input in the folder, returns the path to give on the command line
    status: int = 2
    message: str | None = None  # a piece of the one-line message on standard error (None: no message at all)
    timeout: float = 60


def _write(folder: Path, name: str, data: bytes | str) -> str:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return name


def _non_utf8(folder: Path) -> str:
    return _write(folder, "bad_score.py", GOOD.encode() + b'\nGREETING = "caf\xe9"\n')


def _nul(folder: Path) -> str:
    return _write(folder, "bad_score.py", GOOD.encode().replace(b"pass", b"pass\x00"))


def _bom(folder: Path) -> str:
    return _write(folder, "bad_score.py", b"\xef\xbb\xbf" + GOOD.encode())


def _bom_with_finding(folder: Path) -> str:
    # The BOM is not a column: the finding is where an editor shows it.
    return _write(folder, "bad_score.py", b"\xef\xbb\xbf" + OTHER.encode())


def _latin1_cookie(folder: Path) -> str:
    source = "# -*- coding: latin-1 -*-\n" + GOOD + 'GREETING = "café"\n'
    return _write(folder, "bad_score.py", source.encode("latin-1"))


def _unknown_encoding(folder: Path) -> str:
    return _write(folder, "bad_score.py", b"# -*- coding: klingon -*-\n" + GOOD.encode())


def _utf16_cookie(folder: Path) -> str:
    # CPython refuses it ("encoding problem: utf-16"); decoding ASCII bytes as UTF-16 gave garbage to lint.
    return _write(folder, "bad_score.py", b"# -*- coding: utf-16 -*-\n" + GOOD.encode())


def _bom_and_other_cookie(folder: Path) -> str:
    return _write(folder, "bad_score.py", b"\xef\xbb\xbf# -*- coding: latin-1 -*-\n" + GOOD.encode())


def _ten_megabytes(folder: Path) -> str:
    body = "".join(f"def helper_{i}(data):\n    return {{'value': data['x{i}'] * {i}}}\n\n\n" for i in range(160_000))
    assert len(body) > 10_000_000
    return _write(folder, "bad_score.py", GOOD + body)


def _ten_megabyte_string(folder: Path) -> str:
    return _write(folder, "bad_score.py", GOOD + 'MODEL = "' + "QUJD" * 2_600_000 + '"\n')


def _deep_operator_chain(folder: Path) -> str:
    # 200,000 additions: Python itself gives up (RecursionError while compiling).
    return _write(folder, "bad_score.py", GOOD + "TOTAL = " + " + ".join(["1"] * 200_000) + "\n")


def _deep_brackets(folder: Path) -> str:
    # 50,000 nested parentheses: CPython refuses more than 200 (a SyntaxError, reported as SL001);
    # libcst's parser would overflow its stack (SIGSEGV) from about 2,000.
    return _write(folder, "bad_score.py", GOOD + "X = " + "(" * 50_000 + "1" + ")" * 50_000 + "\n")


def _deep_open_brackets(folder: Path) -> str:
    return _write(folder, "bad_score.py", GOOD + "X = " + "[" * 5_000 + "\n")


def _long_and_chain(folder: Path) -> str:
    # Valid Python (CPython keeps `and` flat), but libcst nests it: 30,000 levels need a big stack.
    return _write(folder, "bad_score.py", GOOD + "OK = " + " and ".join(["True"] * 30_000) + "\n")


def _long_elif_chain(folder: Path) -> str:
    branches = "".join(f"    elif data == {i}:\n        return {i}\n" for i in range(1, 1500))
    return _write(folder, "bad_score.py", "def init():\n    pass\n\n\ndef run(data):\n    if data == 0:\n"
                  f"        return 0\n{branches}    return data\n")


def _deep_indentation(folder: Path) -> str:
    nested = "".join(" " * (4 * i) + "if True:\n" for i in range(1, 120)) + " " * 480 + "pass\n"
    return _write(folder, "bad_score.py", "def init():\n" + nested + "\n\ndef run(data):\n    return data\n")


def _empty(folder: Path) -> str:
    return _write(folder, "bad_score.py", b"")


def _only_whitespace(folder: Path) -> str:
    return _write(folder, "bad_score.py", b"\n\n   \n\t\n\x0c\n")


def _no_final_newline(folder: Path) -> str:
    return _write(folder, "bad_score.py", "def init(model_path):\n    pass\n\ndef run(data):\n    return data")


def _empty_directory_named_like_a_script(folder: Path) -> str:
    (folder / "bad_score.py").mkdir()
    return "bad_score.py"


def _missing(folder: Path) -> str:
    return "missing_score.py"


def _broken_symlink(folder: Path) -> str:
    (folder / "bad_score.py").symlink_to("nowhere_score.py")
    return "bad_score.py"


def _symlink_loop(folder: Path) -> str:
    (folder / "bad_score.py").symlink_to("loop_score.py")
    (folder / "loop_score.py").symlink_to("bad_score.py")
    return "bad_score.py"


def _fifo(folder: Path) -> str:
    os.mkfifo(folder / "bad_score.py")  # nobody ever writes to it: reading it would block forever
    return "bad_score.py"


def _device(folder: Path) -> str:
    return "/dev/zero"  # endless: reading it would never finish


def _syntax_error(folder: Path) -> str:
    return _write(folder, "bad_score.py", "def init(:\n    pass\n")


def _mixed_line_endings(folder: Path) -> str:
    return _write(folder, "bad_score.py", b"def init():\r\n    pass\r\rdef run(data):\n    print(len(data))\r\n    return data")


def _lone_surrogate_escape(folder: Path) -> str:
    return _write(folder, "bad_score.py", GOOD.encode() + b'X = "\\ud800"\nY = "\xed\xa0\x80"\n')


CASES = [
    Case("non-utf8-bytes", _non_utf8, message="bad_score.py: cannot decode file: line 8, column 16: byte 0xe9 is not "
         "valid utf-8"),
    Case("nul-byte", _nul, message="bad_score.py: cannot decode file: the file contains a NUL byte"),
    Case("utf8-bom", _bom, status=1, message=None),
    Case("utf8-bom-finding-column", _bom_with_finding, status=1, message=None),
    Case("latin1-coding-cookie", _latin1_cookie, status=1, message=None),
    Case("unknown-coding-cookie", _unknown_encoding, message="bad_score.py: cannot decode file: unknown encoding: "
         "klingon"),
    Case("utf16-coding-cookie", _utf16_cookie, message="bad_score.py: cannot decode file: encoding problem: "
         "utf-16"),
    Case("bom-and-latin1-cookie", _bom_and_other_cookie, message="bad_score.py: cannot decode file: the file starts "
         "with a UTF-8 byte order mark but its coding comment declares another encoding"),
    Case("ten-megabyte-script", _ten_megabytes, message="bad_score.py: the file is too large to check (11.5 million "
         "characters; scorelint stops at 1 million)", timeout=60),
    Case("ten-megabyte-string", _ten_megabyte_string, message="bad_score.py: the file is too large to check",
         timeout=60),
    Case("operator-chain-beyond-python", _deep_operator_chain, message="bad_score.py: Python cannot compile this "
         "file: its expressions are nested too deeply"),
    Case("fifty-thousand-parentheses", _deep_brackets, status=1, message=None),
    Case("five-thousand-open-brackets", _deep_open_brackets, status=1, message=None),
    Case("thirty-thousand-and-chain", _long_and_chain, status=1, message=None),
    Case("long-elif-chain", _long_elif_chain, status=1, message=None),
    Case("indentation-beyond-python", _deep_indentation, status=1, message=None),
    Case("empty-file", _empty, status=1, message=None),
    Case("whitespace-only-file", _only_whitespace, status=1, message=None),
    Case("no-final-newline", _no_final_newline, status=1, message=None),
    Case("syntax-error", _syntax_error, status=1, message=None),
    Case("mixed-line-endings", _mixed_line_endings, status=1, message=None),
    Case("surrogates", _lone_surrogate_escape, message="bad_score.py: cannot decode file: line 8, column 6: byte "
         "0xed is not valid utf-8"),
    Case("empty-directory-named-like-a-script", _empty_directory_named_like_a_script,
         message="bad_score.py: is an empty directory, not a Python file"),
    Case("missing-path", _missing, message="missing_score.py: no such file or directory"),
    Case("broken-symlink", _broken_symlink, message="bad_score.py: broken symbolic link"),
    Case("symlink-loop", _symlink_loop, message="bad_score.py: symbolic link loop"),
    Case("fifo", _fifo, message="bad_score.py: is a named pipe (FIFO), not a regular file", timeout=30),
    Case("device", _device, message="/dev/zero: is a device, not a regular file", timeout=30),
]

# What each of the accepted inputs must report for itself (besides the other script's finding).
OWN_FINDINGS = {
    "utf8-bom": [],
    "utf8-bom-finding-column": ["bad_score.py:7:5: SL208 [print-in-run]"],  # not 7:6: the BOM is no column
    "latin1-coding-cookie": [],
    "fifty-thousand-parentheses": ["SL001 [syntax-error] SyntaxError: too many nested parentheses"],
    "five-thousand-open-brackets": ["SL001 [syntax-error] SyntaxError: too many nested parentheses"],
    "thirty-thousand-and-chain": [],
    "long-elif-chain": [],
    "indentation-beyond-python": ["SL001 [syntax-error] SyntaxError: too many levels of indentation"],
    "empty-file": ["bad_score.py:1:1: SL002 [missing-init]", "bad_score.py:1:1: SL003 [missing-run]"],
    "whitespace-only-file": ["bad_score.py:1:1: SL002 [missing-init]", "bad_score.py:1:1: SL003 [missing-run]"],
    "no-final-newline": ["bad_score.py:1:10: SL004 [init-required-params]"],
    "syntax-error": ["bad_score.py:1:10: SL001 [syntax-error]"],
    "mixed-line-endings": ["bad_score.py:5:5: SL208 [print-in-run]"],
}


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_is_reported_and_the_other_script_still_checked(tmp_path, case):
    _write(tmp_path, "other_score.py", OTHER)
    bad = case.make(tmp_path)
    done = run([bad, "other_score.py"], tmp_path, timeout=case.timeout)
    assert_sane(done)
    stdout = text(done.stdout)
    errors = error_lines(done)
    assert done.returncode == case.status, f"exit {done.returncode}\nstdout: {stdout}\nstderr: {errors}"
    if case.message is None:
        assert errors == [], errors
    else:
        assert len(errors) == 1, f"expected one line on standard error, got {errors}"
        assert errors[0].startswith(f"scorelint: error: {case.message}"), errors[0]
        assert len(errors[0]) < 300, f"not a one-line message: {errors[0]}"
    assert OTHER_LINE in stdout, f"the other script was not reported:\n{stdout}"
    for expected in OWN_FINDINGS.get(case.id, []):
        assert expected in stdout, f"missing {expected!r} in:\n{stdout}"
    if case.id in OWN_FINDINGS:
        own = [line for line in stdout.splitlines() if line.startswith("bad_score.py:")]
        assert len(own) == len(OWN_FINDINGS[case.id]), own


# --- unreadable files: root reads everything, so drop the capability that lets it ---------------------------
def _without_read_override():
    """A preexec function that makes chmod 000 mean unreadable even for root (capabilities dropped)."""
    if os.geteuid() != 0:
        return None
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: root can read a chmod 000 file")
    return setpriv


def test_unreadable_file(tmp_path):
    _write(tmp_path, "other_score.py", OTHER)
    locked = tmp_path / "bad_score.py"
    locked.write_text(GOOD)
    locked.chmod(0)
    setpriv = _without_read_override()
    prefix = [setpriv, "--bounding-set=-dac_override,-dac_read_search",
              "--inh-caps=-dac_override,-dac_read_search"] if setpriv else []
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCORELINT_")}
    try:
        done = subprocess.run([*prefix, *SCORELINT, "--no-cache", "bad_score.py", "other_score.py"], cwd=tmp_path,
                              env=env, capture_output=True, timeout=60)
    finally:
        locked.chmod(0o644)
    assert_sane(done)
    assert done.returncode == 2
    assert error_lines(done) == ["scorelint: error: bad_score.py: cannot read file: Permission denied"]
    assert OTHER_LINE in text(done.stdout)


def test_unreadable_folder_is_reported_and_the_rest_of_the_tree_checked(tmp_path):
    _write(tmp_path, "project/other_score.py", OTHER)
    _write(tmp_path, "project/locked/score.py", GOOD)
    (tmp_path / "project/locked").chmod(0)
    setpriv = _without_read_override()
    prefix = [setpriv, "--bounding-set=-dac_override,-dac_read_search",
              "--inh-caps=-dac_override,-dac_read_search"] if setpriv else []
    try:
        done = subprocess.run([*prefix, *SCORELINT, "--no-cache", "project"], cwd=tmp_path,
                              capture_output=True, timeout=60)
    finally:
        (tmp_path / "project/locked").chmod(0o755)
    assert_sane(done)
    assert done.returncode == 2
    assert error_lines(done) == ["scorelint: error: project/locked: cannot read folder: Permission denied"]
    assert "project/" + OTHER_LINE in text(done.stdout)


# --- configuration and options ----------------------------------------------------------------------------
def test_broken_pyproject_is_reported_once_and_other_folders_checked(tmp_path):
    _write(tmp_path, "broken/pyproject.toml", "[tool.scorelint\nselect = [\n")
    _write(tmp_path, "broken/a_score.py", OTHER)
    _write(tmp_path, "broken/b_score.py", OTHER)
    _write(tmp_path, "fine/other_score.py", OTHER)
    done = run(["broken/a_score.py", "broken/b_score.py", "fine/other_score.py"], tmp_path)
    assert_sane(done)
    assert done.returncode == 2
    errors = error_lines(done)
    assert len(errors) == 1, errors  # one message for the configuration, not one per file
    assert errors[0].startswith("scorelint: error: ") and "pyproject.toml: invalid TOML" in errors[0], errors
    assert "fine/" + OTHER_LINE in text(done.stdout)
    assert "broken/" not in text(done.stdout)  # files under a broken configuration are not checked with a guess


def test_pyproject_with_wrong_types(tmp_path):
    _write(tmp_path, "pyproject.toml", "[tool.scorelint]\nselect = 3\n")
    _write(tmp_path, "other_score.py", OTHER)
    done = run(["other_score.py"], tmp_path)
    assert_sane(done)
    assert done.returncode == 2
    errors = error_lines(done)
    assert len(errors) == 1 and "select must be a list of strings" in errors[0], errors


def test_pyproject_that_is_not_text(tmp_path):
    _write(tmp_path, "pyproject.toml", b"\xff\xfe[tool.scorelint]\x00\n")
    _write(tmp_path, "other_score.py", OTHER)
    done = run(["other_score.py"], tmp_path)
    assert_sane(done)
    assert done.returncode == 2
    errors = error_lines(done)
    assert len(errors) == 1 and "pyproject.toml" in errors[0], errors


@pytest.mark.parametrize("selector", ["SL999", "no-such-rule", "XY1"])
def test_unknown_rule_in_select(tmp_path, selector):
    """The selection concerns every file, so an unknown selector stops the run (as ruff does) rather than
    checking with a selection the user did not ask for."""
    _write(tmp_path, "other_score.py", OTHER)
    done = run(["--select", f"SL208,{selector}", "other_score.py"], tmp_path)
    assert_sane(done)
    assert done.returncode == 2
    errors = error_lines(done)
    assert len(errors) == 1, errors
    assert errors[0].startswith(f"scorelint: error: unknown rule selector '{selector}'"), errors


def test_undecodable_standard_input(tmp_path):
    done = run(["-", "--stdin-filename", "score.py"], tmp_path, stdin=b"def init():\n    x = '\xff'\n")
    assert_sane(done)
    assert done.returncode == 2
    assert error_lines(done) == ["scorelint: error: score.py: cannot decode input: line 2, column 10: byte 0xff is "
                                 "not valid utf-8 (save the file as UTF-8, or declare its encoding in a "
                                 "`# -*- coding: ... -*-` comment on line 1 or 2)"]


def test_a_folder_holding_fifos_devices_and_loops_is_walked_without_hanging(tmp_path):
    project = tmp_path / "project"
    _write(project, "other_score.py", OTHER)
    os.mkfifo(project / "pipe_score.py")
    os.mkfifo(project / "pipe.py")  # not named like a script: discovery would read it to look for init/run
    (project / "loop_score.py").symlink_to("loop2_score.py")
    (project / "loop2_score.py").symlink_to("loop_score.py")
    (project / "sub").mkdir()
    (project / "sub" / "up").symlink_to("..")  # a folder loop
    done = run(["project"], tmp_path, timeout=30)
    assert_sane(done)
    assert done.returncode == 1, text(done.stderr)
    assert text(done.stdout).count(OTHER_LINE) == 1


def test_many_bad_inputs_in_one_run(tmp_path):
    """All the bad inputs at once: each reported on its own line, the good script still checked."""
    messages = []
    names = []
    for case in CASES:
        if case.message is None or case.id.startswith("ten-megabyte"):
            continue
        folder = tmp_path / case.id
        folder.mkdir()
        bad = case.make(folder)
        names.append(bad if bad.startswith("/") else f"{case.id}/{bad}")
        messages.append(case.message)
    _write(tmp_path, "other_score.py", OTHER)
    done = run([*names, "other_score.py"], tmp_path, timeout=120)
    assert_sane(done)
    assert done.returncode == 2
    errors = error_lines(done)
    assert len(errors) == len(names), "\n".join(errors)
    assert OTHER_LINE in text(done.stdout)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_interrupted_run_exits_quietly(tmp_path, jobs):
    """Ctrl-C during a long run (the terminal signals the whole process group, workers included): one
    line, no traceback, the conventional status 130 (not 1, which means findings), nothing left running.
    The files nest deeply enough to be linted on the big-stack thread: lowering the recursion limit under
    it when the main thread was interrupted used to be a fatal error ("Cannot recover from stack
    overflow")."""
    for i in range(40):
        _write(tmp_path, f"s{i}_score.py", GOOD + "OK = " + " and ".join(["True"] * 4_000) + "\n")
    process = subprocess.Popen([*SCORELINT, "--no-cache", "-j", jobs, "."], cwd=tmp_path, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, start_new_session=True)
    try:
        process.wait(timeout=2)
        pytest.fail("the run finished before it could be interrupted; make the corpus bigger")
    except subprocess.TimeoutExpired:
        pass
    os.killpg(process.pid, signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, (process.returncode, stderr.decode()[-2000:])
    assert stderr.decode() == "scorelint: interrupted\n"
    time.sleep(0.5)
    with pytest.raises(ProcessLookupError):
        os.killpg(process.pid, 0)  # no process of the group (no worker) is left


# --- file names that are not UTF-8 (issue 16, item 9) -----------------------------------------------------
FORMATS = ["full", "concise", "json", "sarif", "github", "azure"]
# How each format writes the name b"bad_score\xe9.py": as the OS gives it where the format is bytes (the text
# formats, like ls and compilers), as a visible escape where it must be valid UTF-8, percent-encoded in a URI.
SHOWN = {"full": b"bad_score\xe9.py:1:10:", "concise": b"bad_score\xe9.py:1:10:", "json": b'"bad_score\\\\xe9.py"',
         "sarif": b'"uri": "bad_score%E9.py"', "github": b"file=bad_score\\xe9.py,line=1",
         "azure": b"sourcepath=bad_score\\xe9.py;linenumber=1"}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("how", ["named", "folder", "stdin-filename"])
def test_a_file_name_that_is_not_utf8_is_printed_in_every_format(tmp_path, fmt, how):
    _write(tmp_path, "other_score.py", OTHER)
    name = os.fsdecode(b"bad_score\xe9.py")
    bad = "def init(model_path):\n    pass\n\n\ndef run(data):\n    return data\n"
    if how == "stdin-filename":
        done = run(["--output-format", fmt, "-", "--stdin-filename", name, "other_score.py"], tmp_path,
                   stdin=bad.encode())
    else:
        (tmp_path / name).write_text(bad)
        done = run(["--output-format", fmt, *([name, "other_score.py"] if how == "named" else ["."])], tmp_path)
    assert_sane(done)
    assert done.returncode == 1, text(done.stderr)
    assert error_lines(done) == []
    assert SHOWN[fmt] in done.stdout, done.stdout[-3000:]
    assert b"other_score.py" in done.stdout
    if fmt in ("json", "sarif"):
        import json

        json.loads(done.stdout)  # still valid JSON (and so valid UTF-8)


# --- a hostile result cache (issue 16, item 12), as root and as an unprivileged user ------------------------
def _plant_fifo(entry: Path, user, original: str) -> None:
    os.mkfifo(entry)  # nobody writes to it: opening it for reading would block forever


def _plant_link_to_zero(entry: Path, user, original: str) -> None:
    entry.symlink_to("/dev/zero")  # endless: read whole, it ate 24 GB


def _plant_link_to_secret(entry: Path, user, original: str) -> None:
    # A valid entry whose message is a secret: followed, the link would print it as a finding.
    secret = user.write("secret.json", re.sub(r'"message": "[^"]*"', '"message": "the key is hunter2"', original))
    entry.symlink_to(secret)


def _plant_nested_brackets(entry: Path, user, original: str) -> None:
    entry.write_text("[" * 200_000)


def _plant_wrong_types(entry: Path, user, original: str) -> None:
    entry.write_text('{"path": 3, "diagnostics": [{"code": null, "range": "x", "fix": 7}]}')


def _plant_directory(entry: Path, user, original: str) -> None:
    entry.mkdir()


def _plant_link_in_place_of_the_shard(entry: Path, user, original: str) -> None:
    elsewhere = user.folder / "elsewhere"
    elsewhere.mkdir()
    user.own(elsewhere)
    shutil.rmtree(entry.parent)
    entry.parent.symlink_to(elsewhere)


PLANTS = [_plant_fifo, _plant_link_to_zero, _plant_link_to_secret, _plant_nested_brackets, _plant_wrong_types,
          _plant_directory, _plant_link_in_place_of_the_shard]


@pytest.mark.parametrize("plant", PLANTS, ids=[p.__name__.removeprefix("_plant_") for p in PLANTS])
def test_a_planted_cache_entry_is_a_miss_never_a_hang_or_a_read(user, plant):
    """The cache folder is read as someone else's: an entry that is a FIFO, a link (to /dev/zero, to a
    secret, in place of a shard folder), a directory or damaged JSON is recomputed; the run neither hangs
    nor prints what a link points at, and the entry's folder gets nothing written through a link."""
    user.write("project/score.py", OTHER)
    cache = user.folder / "cache"
    cache.mkdir()
    user.own(cache)
    first = user.run("--cache-dir", str(cache), "project", timeout=60)
    assert first.returncode == 1, text(first.stderr)
    (entry,) = [p for p in cache.rglob("*.json") if not p.name.startswith("rule-packages-")]
    original = entry.read_text()
    entry.unlink()
    plant(entry, user, original)
    user.own(entry, entry.parent)
    again = user.run("--cache-dir", str(cache), "project", timeout=30)
    assert_sane(again)
    assert (again.returncode, again.stdout) == (1, first.stdout), text(again.stderr)
    assert b"hunter2" not in again.stdout + again.stderr
    assert not (user.folder / "elsewhere").exists() or list((user.folder / "elsewhere").iterdir()) == []
