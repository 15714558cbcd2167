from __future__ import annotations

import libcst as cst

from scorelint.model import Severity
from scorelint.rule import ANY_SCRIPT, Invalid, Rule, ScriptKind, Valid


class RunIsAsync(Rule):
    """`run` is defined with `async def`, but it is called synchronously.

    ## What it does
    Reports `async def run(...)` (also when `run` is assigned from an async function).

    ## Why is this bad?
    The inference server calls `run(...)` like a plain function and never awaits the result: it gets a
    coroutine object, the body never runs, and serialising the coroutine fails ("Object of type
    coroutine is not JSON serializable"), so every request is a 500. Batch endpoints call `run(mini_batch)`
    the same way and fail every mini-batch.

    ## Example
    ```python
    async def run(raw_data):
        data = json.loads(raw_data)["data"]
        return model.predict(data).tolist()
    ```

    ## Use instead
    ```python
    def run(raw_data):
        data = json.loads(raw_data)["data"]
        return model.predict(data).tolist()
    ```
    If `run` must call coroutines, keep `run` synchronous and call them with `asyncio.run(...)`.

    ## Fix safety
    When the body awaits nothing (no `await`, `async for` or `async with` of its own), the fix removes
    `async`; this is safe because every call failed before. A body that awaits gets no fix, nor does a
    script that itself treats `run` as a coroutine function (`await run(...)`, `asyncio.run(run(...))`)
    or uses the async function `run` is bound to elsewhere.
    """

    code = "SL105"
    name = "run-is-async"
    severity = Severity.ERROR
    contract = "2. How run is called: the server calls run synchronously and serialises its return value"
    kinds = ANY_SCRIPT

    VALID = [
        Valid("""
            import asyncio

            def init():
                pass

            async def _score(data):
                await asyncio.sleep(0)
                return data

            def run(raw_data):
                return asyncio.run(_score(raw_data))
            """),
        Valid("""
            def init():
                pass

            def run(mini_batch):
                async def helper():
                    return 1
                return [str(item) for item in mini_batch]
            """),
    ]
    INVALID = [
        Invalid(
            """
            import json

            def init():
                pass

            async def run(raw_data):
                data = json.loads(raw_data)["data"]
                return model.predict(data).tolist()
            """,
            line=6, message_contains="500",
            fixed="""
            import json

            def init():
                pass

            def run(raw_data):
                data = json.loads(raw_data)["data"]
                return model.predict(data).tolist()
            """,
        ),
        # Decorated, and awaiting: no fix.
        Invalid(
            """
            from inference_schema.schema_decorators import input_schema
            from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType

            def init():
                pass

            @input_schema("data", StandardPythonParameterType([1]))
            async def run(data):
                result = await client.score(data)
                return result
            """,
            line=8, message_contains="asyncio.run",
        ),
        # A batch script.
        Invalid(
            """
            def init():
                pass

            async  def run(mini_batch):
                return [len(f) for f in mini_batch]
            """,
            line=4, message_contains="mini-batch",
            fixed="""
            def init():
                pass

            def run(mini_batch):
                return [len(f) for f in mini_batch]
            """,
        ),
        # Awaited by the script's own test block: removing `async` would break it, so no fix.
        Invalid(
            """
            import asyncio

            def init():
                pass

            async def run(raw_data):
                return raw_data

            if __name__ == "__main__":
                print(asyncio.run(run('{"data": [1]}')))
            """,
            line=6,
        ),
        # run bound to an async function.
        Invalid(
            """
            def init():
                pass

            async def predict(data):
                return data

            run = predict
            """,
            line=4,
            fixed="""
            def init():
                pass

            def predict(data):
                return data

            run = predict
            """,
        ),
    ]

    def check(self) -> None:
        facts = self.facts
        run_def = facts.run.definition
        if run_def is None or run_def.asynchronous is None or facts.has_driver_module:
            return
        awaits = bool(facts.own_nodes(run_def, cst.Await)) or any(
            node.asynchronous is not None
            for kind in (cst.For, cst.With, cst.CompFor)
            for node in facts.own_nodes(run_def, kind)
        )
        if facts.kind is ScriptKind.BATCH:
            what = "the batch runner calls `run(mini_batch)` without awaiting it, so every mini-batch fails"
        else:
            what = ("the server calls `run` without awaiting it and cannot serialise the coroutine it gets, so "
                    "every request is a 500")
        instead = ("Call the coroutines from a plain `def run` with `asyncio.run(...)`." if awaits
                   else "Define it with `def`.")
        name = "`run`" if run_def.name.value == "run" else f"`{run_def.name.value}` (bound to `run`)"
        fix = None
        if not awaits and not self._awaited_elsewhere(run_def.name.value):
            fix = self.fix("Remove `async`", self.replace(run_def.asynchronous, "", whitespace=True))
        self.report(run_def.asynchronous, f"{name} is `async def`", help=f"{what[:1].upper()}{what[1:]}. {instead}",
                    fix=fix)

    def _awaited_elsewhere(self, name: str) -> bool:
        """The script treats the function as a coroutine function: `await run(...)`,
        `asyncio.run(run(...))`, `loop.run_until_complete(run(...))`..."""
        for node in self.source.nodes(cst.Call):
            if isinstance(node.func, cst.Name) and node.func.value == name:
                if isinstance(self.source.parent.get(node), (cst.Await, cst.Arg)):
                    return True
        if name != "run":
            # Bound to run under another name: any other use may rely on it being a coroutine function.
            uses = [n for n in self.source.nodes(cst.Name) if n.value == name]
            return len(uses) > 2
        return False
