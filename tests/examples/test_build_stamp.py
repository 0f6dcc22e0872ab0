"""Cached example databases are named after their builder's code, so a changed generator rebuilds them."""
from __future__ import annotations

from bench.cases import database_path, DATABASES, Database
from examples.build_stamp import code_digest


def test_digest_changes_with_any_file_of_the_package(tmp_path):
    pkg = tmp_path / "gen"
    pkg.mkdir()
    (pkg / "a.py").write_text("x = 1\n")
    (pkg / "_helper.py").write_text("y = 2\n")
    first = code_digest(pkg)
    code_digest.cache_clear()
    (pkg / "_helper.py").write_text("y = 3\n")
    assert code_digest(pkg) != first
    code_digest.cache_clear()


def test_a_changed_builder_gets_a_new_cache_file(tmp_path, monkeypatch):
    pkg = tmp_path / "gen"
    pkg.mkdir()
    (pkg / "g.py").write_text("v = 1\n")
    built = []

    def build(path):
        built.append(path)
        path.write_bytes(b"db")
        return path

    monkeypatch.setitem(DATABASES, "toy", Database(name="toy", build=build, source="test", code=pkg))
    cache = tmp_path / "cache"
    first = database_path("toy", cache=cache, log=lambda m: None)
    assert database_path("toy", cache=cache, log=lambda m: None) == first and len(built) == 1
    code_digest.cache_clear()
    (pkg / "g.py").write_text("v = 2\n")
    second = database_path("toy", cache=cache, log=lambda m: None)
    code_digest.cache_clear()
    assert second != first and len(built) == 2
