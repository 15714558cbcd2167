"""SARIF 2.1.0, with rule metadata and fixes (what code-scanning services and IDE viewers read)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import quote

from .. import __version__
from ..model import LintResult, Range, Severity
from . import ReportOptions, Summary, printable_path

if TYPE_CHECKING:
    from ..registry import Registry

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def _region(rng: Range) -> dict[str, int]:
    return {
        "startLine": rng.start.line,
        "startColumn": rng.start.column + 1,
        "endLine": rng.end.line,
        "endColumn": rng.end.column + 1,
    }


def _uri(display_path: str) -> str:
    # A URI holds the name's bytes as the OS gives them, percent-encoded (RFC 3986 and 8089): spaces, '#',
    # '%', non-ASCII and bytes that are not UTF-8 alike. A relative reference must be a valid URI too.
    path = Path(display_path)
    if path.is_absolute():
        return path.as_uri()  # percent-encodes os.fsencode(path)
    return quote(os.fsencode(path.as_posix()), safe="/")


def _language(uri: str) -> dict[str, str]:
    suffix = uri.rsplit(".", 1)[-1].lower()
    language = {"py": "python", "yml": "yaml", "yaml": "yaml"}.get(suffix)
    return {"sourceLanguage": language} if language else {}


def _message(message: str, help_text: str | None) -> dict[str, str]:
    """A result's message: `text` is the short message (what viewers list); SARIF 2.1.0 has no help of a
    result's own (`help` and `fullDescription` belong to the rule and hold its documentation), so the finding's
    help follows in the message's `markdown` form (what GitHub code scanning shows expanded)."""
    if not help_text:
        return {"text": message}
    return {"text": message, "markdown": f"{message}\n\n{help_text}"}


class SarifReporter:
    needs_source = False

    def __init__(self, out: IO[str], registry: Registry, options: ReportOptions) -> None:
        self.out = out
        self.registry = registry
        self.results: list[dict[str, Any]] = []
        self.notifications: list[dict[str, Any]] = []
        self.index = {rule.code: i for i, rule in enumerate(registry.rules)}
        # Every file a finding is in (scripts, and with deployments their YAML, conda and requirements files).
        self.artifacts: dict[str, int] = {}

    def file(self, display_path: str, result: LintResult, source: str | None = None) -> None:
        uri = _uri(display_path)
        if result.error:
            self.notifications.append({
                "level": "error",
                "message": {"text": printable_path(result.error)},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri}}}],
            })
        if result.diagnostics:
            self.artifacts.setdefault(uri, len(self.artifacts))
        for d in result.diagnostics:
            location = {"uri": uri, "index": self.artifacts[uri]}
            item: dict[str, Any] = {
                "ruleId": d.code,
                "ruleIndex": self.index[d.code],
                "level": LEVELS[d.severity],
                "message": _message(d.message, d.help),
                "locations": [{"physicalLocation": {"artifactLocation": location, "region": _region(d.range)}}],
            }
            if d.fix is not None:
                item["fixes"] = [{
                    "description": {"text": f"{d.fix.message} ({d.fix.applicability.value})"},
                    "artifactChanges": [{
                        "artifactLocation": {"uri": uri},
                        "replacements": [
                            {"deletedRegion": _region(e.range), "insertedContent": {"text": e.content}}
                            for e in d.fix.edits
                        ],
                    }],
                }]
            self.results.append(item)

    def finish(self, summary: Summary) -> None:
        rules = [{
            "id": rule.code,
            "name": rule.name,
            "shortDescription": {"text": rule.summary},
            "fullDescription": {"text": rule.documentation.split("\n## ")[0].strip() or rule.summary},
            "help": {"text": rule.documentation, "markdown": rule.documentation},
            "helpUri": rule.url(),
            "defaultConfiguration": {"level": LEVELS[rule.severity]},
            "properties": {"contract": rule.contract, "fixable": rule.fixable},
        } for rule in self.registry.rules]
        run: dict[str, Any] = {
            "tool": {"driver": {
                "name": "scorelint",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": "https://github.com/scorelint/scorelint",
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": self.results,
        }
        if self.artifacts:
            run["artifacts"] = [{"location": {"uri": uri}, **_language(uri)} for uri in self.artifacts]
        if self.notifications:
            run["invocations"] = [{"executionSuccessful": False,
                                   "toolExecutionNotifications": self.notifications}]
        json.dump({"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}, self.out, indent=2,
                  ensure_ascii=False)
        self.out.write("\n")
