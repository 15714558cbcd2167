"""The text operations behind the server's code actions, checked against the real engine: each edit must
leave a file that parses and in which the engine no longer reports the finding."""

from __future__ import annotations

import textwrap

import pytest
from pygls.workspace.position_codec import PositionCodec

from scorelint.api import Linter, parses
from scorelint_lsp import actions, convert
from scorelint_lsp.settings import EditorSettings

from .helpers import apply_edits

HEAD = "def init():\n    pass\n\n"


def suppress(text: str, code: str) -> str:
    linter = Linter()
    found = [d for d in linter.lint_text(text, "score.py").diagnostics if d.code == code]
    assert found, f"{code} not reported"
    index = convert.TextIndex(text, PositionCodec())
    edit = actions.suppression_edit(index, found[0].noqa_line - 1, found[0].code, found[0].name)
    assert edit is not None
    new = apply_edits(text, [edit], "utf-16")
    assert parses(new), new
    assert code not in [d.code for d in linter.lint_text(new, "score.py").diagnostics], new
    return new


@pytest.mark.parametrize("line, expected", [
    ("def run():", "def run():  # scorelint: ignore[run-no-input-param]"),
    ("def run():  # entry point", "def run():  # entry point  # scorelint: ignore[run-no-input-param]"),
    ("def run():  # noqa: E501", "def run():  # noqa: E501, SL006"),
    ("def run():  # scorelint: ignore[print-in-run]",
     "def run():  # scorelint: ignore[print-in-run, run-no-input-param]"),
    ("def run():   ", "def run():  # scorelint: ignore[run-no-input-param]   "),
])
def test_suppression_comment_on_the_statement_line(line, expected):
    new = suppress(HEAD + line + "\n    return 1\n", "SL006")
    assert new.split("\n")[3] == expected


def test_suppression_after_a_multi_line_header():
    new = suppress(HEAD + "def run(\n):\n    return 1\n", "SL006")
    assert new.split("\n")[3] == "def run(  # scorelint: ignore[run-no-input-param]"


def test_suppression_after_a_backslash_continuation():
    text = textwrap.dedent("""\
        from sklearn.externals \\
            import joblib


        def init():
            global model
            model = joblib.load("m.pkl")


        def run(data):
            return model.predict(data).tolist()
        """)
    new = suppress(text, "SL504")
    assert new.split("\n")[:2] == ["from sklearn.externals \\",
                                   "    import joblib  # scorelint: ignore[sklearn-externals-joblib]"]


def test_suppression_on_crlf_and_non_ascii_lines():
    text = (HEAD + 'def run():  # "héllo 😀"\n    return 1\n').replace("\n", "\r\n")
    new = suppress(text, "SL006")
    assert new.split("\r\n")[3] == 'def run():  # "héllo 😀"  # scorelint: ignore[run-no-input-param]'


def test_file_suppression_goes_below_a_shebang():
    text = "#!/usr/bin/env python\nimport json\n\ndef run(data):\n    return data\n"
    edit = actions.file_suppression_edit(convert.TextIndex(text, PositionCodec()), "missing-init")
    new = apply_edits(text, [edit], "utf-16")
    assert new.startswith("#!/usr/bin/env python\n# scorelint: ignore-file[missing-init]\nimport json")
    assert "SL002" not in [d.code for d in Linter().lint_text(new, "score.py").diagnostics]


@pytest.mark.parametrize("old, new", [
    ("a = 1\nb = 2\n", "a = 1\nb = 3\n"),
    ("a\r\nb\r\n", "a\r\nx\r\nb\r\n"),
    ("x = '😀'\ny\n", "x = '😀😀'\ny\n"),
    ("abc", ""),
    ("", "import joblib\n"),
])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-32"])
def test_minimal_edit_turns_old_into_new(old, new, encoding):
    edit = convert.minimal_edit(old, new, convert.TextIndex(old, PositionCodec(encoding)))
    assert apply_edits(old, [edit], encoding) == new


def test_positions_follow_the_client_encoding():
    text = "s = '😀é'; x = 1\n"
    column = text.index("x")
    for encoding, expected in (("utf-16", column + 1), ("utf-8", column + 4), ("utf-32", column)):
        index = convert.TextIndex(text, PositionCodec(encoding))
        position = index.position(1, column)
        assert (position.line, position.character) == (0, expected)
        assert index.engine_position(position).column == column


def test_form_feed_is_not_a_line_end():
    # str.splitlines would split here; neither Python's tokenizer nor LSP does
    text = "a = 1\n\x0c\nb = 2\n"
    index = convert.TextIndex(text, PositionCodec())
    assert index.position(3, 0).line == 2 and index.line(2) == "b = 2"


def test_editor_settings_parse_and_report_problems():
    settings, problems = EditorSettings.parse({"settings": {
        "select": ["SL0"], "extend-select": "SL2", "ignore": ["SL006,SL007"], "kind": "batch",
        "forceInclude": True, "debounceMs": 0, "sandbox": {"onSave": True, "timeout": 5},
        "diagnosticMode": "sideways", "unknownKey": 1}})
    assert settings.overrides == {"select": ("SL0",), "extend_select": ("SL2",), "ignore": ("SL006", "SL007"),
                                  "kind": "batch"}
    assert settings.force_include == ("*",) and settings.debounce_ms == 0 and settings.sandbox_on_save
    assert settings.sandbox == {"timeout": 5} and settings.diagnostic_mode == "auto"
    assert sorted(problems) == ["setting 'diagnosticMode' must be one of auto, push, pull",
                                "unknown setting 'unknownKey'"]
    assert EditorSettings.parse({"python": {"x": 1}}) == (EditorSettings(), [])  # another tool's settings
