"""scorelint: a fast linter for Azure Machine Learning entry scripts.

The public API (kept light: importing scorelint does not import libcst until it is used):

    from scorelint.api import Linter
    result = Linter().lint_text(source_text, "score.py")
"""

__version__ = "0.1.0"
