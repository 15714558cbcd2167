"""The sandbox child's launcher: `PYTHON -I -B _child.py ...` (see child/__init__.py).

It loads the folder child/ as the package `_scorelint_child` (under -I the script's folder is not on
sys.path, and a private name keeps the child's modules from colliding with the user's) and runs it.
Kept to syntax every Python 3 parses, so that a too-old interpreter fails with a clear message.
"""

import importlib.util
import os
import sys


def _load_package():
    folder = os.path.join(os.path.dirname(os.path.abspath(__file__)), "child")
    spec = importlib.util.spec_from_file_location("_scorelint_child", os.path.join(folder, "__init__.py"),
                                                  submodule_search_locations=[folder])
    package = importlib.util.module_from_spec(spec)
    sys.modules["_scorelint_child"] = package
    spec.loader.exec_module(package)
    return package


if __name__ == "__main__":
    if sys.version_info < (3, 8):
        sys.stderr.write("scorelint's sandbox needs Python 3.8 or newer (this is %s)\n" % sys.version.split()[0])
        sys.exit(78)
    _load_package()
    from _scorelint_child.entry import main

    main(sys.argv)
