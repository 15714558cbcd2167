import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def registry():
    from scorelint.registry import default_registry

    return default_registry()
