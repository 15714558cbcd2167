from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import libcst as cst

from scorelint.facts import PARAMETER_TYPES, argument_value
from scorelint.model import Severity
from scorelint.rule import Invalid, Rule, RuleOptions, Valid

# The parameter types whose sample ends up in the Swagger document (the abstract base holds none).
_SAMPLE_TYPES = frozenset(q for q, kind in PARAMETER_TYPES.items() if kind != "abstract")
_SAMPLE_TYPE_NAMES = frozenset(q.rsplit(".", 1)[-1] for q in _SAMPLE_TYPES)

_DATAFRAME = frozenset({"pandas.DataFrame", "pandas.core.frame.DataFrame"})
_DATAFRAME_FROM = frozenset({"pandas.DataFrame.from_dict", "pandas.DataFrame.from_records",
                             "pandas.core.frame.DataFrame.from_dict", "pandas.core.frame.DataFrame.from_records"})
_SERIES = frozenset({"pandas.Series", "pandas.core.series.Series"})
_ARRAY = frozenset({"numpy.array", "numpy.asarray", "numpy.asanyarray", "numpy.matrix"})
_JSON_LOADS = frozenset({"json.loads"})
_CONTAINERS = frozenset({"list", "tuple", "set", "frozenset"})

_UNKNOWN: Any = object()  # a value the evaluator cannot know without running the script
_MAX_DEPTH = 40


@dataclass
class SensitiveSampleDataOptions(RuleOptions):
    """`allow`: sample values or keys to accept (case-insensitive), e.g. a test address you own or a column
    you know is synthetic. `names`: check for people's names (on by default). `keys`: report values that are
    recognised only by their key's name, e.g. any non-placeholder string under `password` (on by default)."""

    allow: list[str] = field(default_factory=list)
    names: bool = True
    keys: bool = True

    def __post_init__(self) -> None:
        if not isinstance(self.allow, (list, tuple)) or not all(isinstance(a, str) for a in self.allow):
            raise ValueError("allow must be a list of strings")
        if not isinstance(self.names, bool) or not isinstance(self.keys, bool):
            raise ValueError("names and keys must be true or false")


