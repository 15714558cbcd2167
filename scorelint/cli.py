"""The command line: `scorelint [check] PATH...`, `scorelint rule`, and the sandbox and server commands.

Exit codes (as ruff): 0 nothing found, 1 findings, 2 a usage or configuration error or a file that could
not be checked (the other files are still checked and reported), 130 interrupted.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

from . import __version__

# The engine (libcst, the rule registry) is imported inside the commands that use it, so that commands that
# do not lint (`scorelint swagger`, `scorelint try`) start without paying for it.
if TYPE_CHECKING:
    from .runner import CheckOptions, CheckRun, FileOutcome


class _LazyFormats(Sequence):
    """scorelint.report.FORMATS, imported when click first looks at the choices, not when this module loads."""

    def __getitem__(self, index):
        from .report import FORMATS

        return FORMATS[index]

    def __len__(self) -> int:
        from .report import FORMATS

        return len(FORMATS)


EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def fail(message: str) -> None:
    """A usage or configuration error in scorelint's one style: one line on stderr, exit 2."""
    click.echo(f"scorelint: error: {message}", err=True)
    sys.exit(EXIT_ERROR)


class DefaultToCheck(click.Group):
    """`scorelint score.py` means `scorelint check score.py` (ruff's old spelling users still type)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h", "--version"):
            self._refuse_misspelt_command(args[0])
            args = ["check", *args]
        return super().parse_args(ctx, args)

    def _refuse_misspelt_command(self, word: str) -> None:
        """`scorelint chek x.py`: a word close to a command, naming no file, is a misspelt command."""
        if word.startswith("-") or os.path.lexists(word):
            return
        import difflib

        close = difflib.get_close_matches(word, list(self.commands), n=1, cutoff=0.6)
        if close:
            fail(f"unknown command {word!r} (did you mean `scorelint {close[0]}`?), and no file or folder of "
                 "that name either")

    def main(self, *args, standalone_mode: bool = True, **kwargs):
        # click's own errors ("Error: No such option") in scorelint's style, like every other error.
        try:
            code = super().main(*args, standalone_mode=False, **kwargs)
        except click.UsageError as exc:
            command = exc.ctx.command_path if exc.ctx is not None else "scorelint"
            click.echo(f"scorelint: error: {exc.format_message()} (`{command} --help` lists the options)",
                       err=True)
            code = EXIT_ERROR
        except click.ClickException as exc:
            click.echo(f"scorelint: error: {exc.format_message()}", err=True)
            code = exc.exit_code
        except click.Abort:
            click.echo("scorelint: interrupted", err=True)
            code = 130
        code = code if isinstance(code, int) else EXIT_CLEAN
        if not standalone_mode:
            return code
        sys.exit(code)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            # click would print "Aborted!" and exit 1, which reads as "findings"; 130 is what shells expect.
            click.echo("scorelint: interrupted", err=True)
            ctx.exit(130)


@click.group(cls=DefaultToCheck, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="scorelint")
def main() -> None:
    """scorelint: check Azure Machine Learning entry scripts (score.py) before you deploy them."""


def _split(values: tuple[str, ...]) -> tuple[str, ...] | None:
    if not values:
        return None
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())


@main.command()
# readable=False: an unreadable file is reported (exit 2) while the other files are still checked.
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path, readable=False))
@click.option("--output-format", type=click.Choice(_LazyFormats()), default=None, envvar="SCORELINT_OUTPUT_FORMAT",
              help="How to print findings: full (the source lines under each finding, the default in a terminal), "
                   "concise (one line each, the default elsewhere; `text` is its old name), json, sarif, github, "
                   "azure.")
@click.option("--select", multiple=True, help="Rules to enable: codes, prefixes (SL1) or names; comma-separated.")
@click.option("--extend-select", multiple=True, help="Rules to enable on top of the configured selection.")
@click.option("--ignore", multiple=True, help="Rules to disable: codes, prefixes or names.")
@click.option("--kind", type=click.Choice(["auto", "online", "batch"]), default=None,
              help="Treat scripts as online (HTTP) or batch scripts; default: detect.")
@click.option("--target-version", default=None, metavar="X.Y",
              help="The azureml-inference-server-http version the scripts are deployed with (default: the newest); "
                   "rules about a change of the server run only for the versions it concerns.")
@click.option("--fix/--no-fix", default=False,
              help="Apply the fixes marked [*] and write the files; --no-fix (e.g. in a hook's args) turns it off.")
@click.option("--unsafe-fixes", is_flag=True, help="Also apply fixes that may change behaviour.")
@click.option("--fix-only", is_flag=True,
              help="Apply fixes, but report no remaining finding and exit 0 for them (errors still exit 2).")
@click.option("--diff", is_flag=True, help="Show the fixes as a diff; write nothing.")
@click.option("--show-fixes", is_flag=True, help="After --fix or --diff, list the findings fixed in each file.")
@click.option("--add-noqa", is_flag=True,
              help="Add `# noqa: CODE` comments that suppress every current finding (to adopt scorelint on old "
                   "code), and report nothing else.")
@click.option("--statistics", is_flag=True, help="Count the findings per rule instead of listing them.")
@click.option("--show-files", is_flag=True, help="List the files that would be checked, and exit.")
@click.option("--show-settings", is_flag=True,
              help="Show the settings the first path is checked with (configuration file, selection...), and exit.")
@click.option("-q", "--quiet", is_flag=True, help="Print the findings only: no summary, no warnings.")
@click.option("-v", "--verbose", is_flag=True,
              help="Also say on standard error which configuration each folder uses, what the cache answered, "
                   "and how long the run took.")
@click.option("-o", "--output-file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the report to this file instead of standard output.")
@click.option("-w", "--watch", is_flag=True,
              help="Check again whenever a file under the paths changes (needs the watch extra: "
                   "pip install 'scorelint[watch]').")
@click.option("--force-exclude", is_flag=True,
              help="Apply the exclusions (the configuration's exclude, test modules) to files named on the command "
                   "line too, as to files found in folders (pre-commit's hooks use it: they name every file).")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when findings are reported.")
@click.option("--stdin-filename", default=None, help="The file name to report for input read from '-'.")
@click.option("--config", "config_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="Use this pyproject.toml (or scorelint.toml) instead of searching for one.")
@click.option("--color/--no-color", default=None,
              help="Colour the text output (default: in a terminal, unless NO_COLOR is set; FORCE_COLOR forces it).")
@click.option("-j", "--jobs", type=click.IntRange(min=0), default=0,
              help="Processes to check files with (default 0: one per core).")
@click.option("--no-cache", is_flag=True, help="Do not read or write the result cache.")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              envvar="SCORELINT_CACHE_DIR", help="Where the result cache lives (default: the user cache folder).")
@click.option("--sandbox", is_flag=True,
              help="Also import each script in the isolated sandbox: import-failed, load-failed, "
                   "sensitive-swagger-example.")
@click.option("--python", "sandbox_python", default=None, metavar="PATH",
              help="The interpreter the sandbox runs (default: [tool.scorelint.sandbox] python, or this one).")
@click.option("--sandbox-timeout", type=float, default=None, metavar="SECONDS",
              help="How long each script may take in the sandbox (default 10).")
@click.option("--no-stand-ins", "no_stand_ins", is_flag=True,
              help="With --sandbox: a package the interpreter lacks is import-failed, not stood in for.")
@click.option("--require-isolation", is_flag=True, default=None,
              help="Fail, instead of importing scripts with less isolation, where the sandbox lacks OS layers.")
@click.pass_context
def check(ctx: click.Context, paths: tuple[Path, ...], output_format: str | None, select, extend_select, ignore,
          kind, target_version: str | None, fix: bool, unsafe_fixes: bool, fix_only: bool, diff: bool,
          show_fixes: bool, add_noqa: bool,
          statistics: bool, show_files: bool, show_settings: bool, quiet: bool, verbose: bool,
          output_file: Path | None, watch: bool, force_exclude: bool, exit_zero: bool, stdin_filename: str | None,
          config_file: Path | None, color: bool | None, jobs: int, no_cache: bool,
          cache_dir: Path | None, sandbox: bool = False, sandbox_python: str | None = None,
          sandbox_timeout: float | None = None, no_stand_ins: bool = False,
          require_isolation: bool | None = None) -> None:
    """Check entry scripts (files, folders, or - for standard input)."""
    if watch:
        from .watch import watch_and_check

        sys.exit(watch_and_check(ctx, paths or (Path("."),)))
    from .report import ReportOptions, Summary, make_reporter
    from .runner import CheckOptions, CheckRun

    if not paths:
        paths = (Path("."),)
    started = time.perf_counter()
    fix = fix or fix_only
    _check_selectors({"--select": _split(select), "--extend-select": _split(extend_select),
                      "--ignore": _split(ignore)})
    from .config import SERVER_VERSION

    if target_version is not None and not SERVER_VERSION.fullmatch(target_version):
        fail(f"--target-version must be an azureml-inference-server-http version such as 1.3 or 1.4.0, not "
             f"{target_version!r}")
    overrides = {"select": _split(select), "ignore": _split(ignore), "kind": kind, "target_version": target_version}
    if extend_select:
        overrides["extend_select"] = _split(extend_select)
    options = CheckOptions(fix=fix and not diff and not add_noqa, unsafe_fixes=unsafe_fixes, diff=diff,
                           overrides={k: v for k, v in overrides.items() if v is not None},
                           config_file=config_file, cache_dir=None if no_cache else (cache_dir or _cache_dir()),
                           show_fixes=show_fixes)
    run = CheckRun(options)
    from .registry import LazyRegistry

    # With --diff, standard output holds the diff alone (it can be piped to `patch`), and with `--fix -` the
    # fixed source alone (editors use it as a formatter): the findings then go to standard error.
    fixing_stdin = fix and any(str(p) == "-" for p in paths)
    stream = _output_stream(output_file, "stderr" if diff or fixing_stdin else "stdout")
    if output_format is None:
        output_format = "full" if stream.isatty() else "concise"
    text_format = output_format in ("full", "concise", "text")
    use_color = _use_color(color, stream) and text_format
    if text_format:
        _keep_undecodable_names(stream)
    report_options = ReportOptions(color=use_color, unsafe_fixes=unsafe_fixes, quiet=quiet, show_fixes=show_fixes,
                                   fix_only=fix_only)
    registry = LazyRegistry()
    reporter = (make_reporter("statistics-json" if output_format == "json" else "statistics", stream, registry,
                              report_options) if statistics else
                make_reporter(output_format, stream, registry, report_options))
    summary = Summary(report_options)
    summary.dry_run = diff
    outcomes: list[FileOutcome] = []
    exit_code = EXIT_CLEAN

    stdin_outcome, stdin_text = None, None
    if any(str(p) == "-" for p in paths) and not (show_files or show_settings):
        stdin_outcome, stdin_text = _check_stdin(stdin_filename, run)
        outcomes.append(stdin_outcome)
    paths = tuple(p for p in paths if str(p) != "-")

    if show_settings:
        sys.exit(_show_settings(run, paths[0] if paths else Path(stdin_filename or "score.py"), stream))

    from .discovery import discover

    # Each folder is walked with its own settings; a broken configuration is reported below, for its files.
    targets, path_errors = discover(list(paths), run.pipeline.settings_for, force_exclude=force_exclude)
    for error in path_errors:
        click.echo(f"scorelint: error: {error.path}: {error.message}", err=True)
        exit_code = EXIT_ERROR
    scripts = [t.path for t in targets if not t.deployment]
    deployments = None
    named_scripts = [t.path for t in targets if t.explicit and not t.deployment and t.path.suffix == ".py"]
    if named_scripts:
        from .deployment.related import may_belong_to_a_deployment

        named_scripts = [p for p in named_scripts if may_belong_to_a_deployment(p)]
    if any(t.deployment for t in targets) or named_scripts:
        # Deployment YAML found or named, or files that may belong to a deployment (a named script, conda or
        # requirements file: pre-commit names only what changed). YAML is parsed only when one is present.
        from .deployment.run import DeploymentRun

        deployments = DeploymentRun([t.path for t in targets if t.deployment],
                                    explicit={t.path for t in targets if t.deployment and t.explicit},
                                    related=named_scripts)
        scripts += deployments.scripts(scripts)  # a script a deployment names is checked, whatever its name
    if show_files:
        for path in [*scripts, *(t.path for t in targets if t.deployment)]:
            stream.write(f"{path}\n")
        stream.flush()
        sys.exit(exit_code)
    if verbose:
        _say_settings(run, scripts)
    outcomes.extend(_check_all(scripts, run, jobs))
    if deployments is not None:
        outcomes = deployments.merge(outcomes, run.pipeline, python=sandbox_python)
    if sandbox:
        _add_sandbox_findings(outcomes, run, {"python": sandbox_python, "timeout": sandbox_timeout,
                                              "stand_ins": False if no_stand_ins else None,
                                              "require_isolation": require_isolation or None}, jobs)
    if add_noqa:
        from .noqa import add_noqa_comments

        status = add_noqa_comments(outcomes, stream, quiet=quiet)
        stream.flush()
        sys.exit(status or exit_code)

    config_errors: set[str] = set()
    for outcome in outcomes:
        result = outcome.result
        if outcome.config_error is not None:
            if outcome.config_error not in config_errors:  # one message, not one per file
                config_errors.add(outcome.config_error)
                click.echo(f"scorelint: error: {outcome.config_error}", err=True)
            exit_code = EXIT_ERROR
            summary.errors += 1
            continue
        if outcome.write_error:
            # One line saying why the file was not written; its findings are those of the file as it is.
            click.echo(f"scorelint: error: {result.path}: {outcome.write_error}", err=True)
            exit_code = EXIT_ERROR
            summary.errors += 1
        else:
            summary.add_fixed(result.path, outcome.fixed, outcome.fixed_codes)
        if result.error:
            click.echo(f"scorelint: error: {result.path}: {result.error}", err=True)
            exit_code = EXIT_ERROR
        if result.internal_errors:
            exit_code = EXIT_ERROR
        if fix_only:  # the fixed file's remaining findings are not reported
            result.diagnostics = []
        summary.add(result)
        if outcome.diff:
            click.echo(outcome.diff, nl=False)
        source = None
        if reporter.needs_source and result.diagnostics:
            source = stdin_text if outcome is stdin_outcome else _source_of(outcome)
        reporter.file(result.path, result, source)
    reporter.finish(summary)
    stream.flush()
    if not outcomes and not path_errors and not quiet:
        _warn_nothing_checked(paths, force_exclude)
    if verbose:
        cached = sum(1 for o in outcomes if o.cached)
        from .report import plural

        click.echo(f"scorelint: checked {plural(len(outcomes), 'file')} ({cached} answered by the cache) in "
                   f"{time.perf_counter() - started:.2f} s", err=True)

    if exit_code == EXIT_CLEAN and not exit_zero:
        if summary.diagnostics or any(o.diff for o in outcomes):
            exit_code = EXIT_FINDINGS
    sys.exit(exit_code)


def _output_stream(output_file: Path | None, default: str):
    """Standard output (or error), or -o's file: written as the OS gives names, like the terminal."""
    if output_file is None:
        return click.get_text_stream(default)
    try:
        return open(output_file, "w", encoding="utf-8", errors="surrogateescape")  # closed at exit
    except OSError as exc:
        fail(f"{output_file}: cannot write the report: {exc.strerror or exc}")


