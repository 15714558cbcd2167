from __future__ import annotations

from scorelint.deployment.rule import DeploymentInvalid, DeploymentRule, DeploymentValid
from scorelint.deployment.yamlfile import Located
from scorelint.model import Severity

from ._deployment_examples import conda, online_yaml, script

# The parameter types that import a library when they are imported, and the inference-schema extra
# that installs it (inference-schema 1.8's METADATA).
_TYPES = {
    "NumpyParameterType": ("numpy", "numpy-support"),
    "PandasParameterType": ("pandas", "pandas-support"),
    "SparkParameterType": ("pyspark", "pyspark-support"),
}
_SCHEMA = ("from inference_schema.schema_decorators import input_schema, output_schema",)


class InferenceSchemaNotInEnvironment(DeploymentRule):
    """The script uses inference-schema (or its numpy, pandas or Spark parameter types) and the environment
    does not install it (or the extra those types need).

    ## What it does
    When the scoring script or one of its local modules imports `inference_schema`, checks that the
    inline environment installs `inference-schema`: directly, or through `azureml-inference-server-http`
    (whose 1.5.1 metadata requires `inference-schema~=1.8.0`) or `azureml-defaults`. When it imports
    `NumpyParameterType`, `PandasParameterType` or `SparkParameterType`, whose modules import numpy,
    pandas or pyspark at once, checks that the environment provides that library too: the
    `inference-schema[numpy-support]`, `[pandas-support]` or `[pyspark-support]` extra, or the library itself.
    Severity follows the same evidence as `package-not-in-environment`.

    ## Why is this bad?
    The import fails when the server imports the script, and the deployment fails at start-up. The
    parameter types are the trap: `inference-schema` alone imports fine on the laptop, where numpy is
    installed anyway, and fails in a lean environment. The azure-ai-ml loader (the differential test's
    oracle) does not read imports: this is one of scorelint's extra findings.

    ## Example
    ```yaml
    - pip:
      - inference-schema        # the script uses PandasParameterType
    ```

    ## Use instead
    ```yaml
    - pip:
      - inference-schema[pandas-support]
    ```
    """

    code = "SL704"
    name = "inference-schema-not-in-environment"
    severity = Severity.ERROR
    contract = "3. Schema generation and Swagger: NumpyParameterType, PandasParameterType and SparkParameterType need their libraries"

    VALID = [
        DeploymentValid(online_yaml(), files={"env/conda.yaml": conda("azureml-inference-server-http"),
                                              "src/score.py": script(*_SCHEMA)}),
        DeploymentValid(online_yaml(), files={
            "env/conda.yaml": conda("azureml-inference-server-http", "inference-schema[numpy-support]"),
            "src/score.py": script("from inference_schema.parameter_types.numpy_parameter_type import "
                                   "NumpyParameterType")}),
        DeploymentValid(online_yaml(), files={
            "env/conda.yaml": conda("azureml-inference-server-http", "pandas"),
            "src/score.py": script("from inference_schema.parameter_types.pandas_parameter_type import "
                                   "PandasParameterType")}),
    ]
    INVALID = [
        DeploymentInvalid(online_yaml(), files={
            "env/conda.yaml": conda("azureml-inference-server-http"),
            "src/score.py": script("from inference_schema.parameter_types.pandas_parameter_type import "
                                   "PandasParameterType")},
            in_file="src/score.py", line=1, message_contains="pandas-support"),
        DeploymentInvalid(online_yaml(), files={
            "env/conda.yaml": conda("numpy"), "src/score.py": script(*_SCHEMA)},
            in_file="src/score.py", line=1, message_contains="inference-schema"),
    ]

    def check(self) -> None:
        if not self.ctx.has_inline_environment:  # first: then there is no need to read the code folder
            return
        code = self.ctx.code
        if code is None:
            return
        env = self.deployment.environment
        where = env.conda_file.name if env.conda_file is not None else "the environment"
        sites = [s for s in code.imports if s.top == "inference_schema" and not s.guarded]
        if not sites:
            return
        schema = self.ctx.verdict("inference_schema")
        if schema is not None and schema.status in ("missing", "maybe-missing"):
            self.report_at(Located(sites[0].module, sites[0].path, sites[0].range),
                           f"The script uses inference-schema, which {where} does not install",
                           help="It is installed neither directly nor through azureml-inference-server-http: the "
                                f"import fails when the server loads the script. Add `inference-schema` to {where}.",
                           severity=Severity.INFO if schema.status == "maybe-missing" else None)
            return
        for site in sites:
            for type_name in site.names:
                library, extra = _TYPES.get(type_name, (None, None))
                if library is None:
                    continue
                verdict = self.ctx.verdict(library)
                if verdict is None or verdict.status not in ("missing", "maybe-missing"):
                    continue
                self.report_at(Located(site.module, site.path, site.range),
                               f"`{type_name}` imports {library}, which {where} does not install",
                               help=f"`{type_name}` imports {library} as soon as it is imported: the server cannot "
                                    f"load the script. Install `inference-schema[{extra}]` (or `{library}`).",
                               severity=Severity.INFO if verdict.status == "maybe-missing" else None)
