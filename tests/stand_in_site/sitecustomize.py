"""Put on the reference server's PYTHONPATH by tests/test_swagger_differential.py for the `heavy_*` fixtures:
the server then imports the script with scorelint's stand-ins for the modules named in
SCORELINT_TEST_STAND_INS (not installed in the test environment), exactly as the sandbox stands in for
them, so that the two documents can be compared for scripts that import torch, mlflow, cv2..."""

import importlib.util
import os
import sys

_NAMES = [name for name in os.environ.get("SCORELINT_TEST_STAND_INS", "").split(",") if name]
if _NAMES:
    _PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir, "scorelint", "sandbox",
                         "child", "stand_ins.py")
    _spec = importlib.util.spec_from_file_location("_scorelint_test_stand_ins", _PATH)
    _module = importlib.util.module_from_spec(_spec)
    sys.modules[_spec.name] = _module
    _spec.loader.exec_module(_module)
    _finder = _module.AbsentModules("score.py")
    _finder.admitted.update(_NAMES)
    sys.meta_path.append(_finder)