def _use_color(flag: bool | None, stream) -> bool:
    """--color/--no-color, else the conventions of no-color.org and force-color.org, else: a terminal."""
    if flag is not None:
        return flag
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return stream.isatty()


def _say_settings(run, scripts: list[Path]) -> None:
    """-v: which configuration each folder's scripts are checked with."""
    seen: set[Path] = set()
    for path in scripts:
        folder = path.parent
        if folder in seen:
            continue
        seen.add(folder)
        try:
            config = run.pipeline.config_file_for(path)
        except Exception as exc:  # a broken configuration is reported with its files
            config = exc
        click.echo(f"scorelint: {folder}/: configuration {config or 'none (the defaults)'}", err=True)


def _show_settings(run, path: Path, stream) -> int:
    """--show-settings: what `path` is checked with, as ruff's --show-settings shows it."""
    from .config import ConfigError

    try:
        settings = run.pipeline.settings_for(path.absolute() / "__scorelint__.py" if path.is_dir() else path)
        linter = run.pipeline.linter_for(path.absolute() / "__scorelint__.py" if path.is_dir() else path)
    except ConfigError as exc:
        fail(str(exc))
    rules = linter.selection.rules_for(path)
    lines = [
        f"Settings for {path}:",
        f"  configuration file: {settings.config_file or 'none (the defaults)'}",
        f"  include: {list(settings.include)}",
        f"  exclude: {list(settings.exclude)}",
        f"  select: {list(settings.select) if settings.select is not None else 'all rules'}",
        f"  extend-select: {list(settings.extend_select)}",
        f"  ignore: {list(settings.ignore)}",
        f"  per-file-ignores: {dict(settings.per_file_ignores)}",
        f"  kind: {settings.kind}",
        f"  rule options: {dict(settings.rule_options)}",
        f"  enabled rules ({len(rules)}): {', '.join(rule.code for rule in rules)}",
    ]
    stream.write("\n".join(lines) + "\n")
    stream.flush()
    return EXIT_CLEAN


