"""Sandbox Swagger against the reference server's time to its first /swagger.json, in the same run.

    python bench/sandbox_bench.py [--runs 5] [--scripts numpy,pandas_orients,standard]

For each script (from tests/sandbox_fixtures/), measured side by side, in alternation, so that both
sides see the same machine load:

- server: start `azmlinfsrv --entry_script score.py` (azureml-inference-server-http) and poll
  GET /swagger.json until it answers 200: start to first document;
- cold CLI: `scorelint swagger score.py` as a fresh process, start to exit (interpreter start-up,
  the command line, the sandbox's child with its isolation, the script's imports, the documents);
- cold API: `scorelint.sandbox.swagger(path)` from an already running Python (what a tool embedding
  scorelint pays);
- warm: the same call through a `WarmWorker` that has already imported numpy, pandas and
  inference-schema (what the language server pays per request); its one-time start-up is shown too;
- bwrap (when bubblewrap is installed): the cold API call with the child started under `bwrap
  --unshare-all --die-with-parent` (only the system folders, the interpreter and the fixtures bound, a
  fresh /tmp, /run, /dev/shm, no capabilities) instead of scorelint's own namespaces: the evaluation of
  docs/security.md, "Bubblewrap".

Prints per-script medians and the ratios to the server's time. Targets: cold CLI at most half the
server's time; warm under 0.2 s.
"""

from __future__ import annotations

import argparse
import http.client
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "sandbox_fixtures"
sys.path.insert(0, str(ROOT))

