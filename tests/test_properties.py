"""Property-based tests of the engine: whatever the program, scorelint answers and never corrupts it.

Programs come from three generators:

- hypothesmith's grammar-based generator: odd but valid Python that no one would write by hand;
- entry-script-shaped programs assembled from fragments of the real scripts in this repository (the rules'
  examples, examples/, the test fixtures): their imports, decorators (schemas, rawhttp), init/run bodies,
  try/except and if/with blocks, parameters, suppression comments, then optionally mutated line by line
  (lines deleted, duplicated, swapped, re-indented, truncated, CRLF, non-ASCII text) so broken and
  half-typed scripts are covered too;
- bytes as they may be on disk: real scripts behind a BOM or a coding cookie, with random bytes spliced in.

Properties: linting never raises and reports no internal error; every position lies inside the file; every
fix leaves a file that parses; fixing a fixed file changes nothing; CRLF stays CRLF; bytes decode as Python
decodes them or fail with a one-line message.

The number of examples per property is modest in CI; raise it for a long local run:

    SCORELINT_FUZZ_EXAMPLES=5000 .venv/bin/python -m pytest tests/test_properties.py -q --hypothesis-show-statistics

(SCORELINT_FUZZ_SEED=N replays a run with hypothesis' seed N.)
"""

from __future__ import annotations

import os
import re
import textwrap
import warnings
from functools import lru_cache
from pathlib import Path

import hypothesmith
import libcst as cst
import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from scorelint.api import Linter, parses
from scorelint.config import Settings
from scorelint.model import Diagnostic, Position
from scorelint.registry import default_registry
from scorelint.source import line_starts

ROOT = Path(__file__).resolve().parent.parent
# hypothesmith compiles what it generates: CPython warns about `1()` and friends; not ours to report.
pytestmark = pytest.mark.filterwarnings("ignore::SyntaxWarning")
EXAMPLES = int(os.environ.get("SCORELINT_FUZZ_EXAMPLES", "0")) or None
FUZZ_SEED = os.environ.get("SCORELINT_FUZZ_SEED")


def fuzz_settings(ci_examples: int):
    """CI runs `ci_examples`; SCORELINT_FUZZ_EXAMPLES overrides it for long local runs."""
    decorators = [settings(
        max_examples=EXAMPLES or ci_examples,
        deadline=None,
        database=None,  # every run explores afresh; failures print the program to reproduce them
        derandomize=EXAMPLES is None and FUZZ_SEED is None,  # CI runs are reproducible
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )]
    if FUZZ_SEED is not None:
        decorators.append(seed(int(FUZZ_SEED)))
    if EXAMPLES is not None:  # a long local run: the suite's 120 s per test would cut it short
        decorators.append(pytest.mark.timeout(max(120, EXAMPLES)))

    def apply(fn):
        for decorator in decorators:
            fn = decorator(fn)
        return fn

    return apply


# --- the linters: every rule, and each script kind forced ------------------------------------------------
@lru_cache(maxsize=None)
def linter() -> Linter:
    return Linter(Settings())


