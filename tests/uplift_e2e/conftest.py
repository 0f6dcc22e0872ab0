"""Fixtures: the tiny promotion database (built once, read-only) and a fresh model registry per test."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.uplift_e2e.promo_db import write_promo_db


@pytest.fixture(scope="session")
def promo_db(tmp_path_factory) -> Path:
    return write_promo_db(tmp_path_factory.mktemp("promo") / "promo.duckdb")


@pytest.fixture(autouse=True)
def pql_home(tmp_path, monkeypatch) -> Path:
    home = tmp_path / "pql_home"
    monkeypatch.setenv("PQL_HOME", str(home))
    return home