def _warn_nothing_checked(paths: tuple[Path, ...], force_exclude: bool) -> None:
    """Nothing at all was checked: say so on stderr (exit 0, as ruff does), not "All checks passed"."""
    if force_exclude and not any(p.is_dir() for p in paths):
        reason = ("every file given is excluded (a test module, or the configuration's exclude) and "
                  "--force-exclude is on")
    else:
        reason = (f"no entry scripts under {', '.join(str(p) for p in paths)} (files named like an include glob, "
                  "default *score*.py, or defining init and run)")
    click.echo(f"scorelint: warning: no files checked: {reason}", err=True)


def _check_selectors(options: dict[str, tuple[str, ...] | None]) -> None:
    """Selectors given on the command line concern every file: an unknown one stops the run before any
    file is checked (as ruff does), named with its option. (Unknown ones in a configuration file are
    reported naming that file.)"""
    if not any(options.values()):
        return
    from .config import unknown_selector
    from .registry import default_registry

    registry = default_registry()
    for option, selectors in options.items():
        for selector in selectors or ():
            if registry.matching(selector)[1] < 0:
                fail(unknown_selector(registry, selector, f" in {option}"))


def _keep_undecodable_names(stream) -> None:
    """A file name that is not UTF-8 (`score\\xe9.py`) is printed in the text formats as the OS gives it,
    byte for byte, as ls and compilers do; Python holds such bytes as lone surrogates, which a strict stream
    refuses."""
    try:
        stream.reconfigure(errors="surrogateescape")
    except (AttributeError, ValueError, OSError):
        pass