# --- fragments of real scripts ---------------------------------------------------------------------------
def _corpus_texts() -> list[str]:
    texts: list[str] = []
    for rule in default_registry().rules:
        for case in [*rule.VALID, *rule.INVALID]:
            texts.append(case.code)
            if getattr(case, "fixed", None):
                texts.append(case.fixed)
    for folder in ("examples", "tests/fixtures", "tests/sandbox_fixtures"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            try:
                texts.append(path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError):
                continue
    return texts


class Fragments:
    def __init__(self) -> None:
        self.scripts: list[str] = []
        self.imports: set[str] = set()
        self.module_statements: set[str] = set()
        self.decorators: set[str] = set()
        self.body_statements: set[str] = set()
        self.functions: set[str] = set()
        self.parameters: set[str] = set()
        self.comments: set[str] = set()
        empty = cst.Module(body=[])
        for text in _corpus_texts():
            try:
                module = cst.parse_module(text)
            except cst.ParserSyntaxError:
                continue
            self.scripts.append(text)
            for statement in module.body:
                code = empty.code_for_node(statement).strip("\n")
                if isinstance(statement, cst.SimpleStatementLine):
                    if isinstance(statement.body[0], (cst.Import, cst.ImportFrom)):
                        self.imports.add(code)
                    else:
                        self.module_statements.add(code)
                elif isinstance(statement, cst.FunctionDef):
                    self._function(statement, empty)
                elif isinstance(statement, (cst.If, cst.Try, cst.ClassDef)):
                    self.module_statements.add(code)
            self.comments.update(re.findall(r"#[^\n]*", text))

    def _function(self, func: cst.FunctionDef, empty: cst.Module) -> None:
        self.functions.add(textwrap.dedent(empty.code_for_node(func.with_changes(leading_lines=()))).strip("\n"))
        for decorator in func.decorators:
            self.decorators.add(empty.code_for_node(decorator.with_changes(leading_lines=())).strip())
        self.parameters.add(empty.code_for_node(func.params))
        if isinstance(func.body, cst.IndentedBlock):
            for statement in func.body.body:
                code = textwrap.dedent(empty.code_for_node(statement.with_changes(leading_lines=()))).strip("\n")
                self.body_statements.add(code)

    def frozen(self) -> None:
        for name in ("imports", "module_statements", "decorators", "body_statements", "functions", "parameters",
                     "comments"):
            setattr(self, name, sorted(getattr(self, name)))


@lru_cache(maxsize=None)
def fragments() -> Fragments:
    found = Fragments()
    found.frozen()
    return found


SUPPRESSIONS = ["# noqa", "# noqa: SL001", "# noqa: SL205, SL208", "# noqa:SL9999", "# noqa: sl205",
                "# scorelint: disable=run-may-return-none", "# scorelint: disable-file=SL1",
                "# scorelint: disable=", "# scorelint: kind=batch", "# scorelint: kind=online", "# type: ignore"]
NOISE = ["é", "日本", "😀", "\t", "\f", "\\", "(", ")", "[", "]", "{", "}", ":", "'", '"', '"""', "#", "@", ",",
         "=", "\n", " ", "\r", "\x0b", "\u2028", "lambda", "await", "yield", "return", "global x"]


def _indent(code: str, prefix: str = "    ") -> str:
    return textwrap.indent(code, prefix, lambda line: True) if code else prefix + "pass"


@st.composite
def blocks(draw, depth: int = 0) -> str:
    """A function body: real statements, sometimes wrapped in try/except, if, with or for."""
    frags = fragments()
    statements = draw(st.lists(st.sampled_from(frags.body_statements), min_size=0, max_size=6))
    body = "\n".join(statements) or "pass"
    if depth < 2:
        wrapper = draw(st.sampled_from(["", "", "try", "if", "with", "for", "nested"]))
        if wrapper == "try":
            handler = draw(st.sampled_from(["except Exception as e", "except (ValueError, KeyError) as error",
                                            "except", "finally"]))
            other = draw(blocks(depth + 1))
            body = f"try:\n{_indent(body)}\n{handler}:\n{_indent(other)}"
        elif wrapper == "if":
            test = draw(st.sampled_from(["data is None", "request.method == 'GET'", "not model", "True",
                                         "isinstance(data, str)"]))
            other = draw(blocks(depth + 1))
            body = f"if {test}:\n{_indent(body)}\nelse:\n{_indent(other)}"
        elif wrapper == "with":
            body = f"with open(path) as handle:\n{_indent(body)}"
        elif wrapper == "for":
            body = f"for item in data:\n{_indent(body)}"
        elif wrapper == "nested":
            body = f"def helper(x):\n{_indent(body)}\nreturn helper(data)"
    return body


@st.composite
def functions(draw, name: str) -> str:
    frags = fragments()
    decorators = draw(st.lists(st.sampled_from(frags.decorators), max_size=3))
    params = draw(st.sampled_from(frags.parameters + ["", "data", "raw_data", "request", "mini_batch",
                                                      "*args, **kwargs", "data=None", "self"]))
    keyword = draw(st.sampled_from(["def", "def", "def", "async def"]))
    returns = draw(st.sampled_from(["", "", " -> dict", " -> None"]))
    body = draw(blocks())
    header = "".join(f"{d}\n" for d in decorators)
    return f"{header}{keyword} {name}({params}){returns}:\n{_indent(body)}"


@st.composite
def entry_scripts(draw) -> str:
    """A whole script shaped like an entry script, from real fragments."""
    frags = fragments()
    parts: list[str] = []
    parts += draw(st.lists(st.sampled_from(frags.imports), max_size=6))
    parts += draw(st.lists(st.sampled_from(frags.module_statements), max_size=3))
    names = draw(st.lists(st.sampled_from(["init", "run", "run", "init", "helper", "Init", "main"]),
                          min_size=0, max_size=4))
    for name in names:
        parts.append(draw(functions(name)))
    parts += draw(st.lists(st.sampled_from(frags.functions), max_size=2))
    parts = draw(st.permutations(parts)) if draw(st.booleans()) else parts
    separator = draw(st.sampled_from(["\n\n\n", "\n\n", "\n"]))
    return separator.join(parts) + draw(st.sampled_from(["\n", "", "\n\n"]))


@st.composite
def mutated(draw, base) -> str:
    """`base` with a few line-level edits: what a half-typed or carelessly edited script looks like."""
    text = draw(base)
    lines = text.split("\n")
    frags = fragments()
    for _ in range(draw(st.integers(0, 4))):
        op = draw(st.sampled_from(["delete", "duplicate", "swap", "indent", "dedent", "truncate", "noise",
                                   "suppress", "comment", "crlf", "blank"]))
        i = draw(st.integers(0, max(len(lines) - 1, 0)))
        if not lines:
            lines = [""]
        line = lines[i]
        if op == "delete" and len(lines) > 1:
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, line)
        elif op == "swap" and i + 1 < len(lines):
            lines[i], lines[i + 1] = lines[i + 1], line
        elif op == "indent":
            lines[i] = draw(st.sampled_from(["    ", "\t", " "])) + line
        elif op == "dedent":
            lines[i] = line.lstrip()
        elif op == "truncate":
            lines[i] = line[: draw(st.integers(0, len(line)))]
        elif op == "noise":
            at = draw(st.integers(0, len(line)))
            lines[i] = line[:at] + draw(st.sampled_from(NOISE)) + line[at:]
        elif op == "suppress":
            lines[i] = f"{line}  {draw(st.sampled_from(SUPPRESSIONS))}"
        elif op == "comment":
            lines.insert(i, draw(st.sampled_from(SUPPRESSIONS + frags.comments[:50])))
        elif op == "crlf":
            return "\r\n".join(lines)
        elif op == "blank":
            lines.insert(i, draw(st.sampled_from(["", "    ", "\\", "\f"])))
    return "\n".join(lines)


