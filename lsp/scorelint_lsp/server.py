"""scorelint's language server: the engine's diagnostics, fixes and rule docs in any LSP editor.

The protocol over the document pipeline the command line uses (`scorelint.project.Pipeline`): settings
per document (the editor's settings as overrides, the command line's precedence), the entry-script
decision, the lint, and the same suppressions and options for sandbox findings; every finding, fix and
position comes from the engine. tests/lsp/test_parity.py holds the two front ends to the same findings.

Concurrency: the message loop (asyncio, pygls) only receives, schedules and sends. Linting runs on one
worker thread (so results for a document come in order and nothing in the engine is shared between
threads), the sandbox on another. A change cancels the pending lint of the same document (debounce);
results for a version that is no longer current are dropped.
"""

from __future__ import annotations

import asyncio
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any
from urllib.parse import unquote, urlparse

from lsprotocol import types
from pygls import uris
from pygls.exceptions import JsonRpcException
from pygls.lsp.server import LanguageServer

from scorelint import __version__
from scorelint.config import ConfigError
from scorelint.project import Pipeline, exit_with, settle_memory_once
from scorelint.registry import default_registry
from scorelint.source import decode_source

from . import actions, convert, hover, swagger
from .protocol import ScorelintProtocol
from .settings import EditorSettings, settings_section

log = logging.getLogger("scorelint_lsp")

SHOW_SWAGGER = "scorelint.showSwagger"
APPLY_FIX_ALL = "scorelint.applyFixAll"
_MAX_REPORTED = 200


@dataclass
class Outcome:
    """The lint of one version of one document."""

    version: int | None
    generation: int
    diagnostics: list[types.Diagnostic] = field(default_factory=list)
    safe_fixes: int = 0
    linted: bool = False
    messages: list[tuple[str, bool]] = field(default_factory=list)  # (text, show to the user)


@dataclass
class DocState:
    uri: str
    language_id: str | None
    version: int | None = None  # the latest version the client sent
    entry: bool = False  # recognised as an entry script during this session (sticky)
    outcome: Outcome | None = None
    task: asyncio.Task | None = None
    inflight: dict[tuple[int | None, int], asyncio.Future] = field(default_factory=dict)
    sandbox: list[types.Diagnostic] = field(default_factory=list)
    sandbox_stamp: int = 0
    sandbox_task: asyncio.Future | None = None
    deployment: list[types.Diagnostic] = field(default_factory=list)  # from the deployments using the saved file
    deployment_stale: bool = False  # the last lint saw an unsaved buffer: the save must read them again


class ScorelintServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("scorelint", __version__, protocol_cls=ScorelintProtocol,
                         text_document_sync_kind=types.TextDocumentSyncKind.Full)
        self.editor = EditorSettings()
        self._pipeline: Pipeline | None = None
        self.docs: dict[str, DocState] = {}
        self.generation = 0
        self.lint_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="scorelint-lint")
        self.sandbox_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="scorelint-sandbox")
        self._reported: set[str] = set()
        self._had_init_options = False

    # --- helpers -------------------------------------------------------------------------------------
    @property
    def codec(self):
        return self.workspace.position_codec

    @property
    def pipeline(self) -> Pipeline:
        """The document pipeline under the current editor settings (rebuilt when they change)."""
        if self._pipeline is None:
            self._pipeline = Pipeline(self.editor.pipeline_overrides(self.workspace_root()))
        return self._pipeline

    def workspace_root(self) -> Path | None:
        root = self.workspace.root_path
        return Path(root) if root else None

    def path_for(self, uri: str) -> PurePath:
        path = uris.to_fs_path(uri)
        if path:
            return Path(path)
        # untitled:Untitled-1 and other in-memory documents: a name in the workspace, for settings
        name = unquote(urlparse(uri).path).rsplit("/", 1)[-1] or "untitled"
        return (self.workspace_root() or Path.cwd()) / name

    def is_python(self, uri: str, language_id: str | None) -> bool:
        path = urlparse(uri).path
        if path.endswith(".py"):
            return True
        return language_id == "python" and not path.endswith((".pyi", ".ipynb"))

    def is_deployment_file(self, uri: str, language_id: str | None) -> bool:
        from scorelint.deployment.editor import is_deployment_related

        return is_deployment_related(Path(unquote(urlparse(uri).path)), language_id)

    def pull_mode(self) -> bool:
        mode = self.editor.diagnostic_mode
        if mode != "auto":
            return mode == "pull"
        text_document = self.client_capabilities.text_document
        return text_document is not None and text_document.diagnostic is not None

    def report(self, message: str, *, show: bool = False, level: types.MessageType = types.MessageType.Warning):
        """Tell the user once per distinct message (logs must not fill up while they type)."""
        if message in self._reported:
            return
        if len(self._reported) >= _MAX_REPORTED:
            return
        self._reported.add(message)
        log.warning("%s", message)
        try:
            self.window_log_message(types.LogMessageParams(type=level, message=f"scorelint: {message}"))
            if show:
                self.window_show_message(types.ShowMessageParams(type=level, message=f"scorelint: {message}"))
        except Exception:  # the client is gone; nothing to tell
            pass

    def report_server_error(self, error: Exception, source: Any) -> None:
        # pygls's default pops up a message for every error; log each distinct one once instead.
        self.report(f"internal error ({getattr(source, '__name__', source)}): {error}",
                    level=types.MessageType.Error)

    def apply_settings(self, raw: Any) -> None:
        editor, problems = EditorSettings.parse(raw)
        for problem in problems:
            self.report(f"settings: {problem}", show=True)
        self.editor = editor
        self._pipeline = None
        self.generation += 1
        if not editor.sandbox_on_save:
            for state in self.docs.values():
                state.sandbox = []

    # --- linting -------------------------------------------------------------------------------------
    def lint_sync(self, uri: str, text: str, version: int | None, generation: int, required: bool) -> Outcome | None:
        """Runs on the lint thread."""
        state = self.docs.get(uri)
        if state is None or (not required and state.version != version):
            return None  # closed or already changed again: nobody will see this result
        outcome = Outcome(version, generation)
        editor = self.editor
        if not editor.enable:
            return outcome
        path = self.path_for(uri)
        try:
            linter = self.pipeline.linter_for(path)
            if self.is_deployment_file(uri, state.language_id):
                # A deployment YAML, or a conda file a nearby deployment uses: the deployment rules' findings.
                from scorelint.deployment.editor import lint_deployment_file

                result = lint_deployment_file(Path(path), text, linter)
                if result is None:
                    return outcome
            # once an entry script, always one while open: deleting `def init` must be reported
            elif not self.pipeline.is_entry_script(path, text, seen_as_entry=state.entry):
                return outcome
            else:
                result = None
        except ConfigError as exc:
            outcome.messages.append((f"configuration error: {exc}", True))
            return outcome
        script = result is None
        if script:
            state.entry = True
            result = linter.lint_text(text, path)
        index = convert.TextIndex(text, self.codec)
        outcome.linted = True
        outcome.diagnostics = [convert.to_lsp(d, index, version, uri) for d in result.diagnostics]
        if script:
            outcome.diagnostics += self.deployment_findings(state, Path(path), text, linter, index, version, outcome)
        outcome.safe_fixes = sum(1 for d in result.diagnostics
                                 if d.fix is not None and d.fix.applicability.value == "safe")
        if result.error:
            outcome.diagnostics.append(convert.file_problem(result.error))
        for problem in result.internal_errors:
            outcome.messages.append((f"{path.name}: {problem}", False))
        return outcome

    def deployment_findings(self, state: DocState, path: Path, text: str, linter: Any, index: Any,
                            version: int | None, outcome: Outcome) -> list[types.Diagnostic]:
        """What the deployments that use an entry script report in it (the command line merges the same into
        the script's result), computed when the buffer matches the saved file and kept while it does not."""
        from scorelint.deployment.editor import script_findings

        try:
            found = script_findings(path, text, linter)
        except Exception as exc:  # noqa: BLE001 - a deployment problem must not hide the script's findings
            outcome.messages.append((f"{path.name}: deployment check failed: {type(exc).__name__}: {exc}", False))
            return state.deployment
        state.deployment_stale = found is None
        if found is not None:
            state.deployment = [convert.to_lsp(d, index, version, state.uri) for d in found]
        return state.deployment

    async def outcome(self, uri: str, *, required: bool) -> Outcome | None:
        """The lint of the document's current version: cached, in flight, or started now."""
        state = self.docs.get(uri)
        if state is None:
            return None
        doc = self.workspace.get_text_document(uri)
        key = (doc.version, self.generation)
        if state.outcome is not None and (state.outcome.version, state.outcome.generation) == key:
            return state.outcome
        future = state.inflight.get(key)
        if future is None or (required and future.done() and future.exception() is None
                              and future.result() is None):
            loop = asyncio.get_running_loop()
            future = loop.run_in_executor(self.lint_pool, self.lint_sync, uri, doc.source, doc.version,
                                          self.generation, required)
            state.inflight = {key: future}
        try:
            outcome = await asyncio.shield(future)
        except Exception as exc:  # an engine bug: report it once, keep serving
            self.report(f"linting {uri} failed: {type(exc).__name__}: {exc}", level=types.MessageType.Error)
            outcome = Outcome(doc.version, key[1])
        if outcome is None:
            return None
        for message, show in outcome.messages:
            self.report(message, show=show)
        if state.inflight.get(key) is future:
            state.inflight.pop(key, None)
        if self.docs.get(uri) is state and key == (state.version, self.generation):
            state.outcome = outcome
        return outcome

    def all_diagnostics(self, state: DocState, outcome: Outcome) -> list[types.Diagnostic]:
        return [*outcome.diagnostics, *state.sandbox]

    async def lint_and_publish(self, uri: str, delay_ms: int) -> None:
        if delay_ms:
            await asyncio.sleep(delay_ms / 1000)
        outcome = await self.outcome(uri, required=False)
        state = self.docs.get(uri)
        if outcome is None or state is None or outcome.version != state.version:
            return
        self.publish(uri, state, outcome)

    def publish(self, uri: str, state: DocState, outcome: Outcome) -> None:
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
            uri=uri, version=outcome.version, diagnostics=self.all_diagnostics(state, outcome)))

    def schedule(self, uri: str, delay_ms: int) -> None:
        state = self.docs.get(uri)
        if state is None or self.pull_mode():
            return
        if state.task is not None and not state.task.done():
            state.task.cancel()
        state.task = asyncio.ensure_future(self.lint_and_publish(uri, delay_ms))

    def refresh_all(self) -> None:
        """Settings changed: every open document's diagnostics may change."""
        if self.pull_mode():
            workspace = self.client_capabilities.workspace
            diagnostics = workspace.diagnostics if workspace is not None else None
            if diagnostics is not None and diagnostics.refresh_support:
                self.workspace_diagnostic_refresh(None)
            return
        for uri in list(self.docs):
            self.schedule(uri, 0)

    # --- fix all -------------------------------------------------------------------------------------
    def fix_all_sync(self, uri: str, text: str) -> tuple[types.TextEdit | None, int]:
        state = self.docs.get(uri)
        if state is None or not self.editor.enable or self.is_deployment_file(uri, state.language_id):
            return None, 0  # deployment findings have no fixes
        path = self.path_for(uri)
        try:
            linter = self.pipeline.linter_for(path)
            if not self.pipeline.is_entry_script(path, text, seen_as_entry=state.entry):
                return None, 0
        except ConfigError:
            return None, 0
        fixed = linter.fix_text(text, path, unsafe=False)
        return convert.minimal_edit(text, fixed.text, convert.TextIndex(text, self.codec)), fixed.applied

    async def fix_all_edit(self, uri: str) -> tuple[types.WorkspaceEdit | None, int]:
        doc = self.workspace.get_text_document(uri)
        text, version = doc.source, doc.version
        loop = asyncio.get_running_loop()
        edit, applied = await loop.run_in_executor(self.lint_pool, self.fix_all_sync, uri, text)
        if edit is None:
            return None, 0
        return actions.workspace_edit(uri, version, [edit], self.client_capabilities), applied

    # --- sandbox -------------------------------------------------------------------------------------
    async def run_sandbox_on_save(self, uri: str) -> None:
        state = self.docs.get(uri)
        if state is None or not state.entry:
            return
        doc = self.workspace.get_text_document(uri)
        version, path = doc.version, self.path_for(uri)
        if not isinstance(path, Path) or not path.is_file():
            return
        loop = asyncio.get_running_loop()
        try:
            linter = await loop.run_in_executor(self.lint_pool, self.pipeline.linter_for, path)
            text = decode_source(path.read_bytes())
            static = {str(d.code) for d in state.outcome.diagnostics} if state.outcome is not None else set()
            notes: list[str] = []  # reduced isolation, project settings ignored: shown to the user
            found = await loop.run_in_executor(self.sandbox_pool, swagger.sandbox_diagnostics, path, text,
                                               linter, static, notes)
            for note in notes:
                self.report(note, show=True)
        except swagger.SandboxUnavailable as exc:
            self.report(str(exc), show=True)
            return
        except Exception as exc:
            self.report(f"sandbox failed on {path.name}: {type(exc).__name__}: {exc}")
            return
        state = self.docs.get(uri)
        if state is None:
            return
        index = convert.TextIndex(text, self.codec)
        state.sandbox = [convert.to_lsp(d, index, version, uri) for d in found]
        state.sandbox_stamp += 1
        if self.pull_mode():
            self.refresh_all()
        elif state.outcome is not None:
            self.publish(uri, state, state.outcome)


