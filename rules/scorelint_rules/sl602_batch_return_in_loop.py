from __future__ import annotations

import libcst as cst

from scorelint.model import Severity
from scorelint.rule import BATCH_ONLY, Invalid, Rule, Valid


class BatchReturnInLoop(Rule):
    """A `return` inside the loop over the mini-batch ends `run` after the first input.

    ## What it does
    In batch scripts, reports a `return` inside a `for` loop of `run` that iterates over the mini-batch
    (run's input, or a value computed from it: `enumerate(mini_batch)`, `input_data.iterrows()`, a
    filtered list of files...). Returns in the loop's `else:` block and in nested functions are not
    reported.

    ## Why is this bad?
    `run` is called once per mini-batch, with several files or rows. A `return` in the loop body leaves
    `run` during the first iteration (or the first time its branch is taken): the remaining inputs are
    never scored, the runtime counts them as failed, and the output has one row where it needed one per
    input. The job may still succeed with a generous `error_threshold`, silently missing most of its
    predictions. This is the usual shape of an online `run` pasted into a batch script.

    ## Example
    ```python
    def run(mini_batch):
        for image_path in mini_batch:
            image = Image.open(image_path)
            return [f"{os.path.basename(image_path)}: {classify(image)}"]
    ```

    ## Use instead
    ```python
    def run(mini_batch):
        results = []
        for image_path in mini_batch:
            image = Image.open(image_path)
            results.append(f"{os.path.basename(image_path)}: {classify(image)}")
        return results
    ```
    """

    code = "SL602"
    name = "batch-return-in-loop"
    severity = Severity.WARNING
    contract = "5. Batch scripts: run(mini_batch) scores every input of the mini-batch"
    kinds = BATCH_ONLY

    VALID = [
        Valid("""
            import os
            from PIL import Image

            def init():
                pass

            def run(mini_batch):
                results = []
                for image_path in mini_batch:
                    image = Image.open(image_path)
                    results.append(f"{os.path.basename(image_path)}: {classify(image)}")
                return results
            """),
        Valid("""
            def init():
                pass

            def run(mini_batch):
                def first_score(rows):
                    for row in rows:
                        return row
                for attempt in range(3):
                    if service_ready():
                        break
                else:
                    return []
                return [first_score(p) for p in mini_batch]
            """),
        Valid("""
            def init():
                pass

            def run(mini_batch):
                for attempt in range(3):
                    try:
                        return score_all(mini_batch)
                    except TimeoutError:
                        continue
                return []
            """),
    ]
    INVALID = [
        Invalid("""
            import os
            from PIL import Image

            def init():
                pass

            def run(mini_batch):
                for image_path in mini_batch:
                    image = Image.open(image_path)
                    return [f"{os.path.basename(image_path)}: {classify(image)}"]
            """, line=10, message_contains="first iteration"),
        Invalid("""
            import argparse
            import pandas as pd

            def init():
                global model
                parser = argparse.ArgumentParser()
                parser.add_argument("--model_dir")
                args, _ = parser.parse_known_args()
                model = load(args.model_dir)

            def run(input_data):
                for index, row in input_data.iterrows():
                    prediction = model.predict([row.values])
                    return pd.DataFrame({"id": [index], "prediction": prediction})
            """, line=14),
        Invalid("""
            from pathlib import Path

            def init():
                pass

            def run(mini_batch):
                results = []
                images = [p for p in mini_batch if Path(p).suffix == ".png"]
                for i, path in enumerate(images):
                    try:
                        results.append(score(path))
                    except OSError as error:
                        return [f"{path}: {error}"]
                return results
            """, line=13, message_contains="first time"),
    ]

    def check(self) -> None:
        run_def = self.facts.run.definition
        if run_def is None:
            return
        loops = self.facts.own_nodes(run_def, cst.For)
        if not loops:
            return
        batch_names = self._batch_names(run_def)
        if not batch_names:
            return
        batch_loops = [loop for loop in loops if any(n.value in batch_names for n in self.facts.names_read(loop.iter))]
        if not batch_loops:
            return
        for ret in self.facts.returns(run_def):
            loop, direct = self._enclosing_batch_loop(ret, batch_loops, run_def)
            if loop is None:
                continue
            if direct:
                happens = "during the first iteration of the loop over the mini-batch, so only the first input is scored"
            else:
                happens = ("the first time this branch is taken in the loop over the mini-batch, so the inputs after "
                           "it are never scored")
            self.report(ret, "This `return` leaves `run` inside the loop over the mini-batch",
                        help=f"It leaves `run` {happens} and the rest are counted as failed; append one result per "
                             "input to a list inside the loop and return the list after the loop.")

    def _enclosing_batch_loop(self, ret: cst.Return, loops: list[cst.For],
                              run_def: cst.FunctionDef) -> tuple[cst.For | None, bool]:
        child: cst.CSTNode = ret
        direct = True
        for ancestor in self.source.ancestors(ret):
            if ancestor is run_def:
                return None, False
            if isinstance(ancestor, cst.For):
                if child is ancestor.orelse:
                    return None, False  # the loop's else: runs after the loop
                if ancestor in loops:
                    return ancestor, direct
            if isinstance(ancestor, (cst.If, cst.Else, cst.ExceptHandler, cst.ExceptStarHandler, cst.While,
                                     cst.Match)):
                direct = False  # only some iterations get here
            child = ancestor
        return None, False

    def _batch_names(self, run_def: cst.FunctionDef) -> set[str]:
        params = [p for p in self.facts.params(run_def) if p.name not in ("mini_batch_context", "request_headers")]
        if not params:
            return set()
        # A file opened from an input (`with open(path) as f`) is one input's content, not the mini-batch.
        return self.facts.derived_names(run_def, {params[0].name}, through_with=False)