def _pick(items: list[str]):
    """sampled_from without its repr: the corpus is large, and failures print the program itself."""
    return st.integers(0, len(items) - 1).map(items.__getitem__)


real_scripts = _pick(fragments().scripts)
programs = st.one_of(entry_scripts(), mutated(entry_scripts()), mutated(real_scripts))


# --- the properties --------------------------------------------------------------------------------------
def _python_parses(text: str) -> bool:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return parses(text)


def _python_parses_with_cpython(text: str) -> bool:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            compile(text, "score.py", "exec", dont_inherit=True)
        except (SyntaxError, ValueError):
            return False
    return True


def _check_position(text: str, starts: list[int], lines: list[str], position: Position, what: str) -> None:
    assert 1 <= position.line <= len(lines), f"{what}: line {position.line} outside 1..{len(lines)}"
    width = len(lines[position.line - 1])
    assert 0 <= position.column <= width, f"{what}: column {position.column} outside line {position.line} (0..{width})"


def check_lint(text: str, *, kind: str | None = None) -> list[Diagnostic]:
    """Lint `text`: no exception, no internal error; every position inside the file."""
    result = linter().lint_text(text, "score.py", kind=kind)
    assert result.internal_errors == [], result.internal_errors
    if result.error is not None and result.error.startswith("libcst cannot parse this file although Python can"):
        # libcst's grammar lags CPython's on a few corners (a lone backslash line inside a block): the
        # engine says so plainly (exit 2) instead of guessing. Anything else is a bug.
        assert _python_parses_with_cpython(text)
        return []
    assert result.error is None, result.error
    starts = line_starts(text)
    lines = [text[s:e] for s, e in zip(starts, [*starts[1:], len(text)])]
    lines = [re.sub(r"(\r\n|\r|\n)$", "", line) for line in lines]
    for d in result.diagnostics:
        where = f"{d.code} {d.message!r}"
        _check_position(text, starts, lines, d.range.start, where)
        _check_position(text, starts, lines, d.range.end, where)
        assert d.range.start <= d.range.end, f"{where}: range ends before it starts: {d.range}"
        if d.noqa_line is not None:
            assert 1 <= d.noqa_line <= len(lines), f"{where}: noqa line {d.noqa_line}"
        if d.fix is not None:
            for edit in d.fix.edits:
                _check_position(text, starts, lines, edit.range.start, f"{where} fix edit")
                _check_position(text, starts, lines, edit.range.end, f"{where} fix edit")
                assert edit.range.start <= edit.range.end, f"{where}: fix edit range reversed: {edit.range}"
    return result.diagnostics