class SensitiveSampleData(Rule):
    """A schema sample holds what looks like personal or secret data, which the service publishes.

    ## What it does
    Evaluates the samples given to inference-schema's parameter types (`StandardPythonParameterType`,
    `NumpyParameterType`, `PandasParameterType`, `SparkParameterType`), without running the script: literals,
    module-level variables, nested dicts and lists, nested parameter types, `pd.DataFrame({...})`,
    `pd.DataFrame(data=[...], columns=[...])`, `DataFrame.from_dict`/`from_records`, `pd.Series`,
    `np.array([...])` and `json.loads('...')` of a literal. It reports every value that looks like an
    e-mail address, a phone number, a payment card number (Luhn-checked), a national ID number, an IBAN
    (mod-97-checked), a public IP address, a person's name, an API key, token, private key or connection
    string, or a real value under a sensitive key (`password`, `ssn`, `dob`, `email`, `phone`, `address`...),
    naming its key or DataFrame column.

    Ordinary words, cities, numbers, dates, category labels and feature names are not reported; neither
    are obvious placeholders (`user@example.com`, `555` phone numbers, `XXX-XX-XXXX`, `<password>`,
    `Jane Doe`, the card networks' test numbers, documentation IP ranges).

    ## Why is this bad?
    The server builds the service's Swagger document from these samples and serves it verbatim at
    `/swagger.json` (and in Azure ML studio's endpoint page): anyone who can reach the endpoint can read
    them. Samples are often copied from the training data, so a real customer's name, e-mail address or
    card number, or the key the script was tested with, ends up published with the service. The
    documents' own example uses two people's first names (`{'name': ['Sarah', 'John']}`).

    ## Example
    ```python
    sample = pd.DataFrame({"name": ["Sarah", "John"], "email": ["sarah.k@contoso.com", "jw@contoso.com"]})

    @input_schema("data", PandasParameterType(sample))
    def run(data):
        ...
    ```

    ## Use instead
    Synthetic placeholders of the same type and shape:
    ```python
    sample = pd.DataFrame({"name": ["Jane Doe", "John Doe"], "email": ["user1@example.com", "user2@example.com"]})
    ```
    Accept a value or a column you know to be synthetic with
    `[tool.scorelint.rules.sensitive-sample-data] allow = ["qa-team@contoso.com", "reviewer"]`;
    `names = false` turns off the check for people's names.
    """

    code = "SL301"
    name = "sensitive-sample-data"
    severity = Severity.WARNING
    contract = "3. Schema generation and Swagger: samples are published verbatim, so no real personal or secret data"
    Options = SensitiveSampleDataOptions

    VALID = [
        Valid("""
            import numpy as np
            import pandas as pd
            from inference_schema.schema_decorators import input_schema, output_schema
            from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType
            from inference_schema.parameter_types.numpy_parameter_type import NumpyParameterType
            from inference_schema.parameter_types.pandas_parameter_type import PandasParameterType

            def init():
                pass

            sample = pd.DataFrame({"age": [25, 26], "city": ["Paris", "Sydney"], "segment": ["Gold", "Silver"]})

            @input_schema("data", PandasParameterType(sample))
            def run(data):
                return data
            """),
        Valid("""
            import numpy as np
            import pandas as pd
            from inference_schema.schema_decorators import input_schema, output_schema
            from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType
            from inference_schema.parameter_types.numpy_parameter_type import NumpyParameterType
            from inference_schema.parameter_types.pandas_parameter_type import PandasParameterType

            def init():
                pass

            @input_schema("Inputs", StandardPythonParameterType({"data": [{"name": "Jane Doe", "email": "user@example.com",
                                                                           "phone": "+1 425 555 0100", "ip": "192.0.2.10"}]}))
            @output_schema(StandardPythonParameterType({"Results": [0.5, 0.7]}))
            def run(Inputs):
                return {"Results": [0.5]}
            """),
        Valid("""
            import numpy as np
            import pandas as pd
            from inference_schema.schema_decorators import input_schema, output_schema
            from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType
            from inference_schema.parameter_types.numpy_parameter_type import NumpyParameterType
            from inference_schema.parameter_types.pandas_parameter_type import PandasParameterType

            def init():
                pass

            input_sample = np.array([[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [10, 9, 8, 7, 6, 5, 4, 3, 2, 1]], dtype="float64")
            features = {"workclass": "Private", "education": "Bachelors", "sex": "Male", "native-country": "United-States",
                        "date": "2024-03-01", "model": "bert-base-uncased", "id": "550e8400-e29b-41d4-a716-446655440000"}

            @input_schema("data", NumpyParameterType(input_sample))
            @input_schema("meta", StandardPythonParameterType(features))
            def run(data, meta):
                return data.tolist()
            """),
        Valid("""
            import numpy as np
            import pandas as pd
            from inference_schema.schema_decorators import input_schema, output_schema
            from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType
            from inference_schema.parameter_types.numpy_parameter_type import NumpyParameterType
            from inference_schema.parameter_types.pandas_parameter_type import PandasParameterType

            def init():
                pass

            sample = {"text": "I bought a John Deere tractor last spring and it still runs.", "brand": "John Deere",
                      "password": "<password>", "ssn": "XXX-XX-XXXX", "card": "4111 1111 1111 1111"}

            @input_schema("data", StandardPythonParameterType(sample))
            def run(data):
                return data
            """),
        # Not a schema sample: data the script uses at run time is not published.
        Valid("""
            import numpy as np
            import pandas as pd
            from inference_schema.schema_decorators import input_schema, output_schema
            from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType
            from inference_schema.parameter_types.numpy_parameter_type import NumpyParameterType
            from inference_schema.parameter_types.pandas_parameter_type import PandasParameterType

            def init():
                pass

            ADMINS = ["sarah.connor@contoso.com"]

            @input_schema("data", StandardPythonParameterType({"query": "status"}))
            def run(data):
                return {"admins": len(ADMINS)}
            """),
    ]
    INVALID = [
        # The documents' own example: two first names in a DataFrame column.
        Invalid("""
            import numpy as np
            import pandas as pd
            from inference_schema.schema_decorators import input_schema, output_schema
            from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType
            from inference_schema.parameter_types.numpy_parameter_type import NumpyParameterType
            from inference_schema.parameter_types.pandas_parameter_type import PandasParameterType

            def init():
                pass

            numpy_sample_input = NumpyParameterType(np.array([[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]], dtype="float64"))
            pandas_sample_input = PandasParameterType(pd.DataFrame({"name": ["Sarah", "John"], "age": [25, 26]}))
            standard_sample_input = StandardPythonParameterType(0.0)

            sample_input = StandardPythonParameterType({"input1": numpy_sample_input,
                                                        "input2": pandas_sample_input,
                                                        "input3": standard_sample_input})

            @input_schema("Inputs", sample_input)
            def run(Inputs):
                return [1.0]
            """, expected=2, line=12, message_contains="column 'name'"),
        Invalid("""
            import numpy as np
            import pandas as pd
            from inference_schema.schema_decorators import input_schema, output_schema
            from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType
            from inference_schema.parameter_types.numpy_parameter_type import NumpyParameterType
            from inference_schema.parameter_types.pandas_parameter_type import PandasParameterType

            def init():
                pass

            sample = pd.DataFrame(data=[["Priya Sharma", "priya.sharma@outlook.com", 31]],
                                  columns=["customer", "contact", "age"])

            @input_schema("data", PandasParameterType(sample))
            def run(data):
                return data.shape[0]
            """, expected=2, line=11, message_contains="Swagger"),
        Invalid("""
            import numpy as np
            import pandas as pd
            from inference_schema.schema_decorators import input_schema, output_schema
            from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType
            from inference_schema.parameter_types.numpy_parameter_type import NumpyParameterType
            from inference_schema.parameter_types.pandas_parameter_type import PandasParameterType

            def init():
                pass

            @input_schema("data", StandardPythonParameterType({
                "card_holder_name": "Kwame Mensah",
                "card": "4539 1488 0343 6467",
                "ssn": "536-22-1234",
                "iban": "GB29 NWBK 6016 1331 9268 19",
                "client_ip": "203.0.114.7",
            }))
            def run(data):
                return data
            """, expected=5, line=12, message_contains="'card_holder_name'"),
        Invalid("""
            import numpy as np
            import pandas as pd
            from inference_schema.schema_decorators import input_schema, output_schema
            from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType
            from inference_schema.parameter_types.numpy_parameter_type import NumpyParameterType
            from inference_schema.parameter_types.pandas_parameter_type import PandasParameterType

            def init():
                pass

            SETTINGS = {"storage": "DefaultEndpointsProtocol=https;AccountName=mlstore;AccountKey=c2VjcmV0S2V5VmFsdWUxMjM0NTY3ODkwYWJjZGVmZ2hpams=;EndpointSuffix=core.windows.net",
                        "aws_key": "AKIAZ3MSJV4WWYH6QK7N"}

            @input_schema("config", StandardPythonParameterType(SETTINGS))
            def run(config):
                return "ok"
            """, expected=2, line=11, message_contains="connection string"),
        Invalid("""
            import numpy as np
            import pandas as pd
            from inference_schema.schema_decorators import input_schema, output_schema
            from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType
            from inference_schema.parameter_types.numpy_parameter_type import NumpyParameterType
            from inference_schema.parameter_types.pandas_parameter_type import PandasParameterType

            def init():
                pass

            import json

            raw = json.loads('{"patient": "Olga", "dob": "1987-06-14", "notes": "follow-up"}')

            @input_schema("record", StandardPythonParameterType(raw))
            def run(record):
                return record
            """, expected=2, line=13, message_contains="under key 'patient'"),
        Invalid("""
            import numpy as np
            import pandas as pd
            from inference_schema.schema_decorators import input_schema, output_schema
            from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType
            from inference_schema.parameter_types.numpy_parameter_type import NumpyParameterType
            from inference_schema.parameter_types.pandas_parameter_type import PandasParameterType

            def init():
                pass

            from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType as SPT

            rows = [{"user": "Mohammed", "phone": "+44 20 7123 4567"}]
            out = pd.Series(["Sarah"], name="reviewer")

            @input_schema("data", SPT({"rows": rows}))
            @output_schema(PandasParameterType(pd.DataFrame({"reviewer": out})))
            def run(data):
                return data
            """, expected=3, line=13, message_contains="under key 'user'"),
    ]

    def check(self) -> None:
        facts = self.facts
        callees = _SAMPLE_TYPE_NAMES.union(name for name, q in facts.imports.items() if q in _SAMPLE_TYPES)
        calls = [
            call for call in self.source.nodes(cst.Call)
            if _last_name(call.func) in callees and facts.qualified_name(call.func) in _SAMPLE_TYPES
        ]
        if not calls:
            return
        from scorelint.sensitive import KINDS, find_sensitive  # loaded only for scripts with samples

        options: SensitiveSampleDataOptions = self.options  # type: ignore[assignment]
        evaluator = _Evaluator(facts)
        # Last first: `outer = SPT({"a": inner})` usually follows `inner = ...`, and evaluating it marks the
        # inner sample as nested, which is then checked with its parent (under the parent's key), not alone.
        samples = {}
        for call in reversed(calls):
            if call not in evaluator.nested:
                samples[call] = evaluator.sample(call)
        seen: set[tuple[int, str, str | None]] = set()
        for call in calls:
            if call in evaluator.nested or call not in samples:
                continue
            value, nodes = samples[call]
            if value is _UNKNOWN:
                continue
            for finding in find_sensitive(value, names=options.names, keys=options.keys, allow=options.allow):
                node = _node_for(nodes, finding.path) or call
                mark = (id(node), finding.kind, finding.key)
                if mark in seen:
                    continue
                seen.add(mark)
                message, help_text = _message(finding, KINDS)
                self.report(node, message, help=help_text)


