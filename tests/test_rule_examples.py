"""Every rule's VALID and INVALID examples, as generated tests (one test per example)."""

import pytest

from scorelint.registry import default_registry
from scorelint.testing import check_example, example_cases

CASES = list(example_cases(default_registry().rules))


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_example(case):
    check_example(case)