def _source_of(outcome: FileOutcome) -> str | None:
    """The text a finding's lines are shown from in `full` output: the fixed text after --fix."""
    from .encoding import SourceDecodeError, SourceFile

    if outcome.result.text is not None:
        return outcome.result.text
    try:
        return SourceFile.from_bytes(outcome.path.read_bytes()).text
    except (OSError, SourceDecodeError):
        return None


def _cache_dir() -> Path:
    from .cache import default_cache_dir

    return default_cache_dir()


def _cores() -> int:
    """What -j 0 means: the cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def _check_all(paths: list[Path], run: CheckRun, jobs: int) -> list[FileOutcome]:
    from .runner import check_files

    jobs = jobs or _cores()
    stderr = click.get_text_stream("stderr")
    if len(paths) < 50 or not stderr.isatty():
        return check_files(paths, run, jobs=jobs)
    # A progress bar on long runs, on the terminal only (never in pipes, CI logs or editors).
    with click.progressbar(length=len(paths), label="Checking", file=stderr, show_pos=True) as bar:
        return check_files(paths, run, jobs=jobs, on_done=bar.update)


def _check_stdin(stdin_filename: str | None, run: CheckRun) -> tuple[FileOutcome, str | None]:
    """The outcome for standard input, and its text (for `full` output)."""
    from .config import ConfigError
    from .encoding import SourceDecodeError, SourceFile
    from .model import LintResult
    from .runner import FileOutcome, check_text

    display = Path(stdin_filename or "-")
    data = click.get_binary_stream("stdin").read()
    try:
        source = SourceFile.from_bytes(data)
    except SourceDecodeError as exc:
        return FileOutcome(display, LintResult(str(display), error=f"cannot decode input: {exc}")), None
    try:
        linter = run.pipeline.linter_for(display if stdin_filename else Path.cwd() / "score.py")
    except ConfigError as exc:
        return FileOutcome(display, LintResult(str(display)), config_error=str(exc)), source.text
    outcome = check_text(source, display, linter, run.options, write=False)
    if run.options.fix and not run.options.diff:
        # Like ruff: with --fix, the fixed source goes to stdout and the findings to stderr.
        text = outcome.result.text if outcome.result.text is not None else source.text
        sys.stdout.buffer.write(source.to_bytes(text))
        sys.stdout.flush()
    return outcome, source.text


@main.command()
@click.argument("code_or_name", required=False)
@click.option("--all", "show_all", is_flag=True, help="List every rule.")
@click.option("--output-format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text",
              show_default=True)
def rule(code_or_name: str | None, show_all: bool, fmt: str) -> None:
    """Show a rule's documentation (by code or name), or list every rule with --all."""
    from .docs import rule_json, rule_markdown, rules_table
    from .registry import default_registry

    registry = default_registry()
    if show_all and code_or_name:
        fail(f"give a rule ({code_or_name}) or --all, not both")
    if show_all:
        if fmt == "json":
            import json

            click.echo(json.dumps([rule_json(r) for r in registry.rules], indent=2))
        elif fmt == "markdown":
            click.echo(rules_table(registry.rules))
        else:
            for r in registry.rules:
                fixable = " (fixable)" if r.fixable else ""
                click.echo(f"{r.code}  {r.name:<34} {r.severity.value:<8}{r.summary}{fixable}")
        return
    if not code_or_name:
        fail("give a rule code or name (`scorelint rule SL004`), or --all to list every rule")
    found = registry.lookup(code_or_name)
    if found is None:
        fail(f"no rule has the code or name {code_or_name!r} ({registry.did_you_mean(code_or_name)}"
             "`scorelint rule --all` lists them)")
    if fmt == "json":
        import json

        click.echo(json.dumps(rule_json(found), indent=2))
    else:
        click.echo(rule_markdown(found))