def _message(finding: Any, kinds: dict[str, tuple[str, str]]) -> tuple[str, str]:
    """(message, help): which sample value looks sensitive; where the server shows it, and what to write."""
    where = ""
    if finding.key is not None:
        label = "column" if finding.path and isinstance(finding.path[-1], int) else "key"
        where = f" under {label} '{finding.key}'"
    placeholder = kinds[finding.kind][1]
    return (f"Sample value '{finding.excerpt}'{where} looks like {finding.detail}",
            "The server publishes schema samples verbatim in the service's Swagger page (/swagger.json) for anyone "
            f"who can reach the endpoint. Use synthetic data instead: {placeholder}.")


def _string_value(expr: cst.BaseExpression) -> str | None:
    """A string literal's value; plain literals without escapes are read directly (libcst's
    `evaluated_value` compiles every literal, which dominates this rule's cost on numeric samples)."""
    if type(expr) is cst.SimpleString:
        text = expr.value
        prefix = expr.prefix.lower()
        if "\\" not in text and prefix in ("", "r", "u"):
            quote = len(expr.quote)
            return text[len(prefix) + quote:-quote]
    value = getattr(expr, "evaluated_value", None)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value if isinstance(value, str) else None


def _number_value(expr: cst.Integer | cst.Float) -> int | float:
    text = expr.value.replace("_", "")
    try:
        return int(text, 0) if type(expr) is cst.Integer else float(text)
    except ValueError:
        return expr.evaluated_value