def _result_id(state: DocState, outcome: Outcome) -> str:
    return f"{outcome.generation}:{outcome.version}:{state.sandbox_stamp}"


def create_server() -> ScorelintServer:
    server = ScorelintServer()

    @server.feature(types.INITIALIZE)
    def initialize(ls: ScorelintServer, params: types.InitializeParams) -> None:
        options = params.initialization_options
        ls._had_init_options = settings_section(options) is not None
        ls.apply_settings(options)
        if params.process_id:  # the editor may die without closing our pipes
            exit_with(params.process_id, on_exit=lambda: log.warning("the client process %s is gone; exiting",
                                                                     params.process_id))

    @server.feature(types.INITIALIZED)
    async def initialized(ls: ScorelintServer, params: types.InitializedParams) -> None:
        workspace = ls.client_capabilities.workspace
        if workspace is None:
            return
        watched = workspace.did_change_watched_files
        if watched is not None and watched.dynamic_registration:
            try:
                await ls.client_register_capability_async(types.RegistrationParams(registrations=[
                    types.Registration(
                        id="scorelint-config-files",
                        method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                        register_options=types.DidChangeWatchedFilesRegistrationOptions(watchers=[
                            types.FileSystemWatcher(glob_pattern="**/pyproject.toml"),
                            types.FileSystemWatcher(glob_pattern="**/scorelint.toml"),
                        ]),
                    )]))
            except Exception as exc:
                log.info("cannot watch configuration files: %s", exc)
        if not ls._had_init_options and workspace.configuration:
            await _pull_configuration(ls)

    @server.feature(types.SHUTDOWN)
    def shutdown(ls: ScorelintServer, params: None) -> None:
        for state in ls.docs.values():
            if state.task is not None:
                state.task.cancel()
        ls.lint_pool.shutdown(wait=False, cancel_futures=True)
        ls.sandbox_pool.shutdown(wait=False, cancel_futures=True)
        swagger.WORKERS.close()

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: ScorelintServer, params: types.DidOpenTextDocumentParams) -> None:
        item = params.text_document
        if not (ls.is_python(item.uri, item.language_id) or ls.is_deployment_file(item.uri, item.language_id)):
            return
        ls.docs[item.uri] = DocState(item.uri, item.language_id, version=item.version)
        ls.schedule(item.uri, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: ScorelintServer, params: types.DidChangeTextDocumentParams) -> None:
        state = ls.docs.get(params.text_document.uri)
        if state is None:
            return
        state.version = params.text_document.version
        ls.schedule(state.uri, ls.editor.debounce_ms)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE, types.SaveOptions(include_text=False))
    def did_save(ls: ScorelintServer, params: types.DidSaveTextDocumentParams) -> None:
        uri = params.text_document.uri
        if uri.endswith(("/pyproject.toml", "/scorelint.toml")):
            ls.pipeline.clear()
            ls.generation += 1
            ls.refresh_all()
            return
        state = ls.docs.get(uri)
        if state is None:
            return
        current = state.outcome is not None and (state.outcome.version, state.outcome.generation) == (
            state.version, ls.generation)
        if current and state.deployment_stale:
            state.outcome = None  # the deployments that use the script read the saved file: lint again
        if not current or state.deployment_stale:
            ls.schedule(uri, 0)
        if ls.editor.sandbox_on_save:
            if state.sandbox_task is not None and not state.sandbox_task.done():
                state.sandbox_task.cancel()
            state.sandbox_task = asyncio.ensure_future(ls.run_sandbox_on_save(uri))

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: ScorelintServer, params: types.DidCloseTextDocumentParams) -> None:
        state = ls.docs.pop(params.text_document.uri, None)
        if state is None:
            return
        if state.task is not None:
            state.task.cancel()
        if not ls.pull_mode():
            ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=state.uri, diagnostics=[]))

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def did_change_configuration(ls: ScorelintServer, params: types.DidChangeConfigurationParams) -> None:
        if settings_section(params.settings) is not None:
            ls.apply_settings(params.settings)
        elif ls.client_capabilities.workspace is not None and ls.client_capabilities.workspace.configuration:
            await _pull_configuration(ls)
            return
        ls.refresh_all()

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def did_change_watched_files(ls: ScorelintServer, params: types.DidChangeWatchedFilesParams) -> None:
        ls.pipeline.clear()
        ls.generation += 1
        ls.refresh_all()

    @server.feature(
        types.TEXT_DOCUMENT_DIAGNOSTIC,
        types.DiagnosticOptions(identifier="scorelint", inter_file_dependencies=False, workspace_diagnostics=False),
    )
    async def pull_diagnostics(ls: ScorelintServer, params: types.DocumentDiagnosticParams):
        uri = params.text_document.uri
        outcome = await ls.outcome(uri, required=True)
        state = ls.docs.get(uri)
        if outcome is None or state is None:
            return types.RelatedFullDocumentDiagnosticReport(items=[])
        result_id = _result_id(state, outcome)
        if params.previous_result_id == result_id:
            return types.RelatedUnchangedDocumentDiagnosticReport(result_id=result_id)
        return types.RelatedFullDocumentDiagnosticReport(items=ls.all_diagnostics(state, outcome),
                                                         result_id=result_id)

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix, actions.FIX_ALL_KIND],
                                resolve_provider=True),
    )
    async def code_action(ls: ScorelintServer, params: types.CodeActionParams):
        uri = params.text_document.uri
        state = ls.docs.get(uri)
        if state is None:
            return None
        doc = ls.workspace.get_text_document(uri)
        only = list(params.context.only) if params.context.only else None
        result: list[types.CodeAction] = []
        if actions.kind_requested(types.CodeActionKind.QuickFix, only):
            result.extend(_quick_fixes(ls, state, doc, params.context.diagnostics))
        if actions.kind_requested(actions.FIX_ALL_KIND, only):
            fix_all = await _fix_all_action(ls, state, doc, explicit=only is not None)
            if fix_all is not None:
                result.append(fix_all)
        return result

    @server.feature(types.CODE_ACTION_RESOLVE)
    async def resolve_code_action(ls: ScorelintServer, action: types.CodeAction) -> types.CodeAction:
        data = action.data if isinstance(action.data, dict) else {}
        uri = data.get("fixAll")
        if uri and uri in ls.docs and action.edit is None:
            action.edit, _ = await ls.fix_all_edit(uri)
        return action

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def on_hover(ls: ScorelintServer, params: types.HoverParams) -> types.Hover | None:
        uri = params.text_document.uri
        if uri not in ls.docs:
            return None
        doc = ls.workspace.get_text_document(uri)
        index = convert.TextIndex(doc.source, ls.codec)
        line, column = index.to_column(params.position)
        kind = types.MarkupKind.Markdown
        formats = getattr(getattr(ls.client_capabilities.text_document, "hover", None), "content_format", None)
        if formats and types.MarkupKind.Markdown not in formats:
            kind = types.MarkupKind.PlainText
        found = hover.rule_at(index.line(line), column, default_registry())
        if found is None:
            # On a finding: its short message and its help (what the Problems panel's one line leaves out).
            state = ls.docs[uri]
            current = state.outcome.diagnostics if state.outcome is not None else []
            under = hover.findings_at([*current, *state.sandbox], params.position)
            if not under:
                return None
            return types.Hover(contents=types.MarkupContent(kind=kind, value=hover.findings_markdown(under)),
                               range=under[0].range)
        start, end, markdown = found
        return types.Hover(
            contents=types.MarkupContent(kind=kind, value=markdown),
            range=types.Range(start=index.position(line + 1, start), end=index.position(line + 1, end)),
        )

    @server.command(SHOW_SWAGGER)
    async def show_swagger(ls: ScorelintServer, *args: Any) -> Any:
        uri, options = _command_target(args)
        path = ls.path_for(uri) if "://" in uri or uri.startswith("untitled:") else Path(uri)
        if not isinstance(path, Path) or not path.is_file():
            raise _failed(f"scorelint.showSwagger needs a saved file; {uri} is not one")
        loop = asyncio.get_running_loop()
        try:
            linter = await loop.run_in_executor(ls.lint_pool, ls.pipeline.linter_for, path)
            return await loop.run_in_executor(ls.sandbox_pool, swagger.show_swagger, path, linter.settings,
                                              options)
        except (swagger.SandboxUnavailable, swagger.SwaggerFailed, ConfigError) as exc:
            raise _failed(str(exc), getattr(exc, "data", None)) from None

    @server.command(APPLY_FIX_ALL)
    async def apply_fix_all(ls: ScorelintServer, *args: Any) -> Any:
        uri, _ = _command_target(args)
        if uri not in ls.docs:
            return {"applied": False, "fixes": 0, "reason": "the document is not open"}
        edit, count = await ls.fix_all_edit(uri)
        if edit is None:
            return {"applied": False, "fixes": 0}
        response = await ls.workspace_apply_edit_async(
            types.ApplyWorkspaceEditParams(edit=edit, label="scorelint: fix all"))
        return {"applied": bool(response and response.applied), "fixes": count}

    return server


