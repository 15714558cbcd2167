from __future__ import annotations

import re
import sys
from dataclasses import dataclass

import libcst as cst

from scorelint.model import Severity
from scorelint.rule import Invalid, Rule, Valid

from ._responses import response_kind

# numpy functions that return arrays (or numpy scalars), never plain Python values.
_NUMPY_ARRAYS = frozenset(
    {"array", "asarray", "asanyarray", "ascontiguousarray", "zeros", "ones", "empty", "full", "zeros_like",
     "ones_like", "full_like", "arange", "linspace", "concatenate", "stack", "vstack", "hstack", "column_stack",
     "squeeze", "reshape", "expand_dims", "argsort", "sort", "unique", "where", "round", "around", "clip", "exp",
     "log", "abs", "absolute", "transpose", "flatnonzero", "nonzero", "argwhere", "digitize", "percentile"}
)
# numpy scalar types json cannot serialise (float64 is a subclass of float, str_ of str: those are fine).
_NUMPY_SCALARS = frozenset(
    {"float32", "float16", "half", "single", "int64", "int32", "int16", "int8", "uint64", "uint32", "uint16",
     "uint8", "intc", "intp", "int_", "bool_", "longlong", "argmax", "argmin"}
)
# model methods that return numpy arrays (scikit-learn, Keras, XGBoost, LightGBM...) or DataFrames.
_PREDICT_METHODS = frozenset(
    {"predict", "predict_proba", "predict_log_proba", "decision_function", "transform", "fit_transform",
     "inverse_transform", "score_samples", "kneighbors_graph", "staged_predict"}
)
# methods of arrays and frames that keep the result an array (or frame).
_ARRAY_PRESERVING = frozenset(
    {"reshape", "flatten", "ravel", "astype", "squeeze", "round", "clip", "copy", "transpose", "argsort",
     "cumsum", "detach", "cpu", "numpy", "to_numpy", "argmax", "argmin", "softmax", "sigmoid"}
)
_BYTES_CALLS = frozenset(
    {"base64.b64encode", "base64.b64decode", "base64.urlsafe_b64encode", "base64.urlsafe_b64decode",
     "base64.standard_b64encode", "base64.encodebytes", "orjson.dumps", "pickle.dumps", "zlib.compress"}
)
# what a model object is usually called (sklearn, xgboost, keras...): `model`, `clf`, `rf_model`, `pipeline`
_MODEL_NAME = re.compile(r"(?i)(model|clf|classifier|regressor|estimator|pipeline|pipe|booster|xgb|lgbm|forest|"
                         r"svm|svc|knn|learner|automl)")
_MODEL_LIBRARIES = frozenset({"joblib", "pickle", "cloudpickle", "dill", "mlflow", "tensorflow", "keras", "tf",
                              "torch", "xgboost", "lightgbm", "catboost", "sklearn", "onnxruntime", "azureml"})
_B64_ENCODE = frozenset({"base64.b64encode", "base64.urlsafe_b64encode", "base64.standard_b64encode"})

_ADVICE = {
    "array": "convert it with `.tolist()`",
    "scalar": "convert it with `float(...)`, `int(...)` or `.item()`",
    "frame": "convert it with `.to_dict(orient=\"records\")` or `json.loads(df.to_json(orient=\"records\"))`",
    "series": "convert it with `.tolist()` or `.to_dict()`",
    "tensor": "convert it with `.tolist()`",
    "bytes": "return text instead (`.decode(...)`, or base64 text for binary data)",
    "set": "return a list instead (`sorted(...)` or `list(...)`)",
    "predict": "convert it with `.tolist()` (or `.to_dict(orient=\"records\")` if the model returns a DataFrame)",
    "element": "index the converted list instead (`.tolist()[0]`), or convert the element with `.item()`",
}


@dataclass
class Finding:
    node: cst.BaseExpression  # the offending expression (as written at the return, or inside a container)
    what: str  # human description
    kind: str  # key of _ADVICE
    holder: str | None = None  # the local name the value was returned through
    fixable: str | None = None  # "tolist" | "decode" | "list" for a fix at `node`


