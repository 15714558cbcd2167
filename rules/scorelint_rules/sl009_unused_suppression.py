from __future__ import annotations

import re

from scorelint.model import Applicability, Diagnostic, Edit, Fix, Range, Severity
from scorelint.rule import ANY_SCRIPT, EngineHook, Invalid, Rule, Valid
from scorelint.suppress import _NOQA, _TOOL, Suppression

_TOKEN = re.compile(r"[^\s,]+")
_CODE_LIKE = re.compile(r"^[A-Za-z]+[0-9]+$")  # what flake8/ruff accept as a code in `# noqa: ...`
_OURS = re.compile(r"^SL[0-9]+$", re.IGNORECASE)


class UnusedSuppression(Rule):
    """A `# noqa: SL...` or `# scorelint: ignore[...]` comment suppresses nothing.

    ## What it does
    After all rules have run, reports each suppression comment naming a scorelint rule (by code or
    name) that reported nothing there, and each `# scorelint: ignore[...]` naming no known rule.
    Only rules that checked the file count: codes of disabled rules, of rules for the other script
    kind (online or batch) and of sandbox rules are left alone, and so are other tools' codes in a
    `# noqa` (`E501`, `F401`...) and a bare `# noqa`. A blanket `# scorelint: ignore` that suppresses
    nothing is reported. Write `unused-suppression` (or SL009) in the comment itself, or
    `# scorelint: ignore-file[unused-suppression]`, to keep a suppression on purpose.

    ## Why is this bad?
    A suppression that no longer matches anything is left over from code that changed, or it was
    mistyped (`# noqa: SL51`, `ignore[status500]`) and never worked. Either way it misleads readers,
    and a stale one silently hides the next real finding on that line, such as a model loaded in
    `run` or an exception text returned to clients.

    ## Example
    ```python
    model_path = os.path.join(os.environ["AZUREML_MODEL_DIR"], "model.pkl")  # noqa: SL501
    ```

    ## Use instead
    ```python
    model_path = os.path.join(os.environ["AZUREML_MODEL_DIR"], "model.pkl")
    ```

    ## Fix safety
    Safe: the fix removes only the codes that suppress nothing (other tools' codes stay), and the
    whole comment when nothing else is left in it.
    """

    code = "SL009"
    name = "unused-suppression"
    severity = Severity.WARNING
    contract = "7. Suppression comments: suppressions must match a finding, or they hide the next one"
    hooks = frozenset({EngineHook.UNUSED_SUPPRESSIONS})
    kinds = ANY_SCRIPT

    VALID = [
        Valid("""
            import os

            def init():
                global path
                path = os.path.join(os.getenv('AZUREML_MODEL_DIR'), 'model.pkl')  # noqa: SL501

            def run(data):
                return data
            """, also_select=("SL501",)),
        Valid("""
            import os

            def init():
                global path
                # scorelint: ignore[model-dir-may-be-none]
                path = os.path.join(os.getenv('AZUREML_MODEL_DIR'), 'model.pkl')

            def run(data):
                return data
            """, also_select=("SL501",)),
        Valid("""
            import os  # noqa: F401
            import json  # noqa

            def init():
                pass  # noqa: E501, W291

            def run(data):
                return data
            """, also_select=("SL501",)),
        # SL501 is not enabled here: its code is not judged.
        Valid("""
            def init():
                pass

            def run(data):
                return data  # noqa: SL501
            """),
        # An online script: the batch-only rules did not run, so their codes are not judged.
        Valid("""
            def init():
                pass

            def run(data):
                return {'n': 1}  # noqa: SL601
            """,
              also_select=("SL601",)),
        Valid("""
            def init():
                pass

            def run(data):
                return data  # noqa: SL501, SL009
            """,
              also_select=("SL501",)),
        Valid("""
            # scorelint: ignore-file[unused-suppression]
            def init():
                pass

            def run(data):
                return data  # noqa: SL501
            """, also_select=("SL501",)),
    ]
    INVALID = [
        Invalid("""
            import os
            import joblib

            def init():
                global model
                model_path = os.path.join(os.environ["AZUREML_MODEL_DIR"], "model.pkl")  # noqa: SL501
                model = joblib.load(model_path)

            def run(data):
                return model.predict(data).tolist()
            """, also_select=("SL501",), line=6, message_contains="SL501 (model-dir-may-be-none)",
            fixed="""
            import os
            import joblib

            def init():
                global model
                model_path = os.path.join(os.environ["AZUREML_MODEL_DIR"], "model.pkl")
                model = joblib.load(model_path)

            def run(data):
                return model.predict(data).tolist()
            """),
        Invalid("""
            import os

            def init():
                global path
                path = os.path.join(os.getenv("AZUREML_MODEL_DIR"), "m.pkl")  # noqa: SL501, SL504, E501

            def run(data):
                return path
            """, also_select=("SL501", "SL504"), line=5, message_contains="SL504",
            fixed="""
            import os

            def init():
                global path
                path = os.path.join(os.getenv("AZUREML_MODEL_DIR"), "m.pkl")  # noqa: SL501, E501

            def run(data):
                return path
            """),
        Invalid("""
            def init():
                pass

            # scorelint: ignore[status500]
            def run(data):
                return data
            """, line=4, message_contains="names no scorelint rule",
            fixed="""
            def init():
                pass

            def run(data):
                return data
            """),
        Invalid("""
            def init():
                pass  # type: ignore  # scorelint: ignore

            def run(data):
                return data
            """, line=2, message_contains="blanket",
            fixed="""
            def init():
                pass  # type: ignore

            def run(data):
                return data
            """),
        Invalid("""
            # scorelint: ignore-file[sklearn-externals-joblib]  legacy models
            import joblib

            def init():
                pass

            def run(data):
                return data
            """, also_select=("SL504",), line=1,
            fixed="""
            # legacy models
            import joblib

            def init():
                pass

            def run(data):
                return data
            """),
        Invalid("""
            def init():
                pass

            def run(data):
                return data  # noqa: SL999,E501
            """,
                line=5, message_contains="`SL999` names no scorelint rule",
                fixed="""
            def init():
                pass

            def run(data):
                return data  # noqa: E501
            """),
        Invalid("""
            def init():
                pass

            def run(data):
                return data  # noqa: E501 SL504 W291
            """,
                also_select=("SL504",), message_contains="remove `SL504` from the comment",
                fixed="""
            def init():
                pass

            def run(data):
                return data  # noqa: E501 W291
            """),
        Invalid("""
            def init():
                pass

            def run(data):
                return data  # NOQA:SL501
            """, also_select=("SL501",),
                fixed="""
            def init():
                pass

            def run(data):
                return data
            """),
        Invalid("""
            def init():
                pass

            def run(data):
                return data  # noqa: sl501
            """, also_select=("SL501",),
                message_contains="No SL501 (model-dir-may-be-none) finding",
                fixed="""
            def init():
                pass

            def run(data):
                return data
            """),
    ]

    @classmethod
    def from_unused_suppressions(cls, suppressions, enabled_codes: set[str], registry, source) -> list[Diagnostic]:
        items: list[Suppression] = suppressions.items
        own = {cls.code, cls.name}
        for item in items:
            if item.file_level and (item.codes is None or own & item.codes):
                return []  # the file opts out of this rule (or of every rule)
        found = []
        for item in items:
            if item.codes is not None and own & item.codes:
                continue  # kept on purpose
            diagnostic = cls._judge(item, enabled_codes, registry, source)
            if diagnostic is not None:
                found.append(diagnostic)
        return found

    @classmethod
    def _judge(cls, item: Suppression, enabled: set[str], registry, source) -> Diagnostic | None:
        text = item.comment.value
        tool = _TOOL.search(text)
        match = tool or _NOQA.search(text)
        if match is None:
            return None
        written = match.group(0)
        if item.codes is None:
            if tool is None or item.used:
                return None  # a bare `# noqa` belongs to every tool
            return cls._diagnostic(item, source, match, None,
                                   f"`{written}` is a blanket suppression that suppresses nothing here",
                                   "It would silently hide any future finding on this statement; remove it.")
        group_start = match.start("codes")
        tokens = [(group_start + m.start(), group_start + m.end(), m.group(0))
                  for m in _TOKEN.finditer(match.group("codes"))]
        unused: list[tuple[int, int, str]] = []
        notes: list[str] = []
        for token in tokens:
            word = token[2]
            rule = registry.lookup(word)
            if rule is None:
                if tool is not None or _OURS.match(word):
                    unused.append(token)
                    notes.append(f"`{word}` names no scorelint rule")
                continue
            if rule.code not in enabled:
                continue  # the rule did not check this file: nothing to judge
            if rule.code in item.used:
                continue
            unused.append(token)
            notes.append(f"no {rule.code} ({rule.name}) finding is reported here")
        if not unused:
            return None
        remaining = [t for t in tokens if t not in unused]
        if tool is None:
            remaining = [t for t in remaining if _CODE_LIKE.match(t[2])]  # prose after the codes does not count
        names = ", ".join(f"`{t[2]}`" for t in unused)
        # A code no rule has can hide nothing, now or later: it is only noise (or a typo of a real code).
        # A real rule's code can hide a finding the rule makes there later.
        risk = ("would silently hide a future finding" if any(registry.lookup(t[2]) for t in unused)
                else "only misleads the reader (or misspells the code meant)")
        if remaining:
            verb = "suppresses" if len(unused) == 1 else "suppress"
            message = f"In `{written}`, {names} {verb} nothing"
            help_text = f"{_sentence('; '.join(notes))}, so {names} {risk}; remove {names} from the comment."
        else:
            message = f"`{written}` suppresses nothing"
            help_text = f"{_sentence('; '.join(notes))}, so the comment {risk}; remove it."
        return cls._diagnostic(item, source, match, (tokens, unused) if remaining else None, message, help_text)

    @classmethod
    def _diagnostic(cls, item: Suppression, source, match: re.Match, partial, message: str,
                    help_text: str) -> Diagnostic:
        comment = item.comment
        start, end = source.offsets(comment)
        rng = Range(source.offset_to_position(start + match.start()), source.offset_to_position(start + match.end()))
        if partial is not None:
            tokens, unused = partial
            edits = _token_removals(tokens, unused, source, start)
            title = "Remove the unused codes"
        else:
            edits = [_directive_removal(source, start, end, match)]
            title = "Remove the unused suppression"
        fix = Fix(message=title, edits=tuple(edits), applicability=Applicability.SAFE)
        return Diagnostic(code=cls.code, name=cls.name, severity=cls.severity, message=message, range=rng,
                          fix=fix, noqa_line=item.line, url=cls.url(), help=help_text)


