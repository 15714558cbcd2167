from __future__ import annotations

import libcst as cst

from scorelint.model import Severity
from scorelint.rule import Invalid, Rule, Valid

from ._schemas import (
    dict_keys,
    normalized,
    power_bi_name,
    rename_edits,
    resolve_sample,
    retext_string,
)

_JSON_DUMPS = frozenset({"json.dumps"})


class SchemaNameCasing(Rule):
    """A near miss of the case-sensitive Power BI names `Inputs`, `GlobalParameters` or `Results`.

    ## What it does
    In a `run` decorated with inference-schema, reports names that are spelled like the Power BI names
    but not exactly: `inputs`, `INPUTS`, `Global_Parameters`, `globalParams`, `results`... It looks at the
    `@input_schema` names, the parameters of `run`, the top-level keys of the `@output_schema` sample and
    the keys of the dicts `run` returns. Output keys (and the singular `Input`/`Result`) are checked only
    when the inputs already follow the Power BI shape.

    ## Why is this bad?
    Power BI calls the service with the fields `Inputs` and `GlobalParameters` and reads `Results` from
    the response, and the server matches JSON fields to `run`'s parameters by their exact,
    case-sensitive name. A request with `Inputs` reaching `run(inputs)` is rejected with a 400 ("A value
    is not provided for the 'inputs' parameter"), and a response with `results` gives Power BI nothing.
    The Swagger document shows the misspelt names, so other generated clients inherit the mistake.

    ## Example
    ```python
    @input_schema("inputs", StandardPythonParameterType({"data": [[1.0, 2.0]]}))
    @output_schema(StandardPythonParameterType({"results": [1.0]}))
    def run(inputs):
        return {"results": model.predict(inputs["data"]).tolist()}
    ```

    ## Use instead
    ```python
    @input_schema("Inputs", StandardPythonParameterType({"data": [[1.0, 2.0]]}))
    @output_schema(StandardPythonParameterType({"Results": [1.0]}))
    def run(Inputs):
        return {"Results": model.predict(Inputs["data"]).tolist()}
    ```

    ## Fix safety
    The fix renames consistently: the decorator's string, the parameter and every use of it in `run`
    together, or the key. It is unsafe because the fields clients must send or read change: existing
    callers that use the old spelling stop working. A name given through a constant, or a rename that
    would clash with another name in `run`, gets no fix.
    """

    code = "SL102"
    name = "schema-name-casing"
    severity = Severity.WARNING
    contract = "3. Schema generation and Swagger: the Power BI names Inputs, GlobalParameters and Results are case-sensitive"

    VALID = [
        # The documents' Power BI example, names exactly right.
        Valid("""
            from inference_schema.schema_decorators import input_schema, output_schema
            from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType

            def init():
                pass

            sample_input = StandardPythonParameterType({'input1': StandardPythonParameterType(0.0)})
            sample_global_parameters = StandardPythonParameterType(1.0)
            outputs = StandardPythonParameterType({'Results': StandardPythonParameterType([1.0, 1.0])})

            @input_schema('Inputs', sample_input)
            @input_schema('GlobalParameters', sample_global_parameters)
            @output_schema(outputs)
            def run(Inputs, GlobalParameters=1.0):
                result = {"Results": [Inputs['input1']]}
                return result
            """),
        # Not a Power BI script: `data` in, `result` out.
        Valid("""
            from inference_schema.schema_decorators import input_schema, output_schema
            from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType

            def init():
                pass

            @input_schema("data", StandardPythonParameterType([[1, 2]]))
            @output_schema(StandardPythonParameterType({"result": [1]}))
            def run(data):
                return {"result": data, "results_count": 1}
            """),
        # An undecorated run receives the body as one string: parameter names do not matter.
        Valid("""
            import json

            def init():
                pass

            def run(inputs):
                payload = json.loads(inputs)
                return {"results": payload["data"]}
            """),
        # `result` singular is a near miss only in a script that otherwise follows the Power BI shape.
        Valid("""
            from inference_schema.schema_decorators import input_schema, output_schema
            from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType

            def init():
                pass

            @input_schema("features", StandardPythonParameterType([1.0]))
            def run(features):
                return {"result": features}
            """),
        # AutoML's generated script.
        Valid("""
            from inference_schema.schema_decorators import input_schema, output_schema
            from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType

            def init():
                pass

            input_sample = StandardPythonParameterType({'data': [1]})
            method_sample = StandardPythonParameterType("predict")
            sample_global_params = StandardPythonParameterType({"method": method_sample})
            output_sample = StandardPythonParameterType({'Results': [0]})

            @input_schema('GlobalParameters', sample_global_params, convert_to_provided_type=False)
            @input_schema('Inputs', input_sample)
            @output_schema(output_sample)
            def run(Inputs, GlobalParameters={"method": "predict"}):
                data = Inputs['data']
                return {'Results': data}
            """),
    ]
    INVALID = [
        Invalid(
            """
            from inference_schema.schema_decorators import input_schema, output_schema
            from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType

            def init():
                pass

            @input_schema("inputs", StandardPythonParameterType({"data": [1.0]}))
            def run(inputs):
                data = inputs["data"]
                return {"Results": [x * 2 for x in data], "echo": f"{inputs}"}
            """,
            line=7, message_contains="`Inputs`",
            fixed="""
            from inference_schema.schema_decorators import input_schema, output_schema
            from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType

            def init():
                pass

            @input_schema("Inputs", StandardPythonParameterType({"data": [1.0]}))
            def run(Inputs):
                data = Inputs["data"]
                return {"Results": [x * 2 for x in data], "echo": f"{Inputs}"}
            """,
        ),
        Invalid(
            """
            from inference_schema.schema_decorators import input_schema, output_schema
            from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType

            def init():
                pass

            @input_schema('Inputs', StandardPythonParameterType({'data': [1.0]}))
            @input_schema('Global_Parameters', StandardPythonParameterType({'threshold': 0.5}))
            @output_schema(StandardPythonParameterType({'results': [1.0]}))
            def run(Inputs, Global_Parameters=None):
                threshold = Global_Parameters.get('threshold', 0.5) if Global_Parameters else 0.5
                output = {'results': [v > threshold for v in Inputs['data']]}
                return output
            """,
            expected=3, line=8, message_contains="`GlobalParameters`",
            fixed="""
            from inference_schema.schema_decorators import input_schema, output_schema
            from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType

            def init():
                pass

            @input_schema('Inputs', StandardPythonParameterType({'data': [1.0]}))
            @input_schema('GlobalParameters', StandardPythonParameterType({'threshold': 0.5}))
            @output_schema(StandardPythonParameterType({'Results': [1.0]}))
            def run(Inputs, GlobalParameters=None):
                threshold = GlobalParameters.get('threshold', 0.5) if GlobalParameters else 0.5
                output = {'Results': [v > threshold for v in Inputs['data']]}
                return output
            """,
        ),
        # Upper case, and a parameter with no decorator of its own.
        Invalid(
            """
            from inference_schema.schema_decorators import input_schema, output_schema
            from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType

            def init():
                pass

            from inference_schema.parameter_types.numpy_parameter_type import NumpyParameterType
            import numpy as np

            @input_schema('INPUTS', NumpyParameterType(np.array([[1.0, 2.0]])))
            def run(INPUTS, globalParameters=None):
                return {'Results': INPUTS.tolist(), 'params': globalParameters}
            """,
            expected=2, line=10,
            fixed="""
            from inference_schema.schema_decorators import input_schema, output_schema
            from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType

            def init():
                pass

            from inference_schema.parameter_types.numpy_parameter_type import NumpyParameterType
            import numpy as np

            @input_schema('Inputs', NumpyParameterType(np.array([[1.0, 2.0]])))
            def run(Inputs, GlobalParameters=None):
                return {'Results': Inputs.tolist(), 'params': GlobalParameters}
            """,
        ),
        # The output sample through variables, and a returned dict through a local variable.
        Invalid(
            """
            from inference_schema.schema_decorators import input_schema, output_schema
            from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType

            def init():
                pass

            sample_output = StandardPythonParameterType([1.0])
            outputs = StandardPythonParameterType({"RESULTS": sample_output})

            @input_schema("Inputs", StandardPythonParameterType([1.0]))
            @output_schema(outputs)
            def run(Inputs):
                response = {"Result": Inputs}
                return response
            """,
            expected=2, line=8, message_contains="`Results`",
            fixed="""
            from inference_schema.schema_decorators import input_schema, output_schema
            from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType

            def init():
                pass

            sample_output = StandardPythonParameterType([1.0])
            outputs = StandardPythonParameterType({"Results": sample_output})

            @input_schema("Inputs", StandardPythonParameterType([1.0]))
            @output_schema(outputs)
            def run(Inputs):
                response = {"Results": Inputs}
                return response
            """,
        ),
        # A name through a constant and a rename that would clash: reported without a fix.
        Invalid(
            """
            from inference_schema.schema_decorators import input_schema, output_schema
            from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType

            def init():
                pass

            NAME = "inputs"

            @input_schema(NAME, StandardPythonParameterType([1.0]))
            def run(inputs):
                return inputs
            """,
            line=9,
        ),
        Invalid(
            """
            from inference_schema.schema_decorators import input_schema, output_schema
            from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType

            def init():
                pass

            @input_schema("inputs", StandardPythonParameterType([1.0]))
            def run(inputs):
                Inputs = [x for x in inputs]
                return Inputs
            """,
            line=7,
        ),
    ]

    def check(self) -> None:
        facts = self.facts
        run_def = facts.run.definition
        if run_def is None or facts.has_driver_module:
            return
        if not facts.is_schema_decorated:
            return  # undecorated: the body arrives as one string, names do not matter
        params = facts.run_params
        param_names = {p.name for p in params}
        schemas = [s for s in facts.input_schemas if s.param_name is not None]
        # Decorator names that match no parameter belong to schema-param-not-in-run; so do the
        # parameters that such a name resembles.
        stray = {normalized(s.param_name) for s in schemas if s.param_name not in param_names}
        input_names = [s.param_name for s in schemas] + [p.name for p in params]
        aims = any(n in ("Inputs", "GlobalParameters") or power_bi_name(n) is not None for n in input_names)

        reported: set[str] = set()
        for schema in schemas:
            name = schema.param_name
            if name not in param_names or name in reported:
                continue
            canonical = power_bi_name(name, loose=aims)
            if canonical in (None, "Results"):
                continue
            reported.add(name)
            message, help_text = self._input_message(name, canonical)
            self.report(schema.name_node, message, help=help_text, fix=self._rename_fix(name, canonical))
        for param in params:
            name = param.name
            if name in reported or name == "request_headers" or normalized(name) in stray:
                continue
            canonical = power_bi_name(name, loose=aims)
            if canonical in (None, "Results"):
                continue
            reported.add(name)
            message, help_text = self._input_message(name, canonical)
            self.report(param.node.name, message, help=help_text, fix=self._rename_fix(name, canonical))
        if not aims:
            return
        seen: set[cst.SimpleString] = set()
        output = facts.output_schema
        if output is not None:
            sample = resolve_sample(facts, output.param_type)
            if sample is not None and sample.type_kind == "standard":
                for key, node in dict_keys(sample.value):
                    self._check_key(key, node, seen, "the `@output_schema` sample")
        for returned in facts.returns(run_def):
            for value in self._returned_dicts(returned.value):
                for key, node in dict_keys(value):
                    self._check_key(key, node, seen, "the dict `run` returns")

    def _returned_dicts(self, value: cst.BaseExpression | None) -> list[cst.BaseExpression]:
        facts = self.facts
        if isinstance(value, cst.Call) and facts.qualified_name(value.func) in _JSON_DUMPS and value.args:
            value = value.args[0].value
        if isinstance(value, cst.Name):
            values = facts.flow(facts.run.definition).assigned_values(value.value)
            return values or []
        return [value] if value is not None else []

    def _check_key(self, key: str, node: cst.SimpleString, seen: set, where: str) -> None:
        if node in seen:
            return
        seen.add(node)
        canonical = power_bi_name(key, loose=True)
        if canonical != "Results":
            return
        fix = self.fix(f"Rename the key `{key}` to `Results` (clients' payloads change)",
                       self.replace(node, retext_string(node, "Results")), unsafe=True)
        self.report(node, f"Power BI reads the response key `Results` and finds nothing under `{key}`",
                    help=f"The key `{key}` is in {where} (keys are case-sensitive). Name the key `Results`.", fix=fix)

    @staticmethod
    def _input_message(name: str, canonical: str) -> tuple[str, str]:
        """(message, help) for an input named in another casing than Power BI's."""
        return (f"Power BI sends the field `{canonical}`, which the server does not match to `{name}`",
                f"Names are case-sensitive, so Power BI's requests are rejected with a 400. Rename `{name}` to "
                f"`{canonical}` in the decorator, the parameter and its uses.")

    def _rename_fix(self, old: str, new: str):
        facts = self.facts
        edits = []
        for schema in facts.input_schemas:
            if schema.param_name != old:
                continue
            if not isinstance(schema.name_node, cst.SimpleString):
                return None
            edits.append(self.replace(schema.name_node, retext_string(schema.name_node, new)))
        renames = rename_edits(self, facts, facts.run.definition, old, new)
        if renames is None:
            return None
        return self.fix(f"Rename `{old}` to `{new}` (clients' payloads change)", *edits, *renames, unsafe=True)