@main.command()
@click.option("--stdio", is_flag=True, help="Talk over standard input/output (the default).")
@click.option("--tcp", is_flag=True, help="Listen on a TCP port instead of stdio.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address for --tcp.")
@click.option("--port", type=int, default=2087, show_default=True, help="Port for --tcp.")
@click.option("--log-file", type=click.Path(dir_okay=False), default=None,
              help="Write the server's log to this file instead of stderr.")
@click.option("--log-level", type=click.Choice(["debug", "info", "warning", "error"]), default="warning",
              show_default=True)
def lsp(stdio: bool, tcp: bool, host: str, port: int, log_file: str | None, log_level: str) -> None:
    """Start the language server for editors (needs the lsp extra: pip install 'scorelint[lsp]')."""
    try:  # imported here: pygls is optional and the command line must stay light without it
        from scorelint_lsp.server import serve
    except ImportError as exc:
        click.echo(f"scorelint: error: the language server needs the lsp extra (pip install 'scorelint[lsp]'): "
                   f"{exc}", err=True)
        sys.exit(EXIT_ERROR)
    sys.exit(serve("tcp" if tcp else "stdio", host, port, log_file, log_level))


def _add_sandbox_findings(outcomes, run: CheckRun, overrides: dict, jobs: int) -> None:
    from .sandbox.findings import add_sandbox_findings

    jobs = jobs or _cores()
    add_sandbox_findings(outcomes, run.pipeline, overrides, jobs)