def _command_target(args: tuple[Any, ...]) -> tuple[str, dict[str, Any]]:
    """Commands take a URI (or path) string, or one object with `uri` and options."""
    if args and isinstance(args[0], str):
        options = args[1] if len(args) > 1 and isinstance(args[1], dict) else {}
        return args[0], options
    if args and isinstance(args[0], dict) and isinstance(args[0].get("uri") or args[0].get("path"), str):
        options = dict(args[0])
        return options.pop("uri", None) or options.pop("path"), options
    raise JsonRpcException(code=types.ErrorCodes.InvalidParams,
                           message="expected a document URI (or an object with `uri`) as the first argument")


def _failed(message: str, data: Any = None) -> JsonRpcException:
    return JsonRpcException(code=types.LSPErrorCodes.RequestFailed, message=message, data=data)


async def _pull_configuration(ls: ScorelintServer) -> None:
    try:
        values = await ls.workspace_configuration_async(
            types.ConfigurationParams(items=[types.ConfigurationItem(section="scorelint")]))
    except Exception as exc:
        log.info("workspace/configuration failed: %s", exc)
        return
    raw = values[0] if values else None
    if isinstance(raw, dict):
        ls.apply_settings({"scorelint": raw})
        ls.refresh_all()


def _quick_fixes(ls: ScorelintServer, state: DocState, doc, diagnostics) -> list[types.CodeAction]:
    result: list[types.CodeAction] = []
    index: convert.TextIndex | None = None
    registry = default_registry()
    current = state.outcome if state.outcome is not None and state.outcome.version == doc.version else None
    for diagnostic in diagnostics:
        if diagnostic.source != convert.SOURCE or not isinstance(diagnostic.code, str):
            continue
        data = actions.data_of(diagnostic)
        if data is None or data.get("version") != doc.version:
            data = _data_from_outcome(current, diagnostic)  # the client dropped `data`, or it is stale
            if data is None:
                continue
        code = diagnostic.code
        fix = data.get("fix")
        if isinstance(fix, dict) and fix.get("edits"):
            title = f"scorelint ({code}): {fix.get('title')}" + ("" if fix.get("safe") else " (unsafe)")
            result.append(types.CodeAction(
                title=title, kind=types.CodeActionKind.QuickFix, diagnostics=[diagnostic],
                is_preferred=bool(fix.get("safe")),
                edit=actions.workspace_edit(doc.uri, doc.version, [convert.text_edit(e) for e in fix["edits"]],
                                            ls.client_capabilities)))
        rule = registry.lookup(code)
        noqa_line = data.get("noqaLine")
        if data.get("origin", "static") != "static" or rule is None or noqa_line is None or rule.hooks:
            continue
        if index is None:
            index = convert.TextIndex(doc.source, ls.codec)
        r = diagnostic.range
        if (r.start.line, r.start.character, r.end.line, r.end.character) == (0, 0, 0, 0):
            edit, where = actions.file_suppression_edit(index, rule.name), "file"
        else:
            edit, where = actions.suppression_edit(index, noqa_line, rule.code, rule.name), "line"
        if edit is None:
            continue
        result.append(types.CodeAction(
            title=f"scorelint ({code}): Disable {rule.name} for this {where}", kind=types.CodeActionKind.QuickFix,
            diagnostics=[diagnostic], edit=actions.workspace_edit(doc.uri, doc.version, [edit],
                                                                  ls.client_capabilities)))
    return result


