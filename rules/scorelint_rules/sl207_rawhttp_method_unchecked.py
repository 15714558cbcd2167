from __future__ import annotations

import libcst as cst

from scorelint.facts import AML_RESPONSE
from scorelint.model import Severity
from scorelint.rule import Invalid, Rule, Valid

from ._fixes import after_docstring, indent_of, is_docstring
from ._responses import first_param_name

_BODY_ATTRS = frozenset({"data", "json", "form", "files", "stream"})
_BODY_CALLS = frozenset({"get_data", "get_json"})


class RawhttpMethodUnchecked(Rule):
    """A `@rawhttp` `run` reads the request body without checking `request.method`, so GET requests reach the model.

    ## What it does
    Reports, in a script that uses `@rawhttp`, the first place `run` reads the request body
    (`request.get_data()`, `request.get_json()`, `request.data`, `request.json`, `request.files`,
    `request.form`) when `run` never looks at `request.method` and does not hand the request to another
    function.

    ## Why is this bad?
    With `@rawhttp` the server passes every request to `run`: GET as well as POST (and OPTIONS, where the
    platform routes it). A GET has no body, so a browser visit, a monitoring probe or a mistyped client call
    goes straight into the parsing and model code, which fails with a 500 (or, worse, scores an empty input
    and answers 200). The documents' own `@rawhttp` examples branch on `request.method` first. A body read
    inside a `try` is not reported: the script then answers a missing body itself.

    ## Example
    ```python
    @rawhttp
    def run(request):
        image = Image.open(request.files["image"])
        return AMLResponse(json.dumps(predict(image)), 200)
    ```

    ## Use instead
    ```python
    @rawhttp
    def run(request):
        if request.method != "POST":
            return AMLResponse("Method not allowed", 405, {"Allow": "POST"})
        image = Image.open(request.files["image"])
        return AMLResponse(json.dumps(predict(image)), 200)
    ```

    ## Fix safety
    When `AMLResponse` is imported by name, the fix inserts that check at the top of `run`. It is unsafe:
    GET requests, which used to reach `run`'s code, are now answered 405.
    """

    code = "SL207"
    name = "rawhttp-method-unchecked"
    severity = Severity.WARNING
    contract = "2. How run is called: with @rawhttp, GET and POST both reach run"

    VALID = [
        Valid("""
            from azureml.contrib.services.aml_request import AMLRequest, rawhttp
            from azureml.contrib.services.aml_response import AMLResponse

            def init():
                pass

            @rawhttp
            def run(request):
                if request.method != 'POST':
                    return AMLResponse('Method not allowed', 405)
                return AMLResponse(request.get_data(), 200)
            """),
        # the documents' style: one branch per method
        Valid("""
            from azureml.contrib.services.aml_request import AMLRequest, rawhttp
            from azureml.contrib.services.aml_response import AMLResponse

            def init():
                pass

            @rawhttp
            def run(request):
                if request.method == 'GET':
                    return AMLResponse(request.full_path, 200)
                elif request.method == 'POST':
                    return AMLResponse(request.get_data(False), 200)
                else:
                    return AMLResponse('bad request', 400)
            """),
        # the request is handed to a helper, which may check the method
        Valid("""
            from azureml.contrib.services.aml_request import AMLRequest, rawhttp
            from azureml.contrib.services.aml_response import AMLResponse

            def init():
                pass

            def handle(req):
                if req.method == 'GET':
                    return 'ready'
                return req.get_json()

            @rawhttp
            def run(request):
                body = request.get_json()
                return handle(request)
            """),
        # the body is read inside a try that answers its absence (the azureml-examples binary-payload style)
        Valid("""
            from azureml.contrib.services.aml_request import AMLRequest, rawhttp
            from azureml.contrib.services.aml_response import AMLResponse

            def init():
                pass

            @rawhttp
            def run(req):
                try:
                    data = req.files.getlist('file')[0]
                except IndexError:
                    return AMLResponse('No file uploaded', status_code=422)
                return AMLResponse(resize(data), 200)
            """),
        # GET-only use of the query string
        Valid("""
            from azureml.contrib.services.aml_request import AMLRequest, rawhttp
            from azureml.contrib.services.aml_response import AMLResponse

            def init():
                pass

            @rawhttp
            def run(request):
                return {'q': request.args.get('q')}
            """),
        # not a @rawhttp script: run gets a string
        Valid("""
            def init():
                pass

            def run(data):
                return data.data
            """),
    ]
    INVALID = [
        Invalid("""
            from azureml.contrib.services.aml_request import AMLRequest, rawhttp
            from azureml.contrib.services.aml_response import AMLResponse

            def init():
                pass

            @rawhttp
            def run(request):
                data = request.get_json()
                return AMLResponse(str(len(data)), 200)
            """, line=9, message_contains="GET",
                fixed="""
            from azureml.contrib.services.aml_request import AMLRequest, rawhttp
            from azureml.contrib.services.aml_response import AMLResponse

            def init():
                pass

            @rawhttp
            def run(request):
                if request.method != "POST":
                    return AMLResponse("Method not allowed", 405, {"Allow": "POST"})
                data = request.get_json()
                return AMLResponse(str(len(data)), 200)
            """),
        # a docstring stays first; another parameter name
        Invalid('''
            from azureml.contrib.services.aml_request import AMLRequest, rawhttp
            from azureml.contrib.services.aml_response import AMLResponse

            def init():
                pass

            @rawhttp
            def run(req):
                """Score an image."""
                file = req.files['image']
                return AMLResponse(score(file), 200)
            ''', line=10,
                fixed='''
            from azureml.contrib.services.aml_request import AMLRequest, rawhttp
            from azureml.contrib.services.aml_response import AMLResponse

            def init():
                pass

            @rawhttp
            def run(req):
                """Score an image."""
                if req.method != "POST":
                    return AMLResponse("Method not allowed", 405, {"Allow": "POST"})
                file = req.files['image']
                return AMLResponse(score(file), 200)
            '''),
        # AMLResponse not imported by name: no fix
        Invalid("""
            import azureml.contrib.services.aml_request as aml

            def init():
                pass

            @aml.rawhttp
            def run(request):
                return {'size': len(request.data)}
            """, line=8),
    ]

    def check(self) -> None:
        facts = self.facts
        run_def = facts.run.definition
        if run_def is None or not facts.is_rawhttp or not isinstance(run_def.body, cst.IndentedBlock):
            return
        request = first_param_name(facts)
        if request is None:
            return
        body_use = None
        for node in facts.own_nodes(run_def, cst.Attribute):
            if not (isinstance(node.value, cst.Name) and node.value.value == request):
                continue
            attr = node.attr.value
            if attr == "method":
                return
            if body_use is None and (attr in _BODY_ATTRS or attr in _BODY_CALLS):
                body_use = node
        if body_use is None:
            return
        if self.source.enclosing(body_use, (cst.Try, cst.FunctionDef)) is not run_def:
            return  # read inside a try: the script answers a missing body itself (e.g. 422 "No file uploaded")
        for call in facts.own_nodes(run_def, cst.Call):
            if any(isinstance(a.value, cst.Name) and a.value.value == request for a in call.args):
                return  # the request is handed on whole; the callee may check the method
        fix = None
        response = facts.local_name_of(AML_RESPONSE)
        first = after_docstring(run_def.body.body) if response is not None else None
        indent = indent_of(self.source, first) if first is not None and not is_docstring(first) else None
        if indent is not None:
            unit = self.source.module.default_indent
            text = (f"if {request}.method != \"POST\":\n{indent}{unit}return {response}(\"Method not allowed\", "
                    f"405, {{\"Allow\": \"POST\"}})\n{indent}")
            fix = self.fix("Answer other methods with 405", self.insert_before(first, text), unsafe=True)
        self.report(body_use, f"`run` reads the body without checking `{request}.method`",
                    help="The server passes GET requests to a `@rawhttp` run too, so a GET (no body) runs the "
                         "scoring code on an empty input, which fails with a 500 or answers 200 with an empty result; "
                         f"answer other methods first with `if {request}.method != \"POST\": "
                         "return AMLResponse(\"Method not allowed\", 405)`.", fix=fix)