def _sandbox_options(function):
    """The options `swagger` and `try` share: where and how the script runs."""
    options = [
        click.option("--python", default=None, metavar="PATH",
                     help="The interpreter whose packages the script needs (default: this one)."),
        click.option("--app-root", type=click.Path(file_okay=False, path_type=Path), default=None,
                     help="The server's app root (swagger*.json, config.json; default: the script's folder)."),
        click.option("--model-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
                     help="The folder AZUREML_MODEL_DIR points to (default: an empty temporary folder)."),
        click.option("--timeout", type=float, default=None, metavar="SECONDS",
                     help="Wall-clock limit for the script (default 10)."),
        click.option("--no-stand-ins", "no_stand_ins", is_flag=True,
                     help="Fail on a package the interpreter lacks, instead of standing in for it."),
        click.option("--require-isolation", is_flag=True, default=None,
                     help="Fail, instead of importing the script with less isolation, where OS layers are missing."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


@main.command()
@click.argument("script", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--version", "version", type=click.Choice(["2", "2.0", "3", "3.0", "3.1", "all"]), default="2",
              show_default=True, help="The document /swagger.json?version=... would serve; all: every one.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the document to this file instead of standard output.")
@click.option("--service-name", default=None, help="SERVICE_NAME (default: 'ML service').")
@click.option("--service-version", default=None, help="SERVICE_VERSION (default: '1.0').")
@click.option("--path-prefix", default=None, help="SERVICE_PATH_PREFIX (default: none).")
@click.option("--validate", is_flag=True, help="Check the document with openapi-spec-validator.")
@click.option("--call-init", is_flag=True,
              help="Call init() before building the documents, as the server does (schemas set up in init).")
@_sandbox_options
def swagger(script: Path, version: str, output: Path | None, service_name, service_version, path_prefix,
            validate: bool, call_init: bool, python, app_root, model_dir, timeout, no_stand_ins: bool,
            require_isolation) -> None:
    """Print the Swagger/OpenAPI document the inference server would serve for SCRIPT (imported in the sandbox)."""
    from .sandbox.commands import swagger_command

    sys.exit(swagger_command(script, version, output, validate, python=python, app_root=app_root,
                             model_dir=model_dir, timeout=timeout, service_name=service_name,
                             service_version=service_version, path_prefix=path_prefix,
                             call_init=call_init or None, stand_ins=False if no_stand_ins else None,
                             require_isolation=require_isolation or None))


@main.command(name="try")
@click.argument("script", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--payload", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="A JSON request body to send instead of the schema's example.")
@click.option("--output-format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@_sandbox_options
def try_(script: Path, payload: Path | None, output_format: str, python, app_root, model_dir, timeout,
         no_stand_ins: bool, require_isolation) -> None:
    """Call SCRIPT's init() then run() in the sandbox, as the server would for one request, and check the output."""
    from .sandbox.commands import try_command

    sys.exit(try_command(script, payload, output_format, python=python, app_root=app_root, model_dir=model_dir,
                         timeout=timeout, stand_ins=False if no_stand_ins else None,
                         require_isolation=require_isolation or None))


if __name__ == "__main__":  # pragma: no cover
    main()