def _data_from_outcome(outcome: Outcome | None, diagnostic: types.Diagnostic) -> dict[str, Any] | None:
    if outcome is None:
        return None
    for mine in outcome.diagnostics:
        if mine.code == diagnostic.code and mine.range == diagnostic.range:
            return mine.data if isinstance(mine.data, dict) else None
    return None


async def _fix_all_action(ls: ScorelintServer, state: DocState, doc, *, explicit: bool) -> types.CodeAction | None:
    title = "scorelint: Fix all safe fixes"
    if not explicit:
        # The light bulb asks on every cursor move: offer fix-all only when a safe fix exists, and
        # compute it lazily when the client can resolve it.
        if state.outcome is None or state.outcome.version != doc.version or not state.outcome.safe_fixes:
            return None
        text_document = ls.client_capabilities.text_document
        resolve = text_document.code_action.resolve_support if text_document and text_document.code_action \
            else None
        if resolve is not None and "edit" in resolve.properties:
            return types.CodeAction(title=title, kind=actions.FIX_ALL_KIND,
                                    data={"fixAll": doc.uri, "version": doc.version})
    edit, _ = await ls.fix_all_edit(doc.uri)
    if edit is None:
        return None
    return types.CodeAction(title=title, kind=actions.FIX_ALL_KIND, edit=edit)


