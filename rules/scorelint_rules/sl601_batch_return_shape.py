from __future__ import annotations

import libcst as cst

from scorelint.model import Severity
from scorelint.rule import BATCH_ONLY, Invalid, Rule, Valid

_NUMBER_CALLS = frozenset({"len", "sum", "int", "float", "round", "bool", "abs"})
_STRING_CALLS = frozenset({"str", "repr", "json.dumps"})
_WRITERS = frozenset({"to_csv", "to_json", "to_parquet", "to_excel", "to_pickle"})


_HELP = ("The batch runtime counts each element `run` returns as one successfully processed input, so this mini-batch "
         "is miscounted or reported as failed (the job aborts past `error_threshold`) and gets no output rows; return "
         "a list or a pandas DataFrame with one element or row per input.")


class BatchReturnShape(Rule):
    """A batch script's `run` returns something other than a list or a DataFrame with one element per input.

    ## What it does
    In batch scripts (batch endpoints, ParallelRunStep), reports returns from `run(mini_batch)` of
    None (also a bare `return`, or no return at all), a dict, a string, a number or a bool, and of
    local variables that only ever hold one of those, and a `run` that is a generator (`yield`). Lists,
    tuples, arrays, DataFrames and anything the rule cannot tell are accepted.

    ## Why is this bad?
    The batch runtime expects `run` to return a list (or array) or a pandas DataFrame, and counts each
    element or row as one input of the mini-batch that was processed successfully. With `append_row` the
    elements become the lines of the output file; with `summary_only` they are still counted against
    `error_threshold`. A dict, a string, a number or None cannot be counted per input: the mini-batch is
    miscounted or reported as failed, the job aborts once the failures pass the threshold, and the output
    file lacks one row per input.

    ## Example
    ```python
    def run(mini_batch):
        scores = {}
        for path in mini_batch:
            scores[os.path.basename(path)] = float(model.predict(pd.read_csv(path)).mean())
        return scores
    ```

    ## Use instead
    ```python
    def run(mini_batch):
        results = []
        for path in mini_batch:
            results.append([os.path.basename(path), float(model.predict(pd.read_csv(path)).mean())])
        return pd.DataFrame(results, columns=["file", "score"])
    ```
    """

    code = "SL601"
    name = "batch-return-shape"
    severity = Severity.WARNING
    contract = "5. Batch scripts: run(mini_batch) returns a list or a DataFrame with one element or row per input"
    kinds = BATCH_ONLY

    VALID = [
        Valid("""
            import os
            import pandas as pd

            def init():
                global model
                model = load(os.path.join(os.environ["AZUREML_MODEL_DIR"], "model"))

            def run(mini_batch):
                results = []
                for file_path in mini_batch:
                    data = pd.read_csv(file_path)
                    pred = model.predict(data)
                    results.append(f"{os.path.basename(file_path)}: {pred.mean()}")
                return results
            """),
        Valid("""
            import argparse

            def init():
                global model
                parser = argparse.ArgumentParser()
                parser.add_argument("--model", type=str)
                args, _ = parser.parse_known_args()
                model = load(args.model)

            def run(input_data):
                input_data["prediction"] = model.predict(input_data)
                return input_data
            """),
        Valid("""
            from typing import List
            import pandas as pd

            def init():
                pass

            def run(mini_batch: List[str]) -> pd.DataFrame:
                if not mini_batch:
                    return pd.DataFrame()
                frame = pd.concat([pd.read_parquet(p) for p in mini_batch])
                frame.to_parquet("/tmp/out.parquet")  # the output is written here; rows are counted below
                return mini_batch
            """),
        # An online script returning a dict is not this rule's business.
        Valid("""
            def init():
                pass

            def run(data):
                return {'result': data}
            """),
    ]
    INVALID = [
        Invalid("""
            import os
            import pandas as pd

            def init():
                pass

            def run(mini_batch):
                scores = {}
                for path in mini_batch:
                    scores[os.path.basename(path)] = float(model.predict(pd.read_csv(path)).mean())
                return scores
            """, line=11, message_contains="a dict"),
        Invalid("""
            def init():
                pass

            def run(mini_batch):
                for path in mini_batch:
                    score_file(path)
            """, line=4, message_contains="returns None"),
        Invalid("""
            import json

            def init():
                pass

            def run(mini_batch):
                if not mini_batch:
                    return
                predictions = [score(p) for p in mini_batch]
                return json.dumps(predictions)
            """, expected=2, line=8),
        Invalid("""
            from azureml_user.parallel_run import EntryScript

            def init():
                pass

            def run(input_data):
                logger = EntryScript().logger
                processed = 0
                for _, row in input_data.iterrows():
                    score_row(row)
                    processed += 1
                logger.info("done")
                return processed
            """, line=13, message_contains="a number"),
        # a generator: the runtime gets a generator object (seen in a public batch script)
        Invalid("""
            def init():
                pass

            def run(mini_batch):
                for path in mini_batch:
                    yield [path, score(path)]
            """, line=6, message_contains="generator"),
        Invalid("""
            def init():
                pass

            def run(mini_batch, mini_batch_context):
                frame = load_partition(mini_batch)
                return frame.to_csv(index=False)
            """, line=6, message_contains="to_csv"),
    ]

    def check(self) -> None:
        run_def = self.facts.run.definition
        if run_def is None:
            return
        yields = self.facts.own_nodes(run_def, cst.Yield)
        if yields:
            self.report(yields[0], "`run` is a generator (it uses `yield`)",
                        help="Calling it returns a generator object, not the list or DataFrame the batch runtime "
                             "counts inputs in, and runs none of its body until something iterates it; collect the "
                             "results in a list and return it.")
            return
        returns = self.facts.returns(run_def)
        if not any(r.value is not None for r in returns):
            self.report(run_def.name, "`run` returns None (it has no `return` with a value)", _HELP)
            return
        for ret in returns:
            what = self._shape(ret.value, run_def, depth=2)
            if what is not None:
                self.report(ret, f"`run` returns {what} here", f"That is not a list or a DataFrame. {_HELP}")

    def _shape(self, expr: cst.BaseExpression | None, func: cst.FunctionDef, depth: int) -> str | None:
        """A description of a wrong return value, or None when it is fine or unknown."""
        if expr is None:
            return "None"
        if isinstance(expr, cst.Name):
            if expr.value == "None":
                return "None"
            if expr.value in ("True", "False"):
                return "a bool"
            return self._variable_shape(expr.value, func, depth) if depth else None
        if isinstance(expr, (cst.Dict, cst.DictComp)):
            return "a dict"
        if isinstance(expr, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)):
            return "a string"
        if isinstance(expr, (cst.Integer, cst.Float)):
            return "a number"
        if isinstance(expr, cst.UnaryOperation) and isinstance(expr.expression, (cst.Integer, cst.Float)):
            return "a number"
        if isinstance(expr, cst.Comparison) or (
                isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Not)):
            return "a bool"
        if isinstance(expr, cst.Call):
            qualified = self.facts.qualified_name(expr.func)
            if qualified == "dict":
                return "a dict"
            if qualified in _STRING_CALLS:
                return "a string"
            if qualified in _NUMBER_CALLS:
                return "a number"
            if isinstance(expr.func, cst.Attribute):
                method = expr.func.attr.value
                if method == "to_dict":
                    return "a dict"
                if method in _WRITERS:
                    return f"what `.{method}(...)` returns (None when it writes a file, else one string)"
                if method in ("format", "join") and isinstance(expr.func.value, (cst.SimpleString,
                                                                                 cst.ConcatenatedString)):
                    return "a string"
        return None

    def _variable_shape(self, name: str, func: cst.FunctionDef, depth: int) -> str | None:
        bindings = self.facts.local_bindings(func).get(name)
        if not bindings:
            return None
        shapes = set()
        for binding in bindings:
            if binding.how == "augassign":
                continue  # `count += 1` keeps the kind of the first assignment
            if binding.how not in ("assign", "annassign") or binding.value is None:
                return None
            shape = self._shape(binding.value, func, depth - 1)
            if shape is None:
                return None
            shapes.add(shape)
        return shapes.pop() if len(shapes) == 1 else None