def check_fix(text: str, *, unsafe: bool) -> None:
    """Fixing leaves a file that parses (when it parsed before), and fixing it again changes nothing."""
    original_parses = _python_parses(text)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)
        first = linter().fix_text(text, "score.py", unsafe=unsafe)
        if first.text == text:
            assert first.applied == 0 or not original_parses
            return
        assert _python_parses(first.text), f"the fixed file does not parse:\n{first.text}"
        assert original_parses, f"fixes were applied to a file that does not parse:\n{text}\n---\n{first.text}"
        assert not first.result.internal_errors, first.result.internal_errors
        check_lint(first.text)
        second = linter().fix_text(first.text, "score.py", unsafe=unsafe)
    assert second.text == first.text, (
        f"fixing twice changes the file again ({second.applied} more fixes):\n--- once ---\n{first.text}\n"
        f"--- twice ---\n{second.text}"
    )


@fuzz_settings(300)
@given(hypothesmith.from_grammar())
def test_grammar_programs_lint_cleanly(text):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)
        check_lint(text)
        check_fix(text, unsafe=True)


@fuzz_settings(150)
@given(hypothesmith.from_node())
def test_libcst_node_programs_lint_cleanly(text):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)
        check_lint(text)


@fuzz_settings(500)
@given(programs, st.sampled_from([None, "online", "batch"]))
def test_entry_scripts_lint_cleanly(text, kind):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)
        check_lint(text, kind=kind)


@fuzz_settings(400)
@given(programs, st.booleans())
def test_entry_script_fixes_parse_and_are_idempotent(text, unsafe):
    check_fix(text, unsafe=unsafe)


@fuzz_settings(100)
@given(real_scripts.map(lambda text: text.replace("\n", "\r\n")))
def test_crlf_scripts_keep_their_line_endings_when_fixed(text):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)
        check_lint(text)
        outcome = linter().fix_text(text, "score.py", unsafe=True)
    stripped = outcome.text.replace("\r\n", "")
    assert "\n" not in stripped, f"a fix wrote a bare LF into a CRLF file:\n{outcome.text!r}"


COOKIES = [b"", b"# -*- coding: latin-1 -*-\n", b"# coding=utf-8\n", b"#!/usr/bin/env python\n# coding: cp1252\n",
           b"# vim: set fileencoding=ascii :\n", b"# coding: utf-16\n", b"# coding: klingon\n", b"\xef\xbb\xbf",
           b"\xef\xbb\xbf# coding: latin-1\n"]


@st.composite
def file_bytes(draw) -> bytes:
    """What may be on disk: a real script's bytes with a BOM or a coding cookie, and random bytes spliced in."""
    data = draw(st.sampled_from(COOKIES)) + draw(real_scripts).encode("utf-8")
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(min_size=1, max_size=4)) + data[at:]
    return data


@fuzz_settings(300)
@given(st.one_of(file_bytes(), st.binary(max_size=200)))
def test_any_bytes_decode_or_fail_cleanly(data):
    """Bytes from disk either decode as Python would (then lint cleanly) or fail with SourceDecodeError,
    whose message is one line."""
    from scorelint.encoding import SourceDecodeError, SourceFile

    try:
        source = SourceFile.from_bytes(data)
    except SourceDecodeError as exc:
        assert "\n" not in str(exc) and str(exc), repr(str(exc))
        return
    assert source.to_bytes(source.text) == data  # written back byte for byte (BOM, encoding)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_lint(source.text)


