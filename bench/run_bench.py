"""scorelint's speed, measured side by side with its peers in one run (not part of the test suite).

    .venv/bin/python bench/run_bench.py [--count 300] [--quick] [--engine-only]

Prints, for the same generated corpus (bench/corpus.py): per-file medians of a bare libcst parse,
scorelint, Fixit (its default rules) and pylint (its defaults), all in this process tree, with the
ratios the targets are stated in; then cold single-file wall time, `-j` scaling on 400 files, a warm-cache
re-run against a cold one, and the peak memory of a 1,000-file run; then the language server's latency
(bench/lsp_bench.py) and the sandbox against the reference server (bench/sandbox_bench.py), unless
`--engine-only`. Absolute numbers depend on the machine
and its load; the ratios are what to compare. `--quick` uses fewer files (for a smoke run).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from corpus import write_corpus  # noqa: E402


def per_file_times(paths: list[Path], check, repeat: int = 3) -> list[float]:
    """Best of `repeat` runs for each file (milliseconds): the least disturbed by other processes."""
    times = []
    for path in paths:
        text = path.read_text(encoding="utf-8")
        best = float("inf")
        for _ in range(repeat):
            start = time.perf_counter()
            check(path, text)
            best = min(best, time.perf_counter() - start)
        times.append(best * 1000)
    return times


def bench_per_file(paths: list[Path], pylint_sample: int) -> dict[str, float]:
    import libcst

    from scorelint.api import Linter

    linter = Linter()
    results: dict[str, float] = {}

    results["libcst parse"] = statistics.median(per_file_times(paths, lambda p, t: libcst.parse_module(t)))
    results["scorelint"] = statistics.median(per_file_times(paths, lambda p, t: linter.lint_text(t, p)))

    try:
        from fixit.api import fixit_bytes
        from fixit.config import generate_config

        config = generate_config(paths[0])

        def run_fixit(path: Path, text: str) -> None:
            for _ in fixit_bytes(path, text.encode("utf-8"), config=config):
                pass

        results["fixit"] = statistics.median(per_file_times(paths, run_fixit, repeat=1))
    except ImportError:
        print("fixit is not installed (pip install -e .[bench]); skipping it", file=sys.stderr)

    try:
        from pylint.lint import Run
        from pylint.reporters import CollectingReporter

        def run_pylint(path: Path, text: str) -> None:
            Run([str(path), "--persistent=n", "--score=n"], reporter=CollectingReporter(), exit=False)

        sample = paths[:: max(1, len(paths) // pylint_sample)][:pylint_sample]
        results["pylint"] = statistics.median(per_file_times(sample, run_pylint, repeat=1))
    except ImportError:
        print("pylint is not installed (pip install -e .[bench]); skipping it", file=sys.stderr)
    return results


def scorelint_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "scorelint", *args]


def wall(cmd: list[str], env: dict | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=False)
    return time.perf_counter() - start


# Linux keeps a process's peak RSS across fork and exec, so a child of this (large, Fixit- and pylint-
# loaded) process would report this process's size. A small launcher runs the command and reports the
# peak of its own children (the command and its workers).
_PEAK_LAUNCHER = ("import resource, subprocess, sys; "
                  "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); "
                  "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")


def peak_rss_mb(cmd: list[str], env: dict) -> float:
    launcher = subprocess.run([sys.executable, "-c", _PEAK_LAUNCHER, *cmd], capture_output=True, text=True,
                              env=env, check=True)
    return int(launcher.stdout.split()[-1]) / 1024


def bench_commands(workdir: Path, quick: bool) -> dict[str, float]:
    out: dict[str, float] = {}
    env = dict(os.environ, SCORELINT_CACHE_DIR=str(workdir / "cache"))
    example = HERE.parent / "examples" / "score.py"
    out["cold single file (s)"] = statistics.median(
        wall(scorelint_cmd(str(example), "--no-cache"), env) for _ in range(5 if quick else 10)
    )
    console = shutil.which("scorelint")
    if console:
        out["cold single file, console script (s)"] = statistics.median(
            wall([console, str(example), "--no-cache"], env) for _ in range(5 if quick else 10))

    big = workdir / "c400"
    write_corpus(big, 100 if quick else 400, seed=4)
    out["-j 1, 400 files (s)"] = min(wall(scorelint_cmd(str(big), "--no-cache", "-j", "1"), env) for _ in range(2))
    out["-j 2, 400 files (s)"] = min(wall(scorelint_cmd(str(big), "--no-cache", "-j", "2"), env) for _ in range(2))

    shutil.rmtree(workdir / "cache", ignore_errors=True)
    out["cold run, cache on (s)"] = wall(scorelint_cmd(str(big), "-j", "1"), env)
    out["warm-cache re-run (s)"] = min(wall(scorelint_cmd(str(big), "-j", "1"), env) for _ in range(3))

    huge = workdir / "c1000"
    write_corpus(huge, 200 if quick else 1000, seed=5)
    for jobs in ("1", "2"):
        out[f"peak memory, 1,000 files, -j {jobs}, largest process (MB)"] = peak_rss_mb(
            scorelint_cmd(str(huge), "--no-cache", "-j", jobs), env)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--pylint-sample", type=int, default=30)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--engine-only", action="store_true", help="skip the language-server and sandbox benchmarks")
    args = parser.parse_args()
    count = 60 if args.quick else args.count

    with tempfile.TemporaryDirectory(prefix="scorelint-bench-") as tmp:
        workdir = Path(tmp)
        paths = write_corpus(workdir / "corpus", count, seed=1)
        lines = statistics.median(p.read_text().count("\n") for p in paths)
        print(f"corpus: {len(paths)} generated entry scripts, median {lines:.0f} lines\n")
        per_file = bench_per_file(paths, 10 if args.quick else args.pylint_sample)
        print("per-file median (ms), same corpus, same process tree:")
        for name, value in per_file.items():
            print(f"  {name:<16} {value:8.2f}")
        ours = per_file["scorelint"]
        print("ratios:")
        print(f"  scorelint / libcst parse   {ours / per_file['libcst parse']:6.2f}   (target <= 2)")
        if "fixit" in per_file:
            print(f"  fixit / scorelint          {per_file['fixit'] / ours:6.1f}   (target >= 10)")
        if "pylint" in per_file:
            print(f"  pylint / scorelint         {per_file['pylint'] / ours:6.1f}")
        print()
        commands = bench_commands(workdir, args.quick)
        for name, value in commands.items():
            print(f"  {name:<38} {value:8.3f}")
        j1, j2 = commands["-j 1, 400 files (s)"], commands["-j 2, 400 files (s)"]
        print(f"  -j 2 speed-up over -j 1                {j1 / j2:8.2f}   (target >= 1.7)")
        cold, warm = commands["cold run, cache on (s)"], commands["warm-cache re-run (s)"]
        print(f"  warm-cache speed-up                    {cold / warm:8.1f}   (target >= 20)")

    if not args.engine_only:
        for name, extra in (("lsp_bench.py", ["--edits", "50" if args.quick else "200"]),
                            ("sandbox_bench.py", ["--runs", "3" if args.quick else "7"])):
            print(f"\n== {name} ==", flush=True)
            subprocess.run([sys.executable, str(HERE / name), *extra], check=False)


if __name__ == "__main__":
    main()