def serve(transport: str = "stdio", host: str = "127.0.0.1", port: int = 2087, log_file: str | None = None,
          log_level: str = "warning") -> int:
    """Start the server and block until the client says exit (or disconnects)."""
    handler: logging.Handler = logging.FileHandler(log_file) if log_file else logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    level = getattr(logging, log_level.upper(), logging.WARNING)
    for name in ("scorelint_lsp", "pygls"):
        logger = logging.getLogger(name)
        logger.addHandler(handler)
        logger.propagate = False
        # pygls logs every message it sends at INFO, and a warning for every late $/cancelRequest (editors
        # send many): useful in a log file, never on the editor's stderr by default
        logger.setLevel(level if name == "scorelint_lsp" or log_file else max(level, logging.ERROR))
    server = create_server()
    _settle_memory()
    if transport == "tcp":
        server.start_tcp(host, port)
        return 0
    import sys

    # The protocol owns the real stdout. Anything else that writes there (a stray print, a library, a
    # child process inheriting the descriptor) would corrupt the message stream, so point descriptor 1
    # and sys.stdout at stderr and give pygls a private duplicate of the original.
    protocol_out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    sys.stdout = sys.stderr
    server.start_io(sys.stdin.buffer, protocol_out)
    return 0


def _settle_memory() -> None:
    """Load every rule now, then freeze what is loaded out of the garbage collector's reach (see
    `settle_memory_once`): the first keystroke then pays for neither."""
    try:
        default_registry()
    except Exception:  # noqa: BLE001 - a broken rule pack is reported on first use, as before
        pass
    settle_memory_once()


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="scorelint lsp", description="scorelint's language server.")
    parser.add_argument("--stdio", action="store_true", help="talk over standard input/output (the default)")
    parser.add_argument("--tcp", action="store_true", help="listen on a TCP port instead")
    parser.add_argument("--host", default="127.0.0.1", help="address for --tcp (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=2087, help="port for --tcp (default 2087)")
    parser.add_argument("--log-file", default=None, help="write the server's log here instead of stderr")
    parser.add_argument("--log-level", default="warning", choices=["debug", "info", "warning", "error"])
    args = parser.parse_args(argv)
    return serve("tcp" if args.tcp else "stdio", args.host, args.port, args.log_file, args.log_level)