def _last_name(expr: cst.BaseExpression) -> str | None:
    if isinstance(expr, cst.Name):
        return expr.value
    if isinstance(expr, cst.Attribute):
        return expr.attr.value
    return None


def _node_for(nodes: dict[tuple, cst.CSTNode], path: tuple) -> cst.CSTNode | None:
    """The node a value came from: its own literal, or the literal it was parsed from (json.loads)."""
    for end in range(len(path), -1, -1):
        node = nodes.get(path[:end])
        if node is not None:
            return node
    return None


class _Evaluator:
    """Evaluates sample expressions from the syntax tree, never by running the script.

    Each value's source node is recorded under its path (dict keys and list indices), so a finding can be
    reported at the string or number it came from.
    """

    def __init__(self, facts: Any) -> None:
        self.facts = facts
        self.nested: set[cst.Call] = set()  # parameter types that appear inside another's sample
        self._resolving: set[str] = set()

    def sample(self, call: cst.Call) -> tuple[Any, dict[tuple, cst.CSTNode]]:
        nodes: dict[tuple, cst.CSTNode] = {}
        value = self.value(argument_value(call, 0, "sample_input"), (), nodes, 0)
        return value, nodes

    def value(self, expr: cst.BaseExpression | None, path: tuple, nodes: dict, depth: int) -> Any:
        if expr is None or depth > _MAX_DEPTH:
            return _UNKNOWN
        depth += 1
        kind = type(expr)
        if kind is cst.SimpleString or kind is cst.ConcatenatedString:
            value = _string_value(expr)
            if not isinstance(value, str):
                return _UNKNOWN
            nodes[path] = expr
            return value
        if kind is cst.Integer or kind is cst.Float:
            nodes[path] = expr
            return _number_value(expr)
        if kind is cst.UnaryOperation and type(expr.expression) in (cst.Integer, cst.Float):
            number = _number_value(expr.expression)
            nodes[path] = expr
            return -number if isinstance(expr.operator, cst.Minus) else number
        if kind is cst.Name:
            return self.name(expr, path, nodes, depth)
        if kind is cst.Dict:
            return self.dict(expr, path, nodes, depth)
        if kind is cst.List or kind is cst.Tuple or kind is cst.Set:
            return self.sequence(expr.elements, path, nodes, depth)
        if kind is cst.Call:
            return self.call(expr, path, nodes, depth)
        return _UNKNOWN

    def name(self, expr: cst.Name, path: tuple, nodes: dict, depth: int) -> Any:
        if expr.value in ("True", "False", "None"):
            return {"True": True, "False": False, "None": None}[expr.value]
        assigned = self.facts.module_value(expr.value)
        if assigned is None or expr.value in self._resolving:
            return _UNKNOWN
        self._resolving.add(expr.value)
        try:
            return self.value(assigned, path, nodes, depth)
        finally:
            self._resolving.discard(expr.value)

    def key(self, expr: cst.BaseExpression, depth: int) -> Any:
        value = self.value(expr, (), {}, depth)
        return value if isinstance(value, (str, int, float, bool)) or value is None else _UNKNOWN

    def dict(self, expr: cst.Dict, path: tuple, nodes: dict, depth: int) -> Any:
        out: dict = {}
        for element in expr.elements:
            if isinstance(element, cst.DictElement):
                key = self.key(element.key, depth)
                if key is _UNKNOWN:
                    continue
                value = self.value(element.value, path + (key,), nodes, depth)
                if value is not _UNKNOWN:
                    out[key] = value
            elif isinstance(element, cst.StarredDictElement):
                merged = self.value(element.value, path, nodes, depth)
                if isinstance(merged, dict):
                    out.update(merged)
        return out

    def sequence(self, elements: Any, path: tuple, nodes: dict, depth: int) -> Any:
        out: list = []
        for element in elements:
            if type(element) is cst.StarredElement:
                spread = self.value(element.value, path + ("*",), {}, depth)
                if isinstance(spread, list):
                    out.extend(spread)  # positions unknown: reported at the starred expression
                    for i in range(len(out) - len(spread), len(out)):
                        nodes[path + (i,)] = element
                continue
            value = self.value(element.value, path + (len(out),), nodes, depth)
            out.append(None if value is _UNKNOWN else value)
        return out

    def call(self, call: cst.Call, path: tuple, nodes: dict, depth: int) -> Any:
        qualified = self.facts.qualified_name(call.func)
        if qualified is None:
            return _UNKNOWN
        if qualified in _SAMPLE_TYPES:
            self.nested.add(call)
            return self.value(argument_value(call, 0, "sample_input"), path, nodes, depth)
        if qualified in _DATAFRAME:
            return self.frame(argument_value(call, 0, "data"), argument_value(call, 2, "columns"), path, nodes, depth)
        if qualified in _DATAFRAME_FROM:
            columns = argument_value(call, 3, "columns") if qualified.endswith("from_records") else None
            return self.frame(argument_value(call, 0, "data"), columns, path, nodes, depth)
        if qualified in _SERIES:
            name_arg = argument_value(call, 3, "name")
            name = self.key(name_arg, depth) if name_arg is not None else None
            inner = path + (name,) if isinstance(name, str) else path
            value = self.value(argument_value(call, 0, "data"), inner, nodes, depth)
            return {name: value} if isinstance(name, str) and value is not _UNKNOWN else value
        if qualified in _ARRAY:
            return self.value(argument_value(call, 0, "object"), path, nodes, depth)
        if qualified in _CONTAINERS and len(call.args) == 1:
            return self.value(call.args[0].value, path, nodes, depth)
        if qualified == "dict":
            out: dict = {}
            for arg in call.args:
                if arg.keyword is not None:
                    value = self.value(arg.value, path + (arg.keyword.value,), nodes, depth)
                    if value is not _UNKNOWN:
                        out[arg.keyword.value] = value
                elif not arg.star:
                    value = self.value(arg.value, path, nodes, depth)
                    if isinstance(value, dict):
                        out.update(value)
            return out
        if qualified in _JSON_LOADS:
            text = argument_value(call, 0, "s")
            literal = self.value(text, (), {}, depth)
            if not isinstance(literal, str):
                return _UNKNOWN
            try:
                parsed = json.loads(literal)
            except ValueError:
                return _UNKNOWN
            nodes[path] = text if isinstance(text, (cst.SimpleString, cst.ConcatenatedString)) else call
            return parsed
        return _UNKNOWN

    def frame(self, data: cst.BaseExpression | None, columns: cst.BaseExpression | None, path: tuple,
              nodes: dict, depth: int) -> Any:
        """A DataFrame's data as a dict of columns when the column names are known (so findings name them)."""
        inner: dict[tuple, cst.CSTNode] = {}
        value = self.value(data, path, inner, depth)
        names = self.value(columns, (), {}, depth) if columns is not None else None
        if (isinstance(value, list) and isinstance(names, list) and names
                and all(isinstance(row, list) for row in value)):
            by_column: dict = {}
            for j, column in enumerate(names):
                by_column[column] = [row[j] if j < len(row) else None for row in value]
            width = len(path)
            for sub, node in inner.items():
                rest = sub[width:]
                if len(rest) >= 2 and isinstance(rest[1], int) and rest[1] < len(names):
                    nodes[path + (names[rest[1]], rest[0]) + rest[2:]] = node
                else:
                    nodes[sub] = node
            return by_column
        nodes.update(inner)
        return value
