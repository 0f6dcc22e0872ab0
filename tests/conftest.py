"""Shared test setup: one torch thread (two barely help on these VMs and collapse under load)."""
import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("PQL_HOME", os.path.join(os.path.dirname(__file__), ".pql-test-home"))


def pytest_configure(config):
    try:
        import torch
    except ImportError:  # torch is a dependency, but parsing tests must not need it
        return
    torch.set_num_threads(1)


import pytest  # noqa: E402


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Tests on the real data in ../shared/data skip on a developer machine without it, but in CI the
    data is always there: a missing-data skip under CI=true is a failure, never a silent pass."""
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("CI") == "true" and report.skipped and "not present" in str(report.longrepr):
        report.outcome = "failed"