def test_fragments_cover_real_script_shapes():
    """The generator draws from a real corpus: if it shrank, the fuzzing would quietly get weaker."""
    frags = fragments()
    assert len(frags.scripts) >= 200
    assert any("input_schema" in d for d in frags.decorators)
    assert any("rawhttp" in d for d in frags.decorators)
    assert any(s.startswith("try:") for s in frags.body_statements)
    assert len(frags.body_statements) >= 200


# --- regressions: inputs the fuzzing (or the bad-input matrix) found, kept as plain examples ---------------
def test_a_finding_in_the_last_statement_of_a_file_without_final_newline():
    # libcst drops the final newline token after the statement recorded its end: IndexError in every rule
    # reporting inside the file's last compound statement.
    diagnostics = check_lint("def init(*, data):\n    pass")
    assert [(d.code, d.range.start.line, d.range.start.column) for d in diagnostics if d.code == "SL004"] == [
        ("SL004", 1, 12)]


def test_fixes_in_a_crlf_file_write_crlf_line_endings():
    # Rules write "\n" in the text they insert (found with SL207's inserted method check; SL011's added
    # imports do the same): a CRLF file got bare LF lines.
    text = ('def init():\n    global model\n    model = os.getenv("AZUREML_MODEL_DIR")\n\n\n'
            "def run(data):\n    return json.loads(data)\n")
    crlf = text.replace("\n", "\r\n")
    fixed = linter().fix_text(crlf, "score.py", unsafe=True)
    assert fixed.applied >= 1 and fixed.text.count("import") >= 1
    assert "\n" not in fixed.text.replace("\r\n", "")
    assert fixed.text.replace("\r\n", "\n") == linter().fix_text(text, "score.py", unsafe=True).text


@pytest.mark.parametrize("shape,depth", [
    ("binop", 2000), ("attribute", 2000), ("subscript", 1000), ("concat", 2000), ("elif", 1500), ("and", 30000),
])
def test_deep_but_valid_python_is_linted(shape, depth):
    """Valid Python (CPython compiles each of these) that nests deeper than the default recursion limit lets
    libcst's tree be walked: linted on a big-stack thread instead of giving up (it used to report "nested
    too deeply"; the `and` chain used to crash libcst's parser with SIGSEGV)."""
    head = "def init():\n    pass\n\n\ndef run(data):\n    print(data)\n"
    body = {
        "binop": lambda n: "    return " + " + ".join(["data"] * n) + "\n",
        "attribute": lambda n: "    return data" + ".a" * n + "\n",
        "subscript": lambda n: "    return data" + "[0]" * n + "\n",
        "concat": lambda n: "    return (\n" + "".join(f'        "x{i}"\n' for i in range(n)) + "    )\n",
        "elif": lambda n: "    if data == 0:\n        return 0\n" + "".join(
            f"    elif data == {i}:\n        return {i}\n" for i in range(1, n)) + "    return data\n",
        "and": lambda n: "    return " + " and ".join(["data"] * n) + "\n",
    }[shape](depth)
    text = head + body
    assert _python_parses_with_cpython(text)
    codes = {d.code for d in check_lint(text)}
    assert codes == {"SL206", "SL208"}, codes  # the print of the payload, found at any depth


@pytest.mark.parametrize("text,expected", [
    ("X = " + "(" * 5000 + "1" + ")" * 5000 + "\n", "SL001"),  # libcst: SIGSEGV from ~2,000 brackets
    ("X = " + "[" * 3000 + "\n", "SL001"),
    ("X = " + " + ".join(["1"] * 100_000) + "\n", "Python cannot compile this file"),
    ("X = " + "not " * 20_000 + "1\n", "Python cannot compile this file"),
    ("X = '" + "a" * 1_100_000 + "'\n", "the file is too large to check"),
])
def test_inputs_beyond_python_are_reported_without_crashing(text, expected):
    result = linter().lint_text(text, "score.py")
    assert result.internal_errors == []
    found = result.error or " ".join(d.code for d in result.diagnostics)
    assert expected in found, found


def test_parses_survives_deep_input():
    # `parses` guards every fix; it used to hand deep brackets straight to libcst (SIGSEGV).
    assert not parses("x = " + "(" * 5000 + ")" * 5000)
    assert parses("x = " + " and ".join(["y"] * 30_000) + "\n")
