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
