"""scorelint's built-in rules, one per module, registered through the `scorelint.rules` entry point.

Codes are grouped by hundreds and never reused:
SL0xx loading (init/run structure), SL1xx schema and Power BI names, SL2xx responses and HTTP,
SL3xx sensitive sample data, SL4xx CORS, SL5xx models, SL6xx batch scripts, SL7xx the deployment around
the script (YAML, environment, code folder), SL9xx sandbox.
"""

from .sl001_syntax_error import SyntaxErrorRule
from .sl002_missing_init import MissingInit
from .sl003_missing_run import MissingRun
from .sl004_init_required_params import InitRequiredParams
from .sl005_run_unsupported_params import RunUnsupportedParams
from .sl006_run_no_input_param import RunNoInputParam
from .sl007_rawhttp_with_input_schema import RawhttpWithInputSchema
from .sl008_rawhttp_not_on_run import RawhttpNotOnRun
from .sl009_unused_suppression import UnusedSuppression
from .sl010_contrib_submodule_import import ContribSubmoduleImport
from .sl011_undefined_name import UndefinedName
from .sl012_unbound_local import UnboundLocal
from .sl101_schema_param_not_in_run import SchemaParamNotInRun
from .sl102_schema_name_casing import SchemaNameCasing
from .sl103_global_parameters_required import GlobalParametersRequired
from .sl104_output_schema_mismatch import OutputSchemaMismatch
from .sl105_run_is_async import RunIsAsync
from .sl106_undecorated_input_indexed import UndecoratedInputIndexed
from .sl107_schema_default_rejected import SchemaDefaultRejected
from .sl201_status_500 import Status500
from .sl202_error_returned_as_success import ErrorReturnedAsSuccess
from .sl203_response_not_serializable import ResponseNotSerializable
from .sl204_double_encoded_json import DoubleEncodedJson
from .sl205_run_may_return_none import RunMayReturnNone
from .sl206_payload_logged import PayloadLogged
from .sl207_rawhttp_method_unchecked import RawhttpMethodUnchecked
from .sl208_print_in_run import PrintInRun
from .sl209_tuple_status_ignored import TupleStatusIgnored
from .sl210_rawhttp_flask1_request_api import RawhttpFlask1RequestApi
from .sl301_sensitive_sample_data import SensitiveSampleData
from .sl401_cors_without_options import CorsWithoutOptions
from .sl402_cors_options_not_routed import CorsOptionsNotRouted
from .sl501_model_dir_may_be_none import ModelDirMayBeNone
from .sl502_init_missing_global import InitMissingGlobal
from .sl503_model_loaded_in_run import ModelLoadedInRun
from .sl504_sklearn_externals_joblib import SklearnExternalsJoblib
from .sl505_sdk_v1_model_path import SdkV1ModelPath
from .sl506_model_never_loaded import ModelNeverLoaded
from .sl601_batch_return_shape import BatchReturnShape
from .sl602_batch_return_in_loop import BatchReturnInLoop
from .sl700_invalid_deployment_yaml import InvalidDeploymentYaml
from .sl701_scoring_script_not_found import ScoringScriptNotFound
from .sl702_package_not_in_environment import PackageNotInEnvironment
from .sl703_inference_server_not_in_environment import InferenceServerNotInEnvironment
from .sl704_inference_schema_not_in_environment import InferenceSchemaNotInEnvironment
from .sl705_request_timeout_above_maximum import RequestTimeoutAboveMaximum
from .sl706_probe_value_below_minimum import ProbeValueBelowMinimum
from .sl707_concurrency_without_worker_count import ConcurrencyWithoutWorkerCount
from .sl708_python_below_server_minimum import PythonBelowServerMinimum
from .sl709_model_file_not_in_model_path import ModelFileNotInModelPath
from .sl710_environment_file_not_found import EnvironmentFileNotFound
from .sl901_import_failed import ImportFailed
from .sl902_load_failed import LoadFailed
from .sl903_sensitive_swagger_example import SensitiveSwaggerExample
from .sl904_modules_stood_in import ModulesStoodIn

ALL_RULES = (
    SyntaxErrorRule,
    MissingInit,
    MissingRun,
    InitRequiredParams,
    RunUnsupportedParams,
    RunNoInputParam,
    RawhttpWithInputSchema,
    RawhttpNotOnRun,
    UnusedSuppression,
    ContribSubmoduleImport,
    UndefinedName,
    UnboundLocal,
    SchemaParamNotInRun,
    SchemaNameCasing,
    GlobalParametersRequired,
    OutputSchemaMismatch,
    RunIsAsync,
    UndecoratedInputIndexed,
    SchemaDefaultRejected,
    Status500,
    ErrorReturnedAsSuccess,
    ResponseNotSerializable,
    DoubleEncodedJson,
    RunMayReturnNone,
    PayloadLogged,
    RawhttpMethodUnchecked,
    PrintInRun,
    TupleStatusIgnored,
    RawhttpFlask1RequestApi,
    SensitiveSampleData,
    CorsWithoutOptions,
    CorsOptionsNotRouted,
    ModelDirMayBeNone,
    InitMissingGlobal,
    ModelLoadedInRun,
    SklearnExternalsJoblib,
    SdkV1ModelPath,
    ModelNeverLoaded,
    BatchReturnShape,
    BatchReturnInLoop,
    InvalidDeploymentYaml,
    ScoringScriptNotFound,
    PackageNotInEnvironment,
    InferenceServerNotInEnvironment,
    InferenceSchemaNotInEnvironment,
    RequestTimeoutAboveMaximum,
    ProbeValueBelowMinimum,
    ConcurrencyWithoutWorkerCount,
    PythonBelowServerMinimum,
    ModelFileNotInModelPath,
    EnvironmentFileNotFound,
    ImportFailed,
    LoadFailed,
    SensitiveSwaggerExample,
    ModulesStoodIn,
)