from scorelint.sandbox import SandboxOptions, WarmWorker, swagger  # noqa: E402


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_time(folder: Path) -> float:
    server = Path(sys.executable).with_name("azmlinfsrv")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SERVICE_", "AML_", "AZUREML_"))}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    port = _free_port()
    started = time.perf_counter()
    proc = subprocess.Popen([str(server), "--entry_script", "score.py", "--port", str(port)], cwd=folder, env=env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"the server exited on {folder}")
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                connection.request("GET", "/swagger.json")
                response = connection.getresponse()
                response.read()
                connection.close()
                if response.status == 200:
                    return time.perf_counter() - started
            except OSError:
                pass
            time.sleep(0.005)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def cli_time(script: Path) -> float:
    command = Path(sys.executable).with_name("scorelint")
    argv = [str(command)] if command.exists() else [sys.executable, "-m", "scorelint"]
    started = time.perf_counter()
    done = subprocess.run([*argv, "swagger", str(script)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(done.stderr.decode())
    return elapsed


def api_time(script: Path, worker=None) -> float:
    started = time.perf_counter()
    result = swagger(script, SandboxOptions(), worker=worker)
    elapsed = time.perf_counter() - started
    if result.failure is not None:
        raise RuntimeError(result.failure.message)
    return elapsed


BWRAP_WRAPPER = """#!/bin/bash
# The sandbox's child under bubblewrap, set up as scorelint's own view: only the system folders, the interpreter,
# this checkout and the fixtures are bound, read-only. Its last argument is the request, in ROOT/request.json;
# ROOT/box is the only writable folder.
request="${{@: -1}}"
root="$(dirname "$request")"
exec bwrap --unshare-all --die-with-parent --new-session --cap-drop ALL \\
  --ro-bind /usr /usr --ro-bind /etc /etc --ro-bind /sys /sys {links} {binds} \\
  --dev /dev --proc /proc --tmpfs /tmp --tmpfs /var/tmp --tmpfs /run --tmpfs /dev/shm \\
  --ro-bind "$root" "$root" --bind "$root/box" "$root/box" --chdir "$root/box/work" \\
  {python} "$@"
"""


def bwrap_interpreter(folder: Path) -> Path | None:
    """An interpreter that starts under bubblewrap (None: bwrap is not installed)."""
    import shlex
    import shutil

    if shutil.which("bwrap") is None:
        return None
    links = " ".join(f"--symlink {shlex.quote(os.readlink(top))} {top}" for top in ("/bin", "/sbin", "/lib", "/lib64")
                     if os.path.islink(top))
    needed = {os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, ROOT, FIXTURES, *sys.path) if p}
    needed = sorted(p for p in needed if os.path.exists(p) and not p.startswith(("/usr/", "/etc/")))
    binds = " ".join(f"--ro-bind {shlex.quote(p)} {shlex.quote(p)}" for p in needed
                     if not any(p.startswith(q + "/") for q in needed))
    wrapper = folder / "python-in-bwrap"
    wrapper.write_text(BWRAP_WRAPPER.format(python=sys.executable, links=links, binds=binds))
    wrapper.chmod(0o755)
    return wrapper


def bwrap_time(script: Path, wrapper: Path) -> float:
    """The cold API call, isolated by bubblewrap (scorelint's own namespaces off: bwrap made them)."""
    started = time.perf_counter()
    result = swagger(script, SandboxOptions(python=str(wrapper), namespaces=False))
    elapsed = time.perf_counter() - started
    if result.failure is not None:
        raise RuntimeError(result.failure.message)
    return elapsed


def byte_compile() -> None:
    """Compile scorelint's modules first, as `pip install` compiled the server's package. Run from a checkout
    with PYTHONDONTWRITEBYTECODE=1 (CI, the development machine), `scorelint swagger` would otherwise compile
    some 30 source files on every run, in the parent and in the sandbox's child (30 ms of CPU and more),
    which an installed scorelint never does."""
    import compileall

    compileall.compile_dir(str(ROOT / "scorelint"), quiet=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--scripts", default="numpy,pandas_orients,standard")
    args = parser.parse_args()
    byte_compile()

    started = time.perf_counter()
    worker = WarmWorker().start()
    worker_start = time.perf_counter() - started
    print(f"warm worker start-up (once): {worker_start * 1000:.0f} ms, preloaded: "
          f"{', '.join(worker.info.get('preloaded', []))}")
    import tempfile

    scratch = tempfile.mkdtemp(prefix="scorelint-bench-")
    wrapper = bwrap_interpreter(Path(scratch))
    print(f"{'script':<16}{'server':>10}{'cold CLI':>10}{'ratio':>8}{'cold API':>10}{'ratio':>8}"
          f"{'warm':>9}{'ratio':>8}" + (f"{'bwrap API':>11}{'ratio':>8}" if wrapper else ""))
    ratios_cli, warm_all, bwrap_vs_own = [], [], []
    try:
        for name in args.scripts.split(","):
            script = FIXTURES / name / "score.py"
            api_time(script, worker)  # first touch of the files, both sides
            server, cli, api, warm, boxed = [], [], [], [], []
            for _ in range(args.runs):  # alternate, so that both sides see the same load
                server.append(server_time(script.parent))
                cli.append(cli_time(script))
                api.append(api_time(script))
                warm.append(api_time(script, worker))
                if wrapper:
                    boxed.append(bwrap_time(script, wrapper))
            s, c, a, w = (statistics.median(x) for x in (server, cli, api, warm))
            ratios_cli.append(c / s)
            warm_all.append(w)
            line = (f"{name:<16}{s * 1000:>8.0f}ms{c * 1000:>8.0f}ms{c / s:>8.2f}{a * 1000:>8.0f}ms{a / s:>8.2f}"
                    f"{w * 1000:>7.0f}ms{w / s:>8.2f}")
            if wrapper:
                b = statistics.median(boxed)
                bwrap_vs_own.append(b / a)
                line += f"{b * 1000:>9.0f}ms{b / s:>8.2f}"
            print(line)
    finally:
        worker.close()
        import shutil

        shutil.rmtree(scratch, ignore_errors=True)
    worst = max(ratios_cli)
    print(f"\ncold `scorelint swagger` / server start-to-first-swagger: worst {worst:.2f} "
          f"(target <= 0.50: {'met' if worst <= 0.5 else 'NOT met'})")
    print(f"warm worker per request: worst median {max(warm_all) * 1000:.0f} ms "
          f"(target < 200 ms: {'met' if max(warm_all) < 0.2 else 'NOT met'})")
    if bwrap_vs_own:
        print(f"bubblewrap / scorelint's own namespaces, cold API: "
              f"{', '.join(f'{r:.2f}' for r in bwrap_vs_own)}")


if __name__ == "__main__":
    main()
