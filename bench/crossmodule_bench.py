"""Why scorelint resolves sibling modules itself instead of with astroid (not part of the test suite).

    .venv/bin/python bench/crossmodule_bench.py [--folders 5]

Writes N code folders, each a `score.py` calling `helpers.predict(...)` (a `helpers.py` that returns
`model.predict(...)` of a joblib model), and answers "which function is `helpers.predict`, and what does it
return?" two ways, each in a fresh process:

- astroid (installed with the bench extras through pylint): its import; resolving the call needs the folder
  on `sys.path` and astroid's process-wide module cache cleared per folder (every folder has a module named
  `helpers`); then what astroid infers the call returns;
- scorelint.codefolder: the same resolution on scorelint's own parse, then SL203's verdict.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

SCORE = """\
import json
import helpers

def init():
    helpers.load("model.pkl")

def run(data):
    return {"predictions": helpers.predict(json.loads(data)["data"])}
"""
HELPERS = """\
import joblib
import numpy as np

model = None

def load(path):
    global model
    model = joblib.load(path)

def predict(rows):
    return model.predict(np.asarray(rows))
"""

ASTROID = """
import json, sys, time
started = time.perf_counter()
import astroid
from astroid import MANAGER, nodes
imported = time.perf_counter() - started
per_folder, verdicts = [], []
for folder in sys.argv[1:]:
    t = time.perf_counter()
    MANAGER.clear_cache()  # every folder has its own `helpers`: astroid caches modules by name, process-wide
    sys.path.insert(0, folder)
    module = MANAGER.ast_from_file(folder + "/score.py", modname="score")
    call = next(c for c in module["run"].nodes_of_class(nodes.Call)
                if isinstance(c.func, nodes.Attribute) and c.func.attrname == "predict")
    target = [type(n).__name__ for n in call.func.infer()]
    returns = [repr(n) for n in call.infer()]
    sys.path.pop(0)
    per_folder.append(time.perf_counter() - t)
    verdicts.append({"resolved": target, "returns": returns})
print(json.dumps({"import_s": imported, "per_folder_s": per_folder, "verdicts": verdicts[:1]}))
"""

ENGINE = """
import json, sys, time
from pathlib import Path
started = time.perf_counter()
from scorelint.api import Linter
from scorelint.config import Settings
linter = Linter(Settings(select=("SL203",)))
imported = time.perf_counter() - started
per_folder, verdicts = [], []
for folder in sys.argv[1:]:
    t = time.perf_counter()
    result = linter.lint_file(Path(folder) / "score.py")
    per_folder.append(time.perf_counter() - t)
    verdicts.append([d.message[:90] for d in result.diagnostics])
base = []
for folder in sys.argv[1:]:  # the same files again, cross-module step cached: the script's own cost
    t = time.perf_counter()
    linter.lint_file(Path(folder) / "score.py")
    base.append(time.perf_counter() - t)
print(json.dumps({"import_s": imported, "per_folder_s": per_folder, "warm_s": base, "verdicts": verdicts[:1]}))
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--folders", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folders = []
        for i in range(args.folders):
            folder = Path(tmp, f"code{i}")
            folder.mkdir()
            (folder / "score.py").write_text(SCORE)
            (folder / "helpers.py").write_text(HELPERS)
            folders.append(str(folder))
        for name, program in (("astroid", ASTROID), ("scorelint.codefolder", ENGINE)):
            out = subprocess.run([sys.executable, "-c", textwrap.dedent(program), *folders], capture_output=True,
                                 text=True, timeout=600)
            if out.returncode != 0:
                print(f"{name}: failed: {out.stderr.strip().splitlines()[-1:]}")
                continue
            data = json.loads(out.stdout)
            times = sorted(data["per_folder_s"])
            line = (f"{name:22s} import {data['import_s'] * 1000:6.0f} ms   per folder: median "
                    f"{times[len(times) // 2] * 1000:6.1f} ms (min {times[0] * 1000:.1f}, max {times[-1] * 1000:.1f})")
            if "warm_s" in data:
                line = line.replace("import", "import (libcst and every rule, loaded anyway)", 1)
                warm = sorted(data["warm_s"])
                line += f"   same file, siblings cached: {warm[len(warm) // 2] * 1000:.1f} ms"
            print(line)
            print(f"{'':22s} verdict: {data['verdicts'][0]}")


if __name__ == "__main__":
    main()
