"""`WITH refit`: after validation has chosen, the kept model trains again on train + validation rows.

Validation metrics must be the pre-refit model's (honest), test rows must never be trained on, and
`refit = false` must leave the validated model as it was. A random split does not refit unless asked.
"""
from __future__ import annotations

import re

import pytest

import pql
from engine import registry
from tests.fixtures.shop import CUSTOMER, ShopSpec, build
from tests.labels.cohort import OUTCOME, cohort_connection, with_options

CHURN = f"PREDICT COUNT(orders.*, 0, 30, days) > 0 {CUSTOMER}"


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    return build(tmp_path_factory.mktemp("refit") / "shop.duckdb", ShopSpec(n_customers=120, days=200))


def _run(shop, tmp_path, monkeypatch, statement: str):
    monkeypatch.setenv("PQL_HOME", str(tmp_path / "home"))
    logged: list[str] = []
    with pql.connect(str(shop), log=logged.append) as session:
        (result,) = session.run(statement)
    return result, logged


def _rows(table) -> dict[tuple, float]:
    return {(r["model"], r["split"], r["metric"]): r["value"] for r in table.to_pylist()}


def test_lightgbm_refit_changes_the_model_not_its_validation_metric(shop, tmp_path, monkeypatch):
    base = f"EVALUATE {CHURN} WITH model = 'lightgbm'"
    kept, log_kept = _run(shop, tmp_path / "a", monkeypatch, base + ", refit = false")
    refitted, log_refit = _run(shop, tmp_path / "b", monkeypatch, base)

    assert not any("refit" in line for line in log_kept)
    assert "refitting lightgbm on train + validation rows …" in log_refit
    assert any(line.startswith("lightgbm: refitted 1 model(s)") for line in log_refit)
    assert kept.run.fingerprint != refitted.run.fingerprint  # the option is part of the saved model's identity
    assert " · trained (refit on train + val) · " in refitted.run.summary and "refit" not in kept.run.summary
    (entry,) = registry.list_entries()  # PQL_HOME is still the refitted run's home
    assert entry.meta["refit"] is True and entry.fingerprint == refitted.run.fingerprint
    val = {k: v for k, v in _rows(kept.table).items() if k[1] == "val"}
    assert {k: v for k, v in _rows(refitted.table).items() if k[1] == "val"} == pytest.approx(val)
    test = {k: v for k, v in _rows(kept.table).items() if k[1] == "test"}
    assert {k: v for k, v in _rows(refitted.table).items() if k[1] == "test"} != pytest.approx(test, abs=1e-12)


def test_gnn_refit_trains_on_train_and_validation_rows_only(shop, tmp_path, monkeypatch):
    result, logged = _run(shop, tmp_path, monkeypatch,
                          f"EVALUATE {CHURN} WITH model = 'gnn', channels = 16, neighbors = 4, epochs = 3")
    counts = result.run.training.counts()
    best = int(re.search(r"gnn: best epoch (\d+) of 3", "\n".join(logged)).group(1))
    line = next(x for x in logged if x.startswith("gnn: refitting on "))
    assert line == f"gnn: refitting on {counts['train'] + counts['val']:,} train + validation rows for {best} epoch{'s' if best != 1 else ''}"
    assert counts["test"] > 0  # there were test rows, and the refit did not take them
    refit_epochs = [x for x in logged[logged.index(line):] if x.startswith("gnn epoch ")]
    assert [x.split(":")[0] for x in refit_epochs] == [f"gnn epoch {e}/{best}" for e in range(1, best + 1)]
    assert not any("· val " in x for x in refit_epochs)  # nothing is validated in a refit: no "val map n/a"
    assert any(x.startswith("gnn: refit done") for x in logged)


def test_a_family_with_nothing_to_refit_says_so(shop, tmp_path, monkeypatch):
    result, logged = _run(shop, tmp_path, monkeypatch, f"EVALUATE {CHURN} WITH model = 'heuristic'")
    assert any(line.startswith("heuristic: refit skipped (nothing to refit)") for line in logged)
    assert " · trained · " in result.run.summary


def test_a_random_split_keeps_its_validated_model_unless_asked(tmp_path, monkeypatch):
    monkeypatch.setenv("PQL_HOME", str(tmp_path / "home"))
    query = with_options("EVALUATE " + OUTCOME, model="lightgbm", anchor_time="2024-05-01", split="random")
    for extra, expect in (("", False), (", refit = true", True)):
        logged: list[str] = []
        with pql.connect(cohort_connection(), log=logged.append) as session:
            (result,) = session.run(query + extra)
        assert result.run.training.schedule.cohort
        assert any(line.startswith("refitting lightgbm") for line in logged) is expect
        assert ("(refit on train + val)" in result.run.summary) is expect
