"""Saved models that cannot be read: retrained with a warning, listed as unreadable, removable; and the
query a saved model lists is the statement that trained it."""
from __future__ import annotations

import pytest

from engine import registry
from tests.api.shop import BUYS
from tests.cli.test_commands import ok

LIGHTGBM = BUYS.replace("'heuristic'", "'lightgbm'")


def _only_model(pql_home):
    (folder,) = (pql_home / "models").iterdir()
    return folder


@pytest.mark.parametrize("query,damage", [
    (BUYS, lambda folder: (folder / "heuristic" / "heuristic.json").write_text("garbage")),
    (LIGHTGBM, lambda folder: [p.write_text(p.read_text()[:300])
                               for p in (folder / "lightgbm").rglob("model.txt")]),
], ids=["heuristic", "lightgbm"])
def test_a_saved_model_that_cannot_be_loaded_is_retrained_and_replaced(shop_db, pql_home, query, damage, capfd):
    ok("query", query, "--db", str(shop_db), "-q")
    folder = _only_model(pql_home)
    damage(folder)
    capfd.readouterr()
    again = ok("query", query, "--db", str(shop_db), "-q")
    native = capfd.readouterr().err  # LightGBM's C++ core writes to fd 2, past the CLI runner's capture
    assert not [line for line in native.splitlines() if line.startswith("[LightGBM]")], native
    warning = next(line for line in again.stderr.splitlines() if line.startswith("warning: the saved model"))
    assert warning.startswith(f"warning: the saved model {folder.name} cannot be loaded (")
    assert warning.endswith("); training a new one to replace it")
    assert "· trained" in again.stdout and "reused model" not in again.stdout
    third = ok("query", query, "--db", str(shop_db), "-q")  # the replacement is saved under the same id
    assert "· reused model" in third.stdout and "warning: the saved model" not in third.stderr
    assert _only_model(pql_home) == folder


def test_an_unreadable_meta_json_is_listed_and_remove_old_deletes_it(shop_db, pql_home):
    ok("query", BUYS, "--db", str(shop_db), "-q")
    folder = _only_model(pql_home)
    (folder / "meta.json").write_text("{not json")
    listing = ok("models").stdout
    assert folder.name[:8] in listing and "(unreadable, meta.json is not valid: " in listing
    assert "`pql models --remove-old` deletes it)" in listing
    removed = ok("models", "--remove-old").stdout
    assert removed.startswith("removed 1 saved model an older pql saved or that cannot be read (")
    assert not folder.exists()


def test_an_unreadable_meta_json_is_retrained_with_a_warning(shop_db, pql_home):
    ok("query", BUYS, "--db", str(shop_db), "-q")
    folder = _only_model(pql_home)
    (folder / "meta.json").write_text("{not json")
    again = ok("query", BUYS, "--db", str(shop_db), "-q")
    assert (f"warning: the saved model {folder.name} cannot be loaded (meta.json is not valid: "
            in again.stderr)
    assert "reused model" in ok("query", BUYS, "--db", str(shop_db), "-q").stdout  # replaced, readable again


def test_a_model_lists_only_the_statement_that_trained_it(shop_db, pql_home, tmp_path):
    script = tmp_path / "s.pql"
    script.write_text("-- weekly scoring\nDEFINE buys AS COUNT(purchases.*, 0, 30, days) > 0;\n"
                      "PREDICT buys FOR EACH customers -- who buys next month\n  WITH model = 'heuristic';\n"
                      "EXPLAIN PREDICT buys FOR EACH customers WITH model = 'heuristic';\n")
    ok("run", str(script), "--db", str(shop_db), "-q")
    (entry,) = registry.list_entries()
    assert entry.meta["query"] == "PREDICT buys FOR EACH customers -- who buys next month\n  WITH model = 'heuristic'"
    listing = ok("models").stdout
    assert "DEFINE" not in listing and "EXPLAIN" not in listing and "weekly scoring" not in listing
