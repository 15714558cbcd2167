"""Language-server latency: from a `didChange` to the `publishDiagnostics` for that version.

Starts the real server (`python -m scorelint_lsp`, stdio) with debounce 0, opens an entry script of
50, 300 and 1,000 lines, and makes N edits one at a time (each edit changes one line in the middle of
the file, sent as the whole document, as the server asks), timing each round trip. Prints p50 / p95 /
max per size, next to the engine's own in-process lint time for the same text (p50 / p95: the floor
the server cannot beat; the difference is the server's overhead). Target: p95 <= 50 ms at 300 lines.

    python bench/lsp_bench.py [--edits 200] [--sizes 50,300,1000] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient

HERE = Path(__file__).resolve().parent


def script(lines: int) -> str:
    """A realistic entry script of about `lines` lines (bench/corpus.py's generator when present)."""
    sys.path.insert(0, str(HERE))
    try:
        from corpus import generate  # type: ignore[import-not-found]

        text = generate(lines, random.Random(7), 0)
    except ImportError:
        text = _fallback(lines)
    finally:
        sys.path.remove(str(HERE))
    return text if text.endswith("\n") else text + "\n"


def _fallback(lines: int) -> str:
    head = ("import json\nimport os\n\nimport joblib\nimport numpy as np\n\nmodel = None\n\n\n"
            "def init():\n    global model\n    model = joblib.load(os.path.join(os.environ['AZUREML_MODEL_DIR'], "
            "'model.pkl'))\n\n\ndef run(raw_data):\n    data = np.array(json.loads(raw_data)['data'])\n"
            "    return model.predict(prepare_0(data)).tolist()\n")
    parts, n = [head], 0
    while sum(p.count("\n") for p in parts) < lines:
        parts.append(f"\n\ndef prepare_{n}(data):\n    \"\"\"Scale column {n}.\"\"\"\n    factor = {n + 1}.5\n"
                     f"    if data.ndim == 1:\n        data = data.reshape(1, -1)\n    return data * factor\n")
        n += 1
    return "".join(parts)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


async def measure(text: str, edits: int, workdir: Path) -> list[float]:
    client = LanguageClient("lsp-bench", "1")
    waiting: dict[int, asyncio.Future] = {}

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def published(params: types.PublishDiagnosticsParams) -> None:
        future = waiting.pop(params.version, None)
        if future is not None and not future.done():
            future.set_result(len(params.diagnostics))

    await client.start_io(sys.executable, "-m", "scorelint_lsp")
    await client.initialize_async(types.InitializeParams(
        capabilities=types.ClientCapabilities(), root_uri=workdir.as_uri(),
        initialization_options={"debounceMs": 0}))
    client.initialized(types.InitializedParams())
    uri = (workdir / "score.py").as_uri()
    loop = asyncio.get_running_loop()

    waiting[1] = loop.create_future()
    client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(
        uri=uri, language_id="python", version=1, text=text)))
    await asyncio.wait_for(waiting[1], 60)

    lines = text.split("\n")
    middle = len(lines) // 2
    timings = []
    for i in range(edits):
        version = i + 2
        edited = list(lines)
        edited[middle] = edited[middle] + f"  # edit {i}"
        new_text = "\n".join(edited)
        future = waiting[version] = loop.create_future()
        start = time.perf_counter()
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=new_text)]))
        await asyncio.wait_for(future, 60)
        timings.append((time.perf_counter() - start) * 1000)

    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    return timings


def engine_time(text: str, repeat: int = 60) -> tuple[float, float]:
    """The engine's own lint time for the text, in process (p50, p95): the floor under the server's."""
    from scorelint.api import Linter

    linter = Linter()
    linter.lint_text(text, "score.py")
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        linter.lint_text(text, "score.py")
        samples.append((time.perf_counter() - start) * 1000)
    return percentile(samples, 0.5), percentile(samples, 0.95)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--edits", type=int, default=200)
    parser.add_argument("--sizes", default="50,300,1000")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    import tempfile

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            text = script(size)
            timings = asyncio.run(measure(text, args.edits, Path(tmp)))
            engine_p50, engine_p95 = engine_time(text)
            rows.append({
                "lines": text.count("\n"),
                "edits": len(timings),
                "p50_ms": round(percentile(timings, 0.50), 1),
                "p95_ms": round(percentile(timings, 0.95), 1),
                "max_ms": round(max(timings), 1),
                "engine_p50_ms": round(engine_p50, 1),
                "engine_p95_ms": round(engine_p95, 1),
            })
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        print(f"{'lines':>6} {'edits':>6} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'engine p50':>11} "
              f"{'engine p95':>11}")
        for r in rows:
            print(f"{r['lines']:>6} {r['edits']:>6} {r['p50_ms']:>8} {r['p95_ms']:>8} {r['max_ms']:>8} "
                  f"{r['engine_p50_ms']:>11} {r['engine_p95_ms']:>11}")
        print("(engine: Linter.lint_text in this process, the part of the latency the server cannot remove)")
        target = [r for r in rows if 250 <= r["lines"] <= 350]
        if target:
            verdict = "met" if target[0]["p95_ms"] <= 50 else "NOT met"
            print(f"target p95 <= 50 ms at 300 lines: {verdict} ({target[0]['p95_ms']} ms)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
