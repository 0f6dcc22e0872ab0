"""Fixtures: a tiny shop DuckDB built once per session (never written) and per-test copies."""
from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from tests.api.shop import write_duckdb


@pytest.fixture(scope="session")
def shop_master(tmp_path_factory) -> Path:
    return write_duckdb(tmp_path_factory.mktemp("shop_master") / "shop.duckdb")


@pytest.fixture
def shop_db(shop_master, tmp_path) -> Path:
    """A private copy of the shop, so a test may write INTO it or insert rows."""
    path = tmp_path / "data" / "shop.duckdb"
    path.parent.mkdir()
    shutil.copy(shop_master, path)
    return path


@pytest.fixture(autouse=True)
def pql_home(tmp_path, monkeypatch) -> Path:
    """A fresh model registry per test: reuse must come from this test's own runs."""
    home = tmp_path / "pql_home"
    monkeypatch.setenv("PQL_HOME", str(home))
    return home


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def folder_state(folder: Path) -> dict[str, str]:
    """Every file in ``folder`` (recursively) and its content hash."""
    return {str(p.relative_to(folder)): digest(p) for p in sorted(folder.rglob("*")) if p.is_file()}