def _sentence(text: str) -> str:
    """The help starts a sentence of its own: its first letter in capitals (code spans stay as written)."""
    return text[:1].upper() + text[1:]


def _token_removals(tokens, unused, source, comment_start: int) -> list[Edit]:
    """One edit over the codes: the kept ones, each with the separator that preceded it."""
    text = source.text
    kept = [(i, t) for i, t in enumerate(tokens) if t not in unused]
    pieces = []
    for position, (index, token) in enumerate(kept):
        if position:
            previous_end = tokens[index - 1][1]
            pieces.append(text[comment_start + previous_end:comment_start + token[0]])
        pieces.append(token[2])
    a, b = comment_start + tokens[0][0], comment_start + tokens[-1][1]
    return [Edit(Range(source.offset_to_position(a), source.offset_to_position(b)), "".join(pieces))]


def _directive_removal(source, start: int, end: int, match: re.Match) -> Edit:
    text = source.text
    comment_text = text[start:end]
    before = comment_text[:match.start()].rstrip()
    after = comment_text[match.end():].strip()
    if before or after:
        if not before:
            content = "# " + after.lstrip("#").lstrip()
            return Edit(Range(source.offset_to_position(start), source.offset_to_position(end)), content)
        # Keep what precedes the directive (`# type: ignore  # noqa: ...`) and anything after it.
        content = before + (f"  # {after.lstrip('#').lstrip()}" if after else "")
        return Edit(Range(source.offset_to_position(start), source.offset_to_position(end)), content)
    line_start = text.rfind("\n", 0, start) + 1
    if not text[line_start:start].strip():
        # The comment is alone on its line: remove the line.
        line_end = text.find("\n", end)
        line_end = len(text) if line_end < 0 else line_end + 1
        return Edit(Range(source.offset_to_position(line_start), source.offset_to_position(line_end)), "")
    cut = start
    while cut > line_start and text[cut - 1] in " \t":
        cut -= 1
    return Edit(Range(source.offset_to_position(cut), source.offset_to_position(end)), "")