class ResponseNotSerializable(Rule):
    """`run` returns a value `json.dumps` cannot serialise, so every such request fails with a 500.

    ## What it does
    Reports a value returned by `run` that is a numpy array (`np.array(...)`, `model.predict(...)`,
    `predict_proba`, `transform`, `df.values`, `.to_numpy()`), a numpy scalar (`np.float32(...)`,
    `np.int64(...)`, `np.argmax(...)`), an element of a prediction (`model.predict(x)[0]`: a numpy scalar or
    a row), a pandas DataFrame or Series, a torch tensor (from `torch.*` or from calling a model loaded with
    `torch.load` or built from an `nn.Module` class of the script), bytes (`b"..."`,
    `base64.b64encode(...)`, `.encode()`), or a set, directly, inside a returned dict, list or tuple, or
    through local variables. It follows calls to functions of the same module and of sibling modules of the
    code folder (`helpers.predict(x)` where `helpers.py` returns `model.predict(...)`; see
    `scorelint/codefolder.py`). A `flask`/`AMLResponse` response is sent as it is and is not checked.

    ## Why is this bad?
    The server sends anything `run` returns that is not a response object through `json.dumps`. These
    types are not JSON: `json.dumps` raises `TypeError`, and the server answers every such request with
    `500 An unexpected internal error occurred`. `@output_schema(NumpyParameterType(...))` or
    `PandasParameterType(...)` only describes the output in Swagger: it does not convert it. The mistake
    hides in local tests that call `run` directly, because nothing serialises the result there.

    ## Example
    ```python
    def run(data):
        data = np.array(json.loads(data)["data"])
        result = model.predict(data)
        return {"predictions": result}
    ```

    ## Use instead
    ```python
    def run(data):
        data = np.array(json.loads(data)["data"])
        result = model.predict(data)
        return {"predictions": result.tolist()}
    ```

    ## Fix safety
    The fix appends `.tolist()` to a numpy array or a prediction, `.decode("ascii")` to base64 output, or
    turns a set into a list. It is unsafe: a model whose `predict` returns a DataFrame has no `.tolist()`,
    and code that calls `run` directly (tests) receives a different type.
    """

    code = "SL203"
    name = "response-not-serializable"
    severity = Severity.WARNING
    contract = "2. How run is called: a return value json cannot serialise becomes a 500"

    VALID = [
        Valid("""
            import json
            import numpy as np
            import pandas as pd

            def init():
                global model
                model = load()

            def run(data):
                data = np.array(json.loads(data)['data'])
                result = model.predict(data)
                return result.tolist()
            """),
        Valid("""
            import json
            import numpy as np
            import pandas as pd

            def init():
                global model
                model = load()

            def run(data):
                df = pd.DataFrame(json.loads(data))
                return {'predictions': model.predict(df).tolist(), 'columns': list(df.columns)}
            """),
        # reassigned to a plain value before returning
        Valid("""
            import json
            import numpy as np
            import pandas as pd

            def init():
                global model
                model = load()

            def run(data):
                result = model.predict(np.array(json.loads(data)))
                result = result.tolist()
                return {'result': result}
            """),
        # float64 is a float subclass: json accepts it
        Valid("""
            import json
            import numpy as np
            import pandas as pd

            def init():
                global model
                model = load()

            def run(data):
                scores = model.predict(np.array(json.loads(data)))
                return {'mean': float(np.mean(scores)), 'first': np.float64(scores[0])}
            """),
        # a response object is sent as it is
        Valid("""
            from azureml.contrib.services.aml_request import rawhttp
            from azureml.contrib.services.aml_response import AMLResponse

            def init():
                pass

            @rawhttp
            def run(request):
                return AMLResponse(b'\\x89PNG', 200, {'Content-Type': 'image/png'})
            """),
        # one branch converts: the value is not certainly an array
        Valid("""
            import json
            import numpy as np
            import pandas as pd

            def init():
                global model
                model = load()

            def run(data):
                if data:
                    out = model.predict(data)
                else:
                    out = []
                return out
            """),
        # not a model: `server.predict` of an encryption service, `helpers.predict` of a module
        Valid("""
            import helpers

            def init():
                global server
                server = make_server()

            def run(data):
                if data:
                    return helpers.predict(data)
                return server.predict(data)
            """),
        # the sibling converts
        Valid("""
            import json
            import helpers

            def init():
                helpers.load()

            def run(data):
                rows = json.loads(data)["data"]
                return {"predictions": helpers.predict(rows)}
            """, siblings=(("helpers.py", """
            import joblib
            import numpy as np

            def load():
                global model
                model = joblib.load("model.pkl")

            def predict(rows):
                return model.predict(np.asarray(rows)).tolist()
            """),)),
        Valid("""
            import json
            import numpy as np
            import pandas as pd

            def init():
                global model
                model = load()

            def run(data):
                label = model.predict(np.array(json.loads(data)))[0]
                return {'label': str(label), 'items': sorted({1, 2})}
            """),
        Valid("""
            import json
            import numpy as np
            import pandas as pd

            def init():
                global model
                model = load()

            LABELS = ['cat', 'dog']

            def run(data):
                preds = model.predict(np.array(json.loads(data)))
                return {'label': LABELS[preds[0]], 'first': preds.tolist()[0], 'p': preds[0].item()}
            """),
        # a transformers pipeline returns lists and dicts, even in a script that imports torch
        Valid("""
            import torch
            from transformers import pipeline

            def init():
                global model
                model = pipeline('sentiment-analysis')

            def run(data):
                return model(data)
            """),
        Valid("""
            import json
            import torch

            def init():
                global model
                model = torch.load('m.pt')

            def run(data):
                out = model(torch.tensor(json.loads(data)))
                return {'scores': out.tolist()}
            """),
    ]
    INVALID = [
        # a sibling module of the code folder returns the prediction (a public two-file deployment)
        Invalid("""
            import json
            import helpers

            def init():
                helpers.load()

            def run(data):
                rows = json.loads(data)["data"]
                return {"predictions": helpers.predict(rows)}
            """, siblings=(("helpers.py", """
            import joblib
            import numpy as np

            def load():
                global model
                model = joblib.load("model.pkl")

            def predict(rows):
                return model.predict(np.asarray(rows))
            """),), line=9,
                message_contains="helpers.py returns `model.predict(np.asarray(rows))`",
                fixed="""
            import json
            import helpers

            def init():
                helpers.load()

            def run(data):
                rows = json.loads(data)["data"]
                return {"predictions": helpers.predict(rows).tolist()}
            """),
        # through a package's re-export, imported by name
        Invalid("""
            import json
            from scoring import predict

            def init():
                pass

            def run(data):
                return {'scores': predict(json.loads(data))}
            """,
                siblings=(("scoring/__init__.py", """
            from .core import predict
            """),
                          ("scoring/core.py", """
            import joblib
            import numpy as np

            def load():
                global model
                model = joblib.load("model.pkl")

            def predict(rows):
                return model.predict(np.asarray(rows))
            """)), line=8, message_contains="core.py returns",
                fixed="""
            import json
            from scoring import predict

            def init():
                pass

            def run(data):
                return {'scores': predict(json.loads(data)).tolist()}
            """),
        # the documents' PandasParameterType tip: output_schema does not convert
        Invalid("""
            import pandas as pd
            from inference_schema.schema_decorators import output_schema
            from inference_schema.parameter_types.pandas_parameter_type import PandasParameterType

            def init():
                pass

            output_sample = pd.DataFrame(data=[{'a1': 5, 'a2': 6}])

            @output_schema(PandasParameterType(output_sample))
            def run(data):
                result = model.predict(data)
                return result
            """,
                line=13, message_contains="model.predict",
                fixed="""
            import pandas as pd
            from inference_schema.schema_decorators import output_schema
            from inference_schema.parameter_types.pandas_parameter_type import PandasParameterType

            def init():
                pass

            output_sample = pd.DataFrame(data=[{'a1': 5, 'a2': 6}])

            @output_schema(PandasParameterType(output_sample))
            def run(data):
                result = model.predict(data)
                return result.tolist()
            """),
        Invalid("""
            import json
            import numpy as np
            import pandas as pd

            def init():
                global model
                model = load()

            def run(data):
                data = np.array(json.loads(data)['data'])
                result = model.predict(data)
                return {'predictions': result}
            """, line=12,
                message_contains="'predictions'",
                fixed="""
            import json
            import numpy as np
            import pandas as pd

            def init():
                global model
                model = load()

            def run(data):
                data = np.array(json.loads(data)['data'])
                result = model.predict(data)
                return {'predictions': result.tolist()}
            """),
        Invalid("""
            import json
            import numpy as np
            import pandas as pd

            def init():
                global model
                model = load()

            def run(raw):
                probs = model.predict_proba(pd.read_json(raw))[:, 1]
                return probs
            """, line=11,
                fixed="""
            import json
            import numpy as np
            import pandas as pd

            def init():
                global model
                model = load()

            def run(raw):
                probs = model.predict_proba(pd.read_json(raw))[:, 1]
                return probs.tolist()
            """),
        Invalid("""
            import json
            import numpy as np
            import pandas as pd

            def init():
                global model
                model = load()

            def run(data):
                df = pd.DataFrame(json.loads(data))
                df['score'] = model.predict(df)
                return df
            """, line=12, message_contains="DataFrame"),
        Invalid("""
            import json
            import numpy as np
            import pandas as pd

            def init():
                global model
                model = load()

            def run(data):
                scores = model.predict(json.loads(data))
                return [np.float32(s) for s in scores][0], np.argmax(scores)
            """, line=11,
                message_contains="numpy scalar"),
        Invalid("""
            import base64
            import io

            def init():
                pass

            def run(data):
                buf = io.BytesIO()
                render(data, buf)
                return {'image': base64.b64encode(buf.getvalue())}
            """, line=10,
                message_contains="bytes",
                fixed="""
            import base64
            import io

            def init():
                pass

            def run(data):
                buf = io.BytesIO()
                render(data, buf)
                return {'image': base64.b64encode(buf.getvalue()).decode("ascii")}
            """),
        Invalid("""
            def init():
                pass

            def run(data):
                labels = {row['label'] for row in parse(data)}
                return {'labels': labels, 'raw': data.encode()}
            """, expected=1, line=6,
                message_contains="set"),
        # a helper of the same module that returns an array
        Invalid("""
            import json
            import numpy as np
            import pandas as pd

            def init():
                global model
                model = load()

            def predict(rows):
                return model.predict(np.asarray(rows))

            def run(data):
                try:
                    out = predict(json.loads(data))
                except ValueError:
                    raise
                return out
            """, line=17, message_contains="from `predict(...)`",
                fixed="""
            import json
            import numpy as np
            import pandas as pd

            def init():
                global model
                model = load()

            def predict(rows):
                return model.predict(np.asarray(rows))

            def run(data):
                try:
                    out = predict(json.loads(data))
                except ValueError:
                    raise
                return out.tolist()
            """),
        # a model loaded with joblib in init, whatever its name
        Invalid("""
            import joblib

            def init():
                global scorer
                scorer = joblib.load('m.pkl')

            def run(data):
                return scorer.predict_proba(data)
            """, line=8,
                fixed="""
            import joblib

            def init():
                global scorer
                scorer = joblib.load('m.pkl')

            def run(data):
                return scorer.predict_proba(data).tolist()
            """),
        # an element of a prediction: numpy int64 for a classifier with integer labels (a public script)
        Invalid("""
            import json
            import numpy as np
            import pandas as pd

            def init():
                global model
                model = load()

            def run(data):
                x = np.array(json.loads(data)['data'])
                return {'label': model.predict(x)[0]}
            """, line=11, message_contains="numpy scalar",
                fixed="""
            import json
            import numpy as np
            import pandas as pd

            def init():
                global model
                model = load()

            def run(data):
                x = np.array(json.loads(data)['data'])
                return {'label': model.predict(x).tolist()[0]}
            """),
        Invalid("""
            import json
            import numpy as np
            import pandas as pd

            def init():
                global model
                model = load()

            def run(data):
                preds = model.predict(np.array(json.loads(data)))
                label = preds[0]
                return {'label': label}
            """, line=12, message_contains="`label`",
                fixed="""
            import json
            import numpy as np
            import pandas as pd

            def init():
                global model
                model = load()

            def run(data):
                preds = model.predict(np.array(json.loads(data)))
                label = preds[0]
                return {'label': label.tolist()}
            """),
        # a torch model's output is a tensor
        Invalid("""
            import json
            import torch

            def init():
                global model
                model = torch.load('m.pt')
                model.eval()

            def run(data):
                x = torch.tensor(json.loads(data)['data'])
                with torch.no_grad():
                    out = model(x)
                return {'scores': out}
            """, line=13,
                message_contains="torch model",
                fixed="""
            import json
            import torch

            def init():
                global model
                model = torch.load('m.pt')
                model.eval()

            def run(data):
                x = torch.tensor(json.loads(data)['data'])
                with torch.no_grad():
                    out = model(x)
                return {'scores': out.tolist()}
            """),
        Invalid("""
            import json
            import torch
            from torch import nn

            class Net(nn.Module):
                pass

            def init():
                global net
                net = Net().to('cpu')

            def run(data):
                logits = net(torch.tensor(json.loads(data)))
                return logits.argmax(dim=1)
            """, line=14,
                fixed="""
            import json
            import torch
            from torch import nn

            class Net(nn.Module):
                pass

            def init():
                global net
                net = Net().to('cpu')

            def run(data):
                logits = net(torch.tensor(json.loads(data)))
                return logits.argmax(dim=1).tolist()
            """),
        Invalid("""
            import json
            import numpy as np
            import pandas as pd

            def init():
                global model
                model = load()

            def run(data):
                x = np.array(json.loads(data))
                return x * 2
            """, line=11,
                fixed="""
            import json
            import numpy as np
            import pandas as pd

            def init():
                global model
                model = load()

            def run(data):
                x = np.array(json.loads(data))
                return (x * 2).tolist()
            """),
    ]

    def check(self) -> None:
        run_def = self.facts.run.definition
        if run_def is None:
            return
        for ret in self.facts.own_nodes(run_def, cst.Return):
            if ret.value is None:
                continue
            finding = self._classify(ret.value, run_def, depth=6)
            if finding is None:
                continue
            self._report(ret.value, finding)

    # --- reporting ---------------------------------------------------------------------------------
    def _report(self, returned: cst.BaseExpression, finding: Finding) -> None:
        where = "" if finding.node is returned else self._position_in(finding.node)
        thing = f"`{finding.holder}` ({finding.what})" if finding.holder else finding.what
        advice = _ADVICE[finding.kind]
        # The line names the value; the help says in full what it is and where in the response it sits.
        named = f"`{finding.holder}`" if finding.holder else finding.what.split(" (", 1)[0]
        if finding.kind == "element":
            message = f"`run` returns {named}, not JSON-serialisable"
            help_text = (f"It returns {thing}{where}: a numpy scalar (`int64`, `float32`, `bool_`) or, for 2-D "
                         "output, a row array, which `json.dumps` cannot serialise (only `float64` and `str_` pass): "
                         f"the server answers such requests with a 500; {advice}.")
        else:
            message = f"`run` returns {named}, which `json.dumps` cannot serialise"
            help_text = f"It returns {thing}{where}: the server answers every such request with a 500; {advice}."
        fix = None
        if finding.fixable is not None:
            fix = self._fix(finding)
        self.report(finding.node, message, help=help_text, fix=fix)

    def _position_in(self, node: cst.CSTNode) -> str:
        parent = self.source.parent.get(node)
        if isinstance(parent, cst.DictElement) and parent.value is node:
            return f" under the key {self.source.code(parent.key)}"
        return " inside the returned value"

    def _fix(self, finding: Finding):
        node = finding.node
        text = self.source.code(node)
        if not isinstance(node, (cst.Name, cst.Call, cst.Attribute, cst.Subscript)):
            text = f"({text})"
        if finding.fixable == "tolist":
            return self.fix("Convert with .tolist()", self.replace(node, f"{text}.tolist()"), unsafe=True)
        if finding.fixable == "element" and isinstance(node, cst.Subscript):
            # `a[0]` -> `a.tolist()[0]`: a plain int/float/str, or a list for a row
            base = self.source.code(node.value)
            if not isinstance(node.value, (cst.Name, cst.Call, cst.Attribute, cst.Subscript)):
                base = f"({base})"
            index = self.source.code(node)[len(self.source.code(node.value)):]
            return self.fix("Index the converted list", self.replace(node, f"{base}.tolist(){index}"), unsafe=True)
        if finding.fixable == "decode":
            return self.fix("Decode the base64 bytes to text", self.replace(node, f'{text}.decode("ascii")'),
                            unsafe=True)
        if finding.fixable == "list" and isinstance(node, cst.Set):
            inner = self.source.code(node)[1:-1]
            return self.fix("Return a list", self.replace(node, f"[{inner}]"), unsafe=True)
        return None

    # --- classification ----------------------------------------------------------------------------
    def _classify(self, expr: cst.BaseExpression, func: cst.FunctionDef, depth: int) -> Finding | None:
        if depth <= 0:
            return None
        facts = self.facts
        if isinstance(expr, cst.Name):
            values = facts.flow(func).values(expr.value, expr)
            if not values or any(v is None for v in values):
                return None
            findings = [self._classify(v, func, depth - 1) for v in values]
            if not findings or any(f is None for f in findings):
                return None
            first = findings[0]
            return Finding(expr, first.what, first.kind, holder=expr.value,
                           fixable="tolist" if first.kind in ("array", "predict", "tensor", "series", "element")
                           else None)
        if isinstance(expr, (cst.Dict, cst.List, cst.Tuple)):
            for element in expr.elements:
                if isinstance(element, (cst.StarredDictElement, cst.StarredElement)):
                    continue
                found = self._classify(element.value, func, depth - 1)
                if found is not None:
                    return found
            return None
        if isinstance(expr, (cst.Set, cst.SetComp)):
            return Finding(expr, "a set", "set", fixable="list" if isinstance(expr, cst.Set) else None)
        if isinstance(expr, (cst.SimpleString, cst.ConcatenatedString)):
            if isinstance(expr, cst.SimpleString) and "b" in expr.prefix.lower():
                return Finding(expr, "bytes", "bytes")
            return None
        if isinstance(expr, cst.BinaryOperation):
            for side in (expr.left, expr.right):
                found = self._classify(side, func, depth - 1)
                if found is not None and found.kind in ("array", "predict", "tensor"):
                    return Finding(expr, found.what, found.kind, fixable="tolist")
            return None
        if isinstance(expr, cst.Subscript):
            found = self._classify(expr.value, func, depth - 1)
            if found is None:
                return None
            if any(isinstance(e.slice, cst.Slice) for e in expr.slice):
                if found.kind in ("array", "predict", "tensor", "frame"):
                    return Finding(expr, found.what, found.kind, fixable="tolist" if found.kind != "frame" else None)
                return None
            if found.kind in ("array", "predict", "element"):
                # `model.predict(x)[0]`: an element of an array is a numpy scalar (int64, float32, bool_: not
                # JSON; only float64 and str_ subclass float and str) or, for 2-D output, a row array.
                source = found.what.split(" from ", 1)[-1] if found.kind != "element" else found.what
                what = source if found.kind == "element" else f"an element of the numpy array from {source}"
                return Finding(expr, what, "element", fixable="element")
            if found.kind == "tensor":
                return Finding(expr, found.what, "tensor", fixable="tolist")
            return None
        if isinstance(expr, cst.Attribute):
            if expr.attr.value == "values" and self._frame_like(expr.value):
                return Finding(expr, "a numpy array from `.values`", "array", fixable="tolist")
            if expr.attr.value == "T":
                found = self._classify(expr.value, func, depth - 1)
                if found is not None and found.kind in ("array", "predict"):
                    return Finding(expr, found.what, found.kind, fixable="tolist")
            return None
        if isinstance(expr, cst.Call):
            return self._classify_call(expr, func, depth)
        return None

    def _frame_like(self, expr: cst.BaseExpression) -> bool:
        """`x.values` (not called) is a DataFrame's or Series' numpy array, unless x is a request."""
        return "request" not in self.source.code(expr).lower()

    def _classify_call(self, call: cst.Call, func: cst.FunctionDef, depth: int) -> Finding | None:
        facts = self.facts
        if response_kind(facts, call) is not None:
            return None
        name = facts.qualified_name(call.func) or ""
        short = self.source.code(call.func)
        module, _, last = name.rpartition(".")
        if module == "numpy":
            if last in _NUMPY_ARRAYS:
                return Finding(call, f"a numpy array from `{short}(...)`", "array", fixable="tolist")
            if last in _NUMPY_SCALARS:
                return Finding(call, f"a numpy scalar from `{short}(...)`", "scalar")
            return None
        if module == "pandas":
            if last in ("DataFrame", "concat", "merge", "pivot_table", "get_dummies") or last.startswith("read_"):
                return Finding(call, f"a pandas DataFrame from `{short}(...)`", "frame")
            if last == "Series":
                return Finding(call, f"a pandas Series from `{short}(...)`", "series", fixable="tolist")
            return None
        if module == "torch" and last in ("tensor", "from_numpy", "stack", "cat", "zeros", "ones", "argmax",
                                          "softmax", "sigmoid"):
            return Finding(call, f"a torch tensor from `{short}(...)`", "tensor", fixable="tolist")
        if name in _BYTES_CALLS:
            return Finding(call, f"bytes from `{short}(...)`", "bytes",
                           fixable="decode" if name in _B64_ENCODE else None)
        if name in ("bytes", "bytearray") and name not in facts.bindings:
            return Finding(call, "bytes", "bytes")
        if name in ("set", "frozenset") and name not in facts.bindings:
            return Finding(call, "a set", "set")
        if isinstance(call.func, cst.Attribute):
            attr = call.func.attr.value
            receiver = call.func.value
            if attr in _PREDICT_METHODS and self._is_model(receiver):
                return Finding(call, f"a numpy array from `{short}(...)`", "predict",
                               fixable="tolist")
            if attr == "encode" and not call.args[1:]:
                return Finding(call, "bytes from `.encode()`", "bytes")
            if attr in ("to_numpy",):
                return Finding(call, "a numpy array from `.to_numpy()`", "array", fixable="tolist")
            if attr in _ARRAY_PRESERVING:
                found = self._classify(receiver, func, depth - 1)
                if found is not None and found.kind in ("array", "predict", "tensor"):
                    return Finding(call, found.what, found.kind, fixable="tolist")
            return self._classify_sibling(call, name, depth)
        if isinstance(call.func, cst.Name):
            if self._torch_model(call.func.value):
                return Finding(call, f"a torch tensor from the torch model `{short}(...)`", "tensor",
                               fixable="tolist")
            bindings = facts.bindings.get(call.func.value)
            if bindings and bindings[-1].kind == "import":
                return self._classify_sibling(call, name, depth)
            return self._classify_helper(call, call.func.value, depth)
        return None

    def _classify_sibling(self, call: cst.Call, qualified: str, depth: int) -> Finding | None:
        """`helpers.predict(x)` / `from helpers import predict`: a function of a sibling module of the code
        folder, classified by this rule's own code run on that module."""
        local = call.func
        while isinstance(local, cst.Attribute):
            local = local.value
        bindings = self.facts.bindings.get(local.value) if isinstance(local, cst.Name) else None
        if "." not in qualified or depth <= 1 or not bindings or bindings[-1].kind != "import":
            return None
        if qualified.split(".", 1)[0] in sys.stdlib_module_names:
            return None  # never a sibling: the server appends the code folder after the standard library
        folder = self.ctx.code_folder  # only scripts that call an imported name get here
        sibling = folder.function(qualified) if folder is not None else None
        if sibling is None:
            return None
        helper = type(self)(sibling.ctx)
        returns = helper.facts.returns(sibling.definition)
        values = [r.value for r in returns if r.value is not None]
        if not values or len(values) != len(returns):
            return None
        findings = [helper._classify(v, sibling.definition, depth - 1) for v in values]
        if any(f is None for f in findings):
            return None
        first = findings[0]
        fixable = "tolist" if first.kind in ("array", "predict", "tensor", "series") else None
        kind_text = first.what.split(" from ")[0]
        returned = helper.source.code(values[0])
        returned = returned if len(returned) <= 40 else returned[:37] + "..."
        return Finding(call, f"{kind_text} from `{self.source.code(call.func)}(...)` ({sibling.file_name} "
                             f"returns `{returned}`)", first.kind, fixable=fixable)

    def _torch_model(self, name: str) -> bool:
        """Whether `name(...)` runs a torch module, whose output is a tensor: the name is bound (at module
        level, or as a global in init) to `torch.load(...)`, `torch.jit.load(...)`, or an instance of a class
        of this module that subclasses `nn.Module`, possibly through `.to(device)` / `.eval()`."""
        facts = self.facts
        if "torch" not in {q.split(".", 1)[0] for q in facts.imports.values()}:
            return False
        for value in self._global_values(name):
            while (isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute)
                   and value.func.attr.value in ("to", "eval", "cuda", "cpu", "float", "half", "double")):
                value = value.func.value
            if not isinstance(value, cst.Call):
                continue
            qualified = facts.qualified_name(value.func) or ""
            if qualified.startswith("torch.") and qualified.rsplit(".", 1)[-1] in ("load", "load_model"):
                return True
            bindings = facts.bindings.get(qualified)
            if bindings and isinstance(bindings[-1].node, cst.ClassDef):
                bases = [facts.qualified_name(b.value) or "" for b in bindings[-1].node.bases]
                if any(b == "torch.nn.Module" or b.endswith("nn.Module") for b in bases):
                    return True
        return False

    def _global_values(self, name: str) -> list[cst.BaseExpression]:
        """What a module global is assigned: at module level, and in the module's functions that declare it
        `global` (init, or a sibling module's loader)."""
        facts = self.facts
        values = [b.value for b in facts.bindings.get(name, []) if b.kind == "assign" and b.value is not None]
        functions = {b.node for bindings in facts.bindings.values() for b in bindings if b.kind == "def"}
        for func in functions:
            if not isinstance(func, cst.FunctionDef) or name not in facts.global_names(func):
                continue
            for assign in facts.own_nodes(func, cst.Assign):
                if any(isinstance(t.target, cst.Name) and t.target.value == name for t in assign.targets):
                    values.append(assign.value)
        return values

    def _is_model(self, expr: cst.BaseExpression) -> bool:
        """Whether `expr.predict(...)` is a model's predict: the receiver was loaded by a model library in
        init (or at module level), or is named like a model. `helpers.predict(...)` (an imported module) and
        `server.predict(...)` (some other object) are not assumed to return arrays."""
        if isinstance(expr, cst.Name):
            bindings = self.facts.bindings.get(expr.value)
            if bindings and bindings[-1].kind == "import":
                return False
            if self._loaded_by_library(expr.value):
                return True
        text = self.source.code(expr).rsplit(".", 1)[-1]
        return bool(_MODEL_NAME.search(text))

    def _loaded_by_library(self, name: str) -> bool:
        facts = self.facts
        for value in self._global_values(name):
            if isinstance(value, cst.Call):
                qualified = facts.qualified_name(value.func) or ""
                if qualified.split(".", 1)[0] in _MODEL_LIBRARIES or qualified.endswith(
                        (".load_model", "load_model")):
                    return True
        return False

    def _classify_helper(self, call: cst.Call, name: str, depth: int) -> Finding | None:
        bindings = self.facts.bindings.get(name)
        if not bindings or bindings[-1].kind != "def" or depth <= 1:
            return None
        helper = bindings[-1].node
        if helper is self.facts.run.definition:
            return None
        returns = [r for r in self.facts.own_nodes(helper, cst.Return) if r.value is not None]
        if not returns or len(returns) != len(self.facts.own_nodes(helper, cst.Return)):
            return None
        findings = [self._classify(r.value, helper, depth - 1) for r in returns]
        if any(f is None for f in findings):
            return None
        first = findings[0]
        fixable = "tolist" if first.kind in ("array", "predict", "tensor", "series") else None
        kind_text = first.what.split(" from ")[0]
        return Finding(call, f"{kind_text} from `{name}(...)`", first.kind, fixable=fixable)
