"""Hypothesis draws: fixed for the default suite, fresh for slow runs.

The default suite gates merges (`.ci/run`: `pytest -q`, which deselects slow tests): it must pass or fail the
same way on every run, so its draws are derandomized (a fixed seed per test). A slow run (`-m slow`) exists to
hunt for disagreements no fixed draw shows: it draws fresh examples every time, and hypothesis prints how to
reproduce any failure it finds. NETVERIFY_RANDOM=1 makes any run random, NETVERIFY_RANDOM=0 any run fixed.
"""

import os

from hypothesis import settings

settings.register_profile("netverify-fixed", derandomize=True)
settings.register_profile("netverify-random", derandomize=False)


def selects_slow_tests(markexpr: str) -> bool:
    """Whether a `-m` expression asks for the slow tests (pyproject's addopts says `not slow`)."""
    words = markexpr.replace("(", " ").replace(")", " ").split()
    return any(w == "slow" and (i == 0 or words[i - 1] != "not") for i, w in enumerate(words))


def pytest_configure(config):
    # Runs before the test modules are imported: the settings objects they build inherit this profile.
    choice = os.environ.get("NETVERIFY_RANDOM")
    random = choice == "1" or (choice != "0" and selects_slow_tests(config.getoption("markexpr") or ""))
    settings.load_profile("netverify-random" if random else "netverify-fixed")
