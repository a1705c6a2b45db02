"""The merge gate draws fixed examples; a slow run draws fresh ones (tests/conftest.py)."""

import os

import pytest
from hypothesis import settings

from conftest import selects_slow_tests


def test_the_default_selection_is_fixed_and_a_slow_selection_is_random():
    assert not selects_slow_tests("not slow")  # pyproject's addopts: the CI gate
    assert not selects_slow_tests("")
    assert not selects_slow_tests("not slow and not fuzz")
    assert selects_slow_tests("slow")
    assert selects_slow_tests("(slow) and not fuzz")
    assert selects_slow_tests("slow or not slow")


def test_the_loaded_profile_follows_this_runs_selection(request):
    if os.environ.get("NETVERIFY_RANDOM") in ("0", "1"):
        pytest.skip("NETVERIFY_RANDOM chooses the profile for this run")
    slow = selects_slow_tests(request.config.getoption("markexpr") or "")
    assert settings.default.derandomize is not slow
