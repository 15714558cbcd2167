"""--watch: check, then check again whenever a Python file (or a configuration) under the paths changes.

The waiting is watchfiles' (the file watcher uvicorn and others use: inotify on Linux, FSEvents on macOS,
changes debounced and batched, Ctrl-C handled), an optional extra imported only here, so the command line
pays nothing for it otherwise. Each round is the ordinary `check` with the same options.
"""

from __future__ import annotations

from pathlib import Path

import click

WATCHED_SUFFIXES = (".py", ".toml", ".yml", ".yaml", ".json", ".txt")  # scripts, configuration, deployments


def _relevant(change, path: str) -> bool:
    return path.endswith(WATCHED_SUFFIXES) and ".scorelint-tmp" not in path


def watch_and_check(ctx: click.Context, paths: tuple[Path, ...]) -> int:
    try:
        import watchfiles
    except ImportError:
        click.echo("scorelint: error: --watch needs the watch extra (pip install 'scorelint[watch]')", err=True)
        return 2
    params = dict(ctx.params, watch=False, paths=paths)
    folders = [str(p if p.is_dir() else p.parent) for p in paths if str(p) != "-"]
    if not folders:
        click.echo("scorelint: error: --watch needs files or folders, not standard input", err=True)
        return 2
    try:
        while True:
            try:
                ctx.invoke(ctx.command, **params)
            except SystemExit:
                pass
            click.echo("scorelint: watching for changes (Ctrl-C to stop)", err=True)
            for changes in watchfiles.watch(*folders, watch_filter=_relevant, raise_interrupt=True):
                names = sorted({Path(path).name for _, path in changes})
                click.echo(f"scorelint: changed: {', '.join(names)}; checking again", err=True)
                break
    except KeyboardInterrupt:
        return 0
