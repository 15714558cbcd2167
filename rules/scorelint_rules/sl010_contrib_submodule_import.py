from __future__ import annotations

import libcst as cst

from scorelint.facts import dotted_name
from scorelint.model import Severity
from scorelint.rule import Invalid, Rule, Valid

from ._main_guard import under_main_guard

_ALIASED = {
    "azureml.contrib.services.aml_request": "azureml_inference_server_http.api.aml_request",
    "azureml.contrib.services.aml_response": "azureml_inference_server_http.api.aml_response",
}


class ContribSubmoduleImport(Rule):
    """`import azureml.contrib.services.aml_request` fails under the inference server; import from it instead.

    ## What it does
    Reports `import azureml.contrib.services.aml_request` and `import azureml.contrib.services.aml_response`
    statements, with or without `as`, except under `if __name__ == "__main__":`, which the server never runs.

    ## Why is this bad?
    The inference server does not ship an `azureml.contrib.services` package: it registers its own
    `aml_request` and `aml_response` modules under those two full names only. `from ... import rawhttp`
    finds them, but an `import` statement of the dotted name also needs the `azureml` and `azureml.contrib`
    packages above them, which the server never creates. The script then fails to import
    ("No module named 'azureml'", or "cannot import name 'contrib' from 'azureml'" when some azureml
    package is installed), and the deployment fails.

    ## Example
    ```python
    import azureml.contrib.services.aml_request as req

    @req.rawhttp
    def run(request):
        ...
    ```

    ## Use instead
    ```python
    from azureml.contrib.services.aml_request import rawhttp

    @rawhttp
    def run(request):
        ...
    ```
    or `import azureml_inference_server_http.api.aml_request as req`, the module the server registers.

    ## Fix safety
    The fix imports `azureml_inference_server_http.api.aml_request` (or `.aml_response`) under the same
    alias: the very module the server would have given the script. It is offered only for the `as` form;
    without an alias every use of the dotted name would have to change too.
    """

    code = "SL010"
    name = "contrib-submodule-import"
    severity = Severity.ERROR
    contract = "1. Loading: any exception at import time fails the deployment"

    VALID = [
        Valid("""
            from azureml.contrib.services.aml_request import AMLRequest, rawhttp

            def init():
                pass

            @rawhttp
            def run(request):
                return request.get_data()
            """),
        Valid("""
            import azureml_inference_server_http.api.aml_request as req

            def init():
                pass

            @req.rawhttp
            def run(request):
                return request.get_data()
            """),
        Valid("""
            from azureml.contrib.services import aml_request

            def init():
                pass

            def run(data):
                return data
            """),
        Valid("""
            def init():
                pass

            def run(data):
                return data

            if __name__ == '__main__':
                import azureml.contrib.services.aml_request
            """),
    ]
    INVALID = [
        Invalid("""
            import azureml.contrib.services.aml_request as req

            def init():
                pass

            @req.rawhttp
            def run(request):
                return request.get_data()
            """, line=1,
                message_contains="azureml.contrib.services.aml_request",
                fixed="""
            import azureml_inference_server_http.api.aml_request as req

            def init():
                pass

            @req.rawhttp
            def run(request):
                return request.get_data()
            """),
        Invalid("""
            import json, azureml.contrib.services.aml_response as resp

            def init():
                pass

            def run(data):
                return resp.AMLResponse(json.loads(data), 200)
            """, line=1,
                fixed="""
            import json, azureml_inference_server_http.api.aml_response as resp

            def init():
                pass

            def run(data):
                return resp.AMLResponse(json.loads(data), 200)
            """),
        Invalid("""
            import azureml.contrib.services.aml_request

            def init():
                pass

            @azureml.contrib.services.aml_request.rawhttp
            def run(request):
                return 1
            """, line=1,
                message_contains="from azureml.contrib.services.aml_request import"),
    ]

    def visit_Import(self, node: cst.Import) -> None:
        if under_main_guard(self.source, node):
            return  # the server never runs `if __name__ == "__main__":`
        for alias in node.names:
            dotted = dotted_name(alias.name)
            replacement = _ALIASED.get(dotted)
            if replacement is None:
                continue
            fix = None
            if alias.asname is not None:
                fix = self.fix(f"Import {replacement} instead", self.replace(alias.name, replacement))
            self.report(alias, f"`import {dotted}` fails when the server loads the script",
                        help="The server registers that module under its full name only, without the `azureml` "
                             "packages above it, so the import raises and the deployment fails. Write "
                             f"`from {dotted} import ...` or `import {replacement} as ...`.", fix=fix)
