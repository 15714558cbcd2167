"""What checking deployments costs: `scorelint check DIR` on a folder with deployment YAML, against the same
folder with its YAML files removed (its scripts alone), in the same run, alternating, on the command line
(cold processes). Reports the median CPU time (user + system of the child: steady on a busy machine) and
wall time of each, and their ratio (the target: at most 1.2).

    python bench/deployment_bench.py FOLDER [--runs 7]

FOLDER: e.g. a checkout of Azure/azureml-examples' cli/endpoints (the measurement in the README used it).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

YAML = (".yml", ".yaml")


def run(folder: Path) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "scorelint", "check", str(folder), "--no-cache", "-j", "1",
                    "--exit-zero", "--output-format", "concise"], stdout=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), wall


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        with_yaml = Path(tmp, "with")
        without = Path(tmp, "without")
        shutil.copytree(args.folder, with_yaml)
        shutil.copytree(args.folder, without)
        removed = 0
        for path in list(without.rglob("*")):
            if path.suffix.lower() in YAML and path.is_file():
                path.unlink()
                removed += 1
        results: dict[str, list[tuple[float, float]]] = {"with": [], "without": []}
        run(with_yaml)  # warm the file system cache for both
        run(without)
        for _ in range(args.runs):
            results["with"].append(run(with_yaml))
            results["without"].append(run(without))
    cpu = {k: statistics.median(c for c, _ in v) for k, v in results.items()}
    wall = {k: statistics.median(w for _, w in v) for k, v in results.items()}
    print(f"{removed} YAML files; {args.runs} alternating runs; load average {os.getloadavg()[0]:.1f}")
    print(f"scripts alone:    CPU {cpu['without']:.3f} s, wall {wall['without']:.3f} s")
    print(f"with deployments: CPU {cpu['with']:.3f} s, wall {wall['with']:.3f} s")
    print(f"ratio:            CPU {cpu['with'] / cpu['without']:.2f}x, wall {wall['with'] / wall['without']:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
