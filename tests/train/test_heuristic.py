"""The heuristic baseline on a small shop with a planted, persistent signal (tests/fixtures/shop.py)."""
from __future__ import annotations

import json
from datetime import datetime
from dataclasses import replace

import numpy as np
import pytest

import pql
from engine.evaluate import score
from engine.train.heuristic.orient import orientation
from engine.train.heuristic.past import past_window, shifted
from engine.train.heuristic_trainer import STATE_FILE, HeuristicTrainer
from pql.bound import BWindow, iter_aggregations
from pql.errors import EngineError
from tests.fixtures.shop import CUSTOMER
from tests.fixtures.training import make_inputs, row_keys

BUYS = f"PREDICT COUNT(orders.*, 0, 30, days) > 0 {CUSTOMER}"
CHURN = f"PREDICT COUNT(orders.*, 0, 30, days) = 0 {CUSTOMER}"
SPEND = f"PREDICT SUM(orders.amount, 0, 30, days) {CUSTOMER}"
NEXT = f"PREDICT LIST_DISTINCT(orders.product_id, 0, 30, days) RANK TOP 5 {CUSTOMER}"
CHANNEL = f"PREDICT FIRST(orders.channel, 0, 30, days) {CUSTOMER}"


def _fit(session, query: str):
    inputs = make_inputs(session, query)
    trainer = HeuristicTrainer()
    val = trainer.fit(inputs)
    test, rows = row_keys(inputs, "test")
    return inputs, trainer, val, score(inputs.bq, test, trainer.predict(inputs, rows))


def test_past_window_mirrors_the_target_window_and_never_crosses_the_anchor():
    assert past_window(BWindow(start=0, end=30, unit="days")) == BWindow(start=-30, end=0, unit="days")
    assert past_window(BWindow(start=10, end=30, unit="days")) == BWindow(start=-20, end=0, unit="days")
    assert past_window(BWindow(start=0, end=2, unit="months"), lag=2) == BWindow(start=-4, end=-2, unit="months")
    assert past_window(BWindow(start=None, end=30, unit="days")) == BWindow(start=None, end=0, unit="days")
    assert past_window(BWindow(start=0, end=30, unit="days"), lag=0) == BWindow(start=None, end=0, unit="days")


def test_orientation_follows_the_comparison(session):
    assert orientation(session.bind(BUYS).target).score(np.array([0.0, 3.0])).tolist() == [0.0, 3.0]
    assert orientation(session.bind(CHURN).target).score(np.array([0.0, 3.0])).tolist() == [0.0, -3.0]
    flipped = session.bind(f"PREDICT 2 > COUNT(orders.*, 0, 30, days) {CUSTOMER}").target
    assert orientation(flipped).sign == -1.0
    assert orientation(session.bind(f"PREDICT NOT COUNT(orders.*, 0, 30) > 0 {CUSTOMER}").target).sign == -1.0


def test_shifted_target_reads_only_the_past(session):
    for agg in iter_aggregations(shifted(session.bind(BUYS).target)):
        assert agg.window.end <= 0


def test_binary_persistence_beats_a_constant_and_is_calibrated(session):
    inputs, _, val, test = _fit(session, BUYS)
    assert val["auroc"] > 0.7 and test["auroc"] > 0.7  # a constant scores 0.5
    table, rows = row_keys(inputs, "test")
    trainer = HeuristicTrainer()
    trainer.fit(inputs)
    probs = np.asarray(trainer.predict(inputs, rows).scores)
    assert probs.min() >= 0.0 and probs.max() <= 1.0
    rate = np.mean(table.column("label").to_pylist())
    assert abs(probs.mean() - rate) < 0.1  # isotonic on train: close to the observed rate


def test_churn_is_the_mirror_of_buying(session):
    _, _, _, buys = _fit(session, BUYS)
    _, _, _, churn = _fit(session, CHURN)
    assert churn["auroc"] == pytest.approx(buys["auroc"], abs=1e-6)


def test_regression_last_period_beats_the_train_median(session):
    inputs, _, _, test = _fit(session, SPEND)
    table, _ = row_keys(inputs, "test")
    y = np.array(table.column("label").to_pylist(), dtype=float)
    median = np.median(inputs.tt.split("train").column("label").to_pylist())
    assert test["mae"] < np.abs(y - median).mean()
    assert test["spearman"] > 0.3


def test_ranking_beats_global_popularity(session):
    inputs, trainer, _, test = _fit(session, NEXT)
    table, rows = row_keys(inputs, "test")
    preds = trainer.predict(inputs, rows)
    assert preds.items.shape == (rows.num_rows, 5)
    assert np.all(np.diff(preds.scores, axis=1)[~np.isnan(np.diff(preds.scores, axis=1))] <= 0)  # best first
    counts: dict = {}
    for items in inputs.tt.split("train").column("label").to_pylist():
        for it in items:
            counts[it] = counts.get(it, 0) + 1
    top = sorted(counts, key=lambda it: (-counts[it], it))[:5]
    constant = score(inputs.bq, table, replace(preds, items=np.array([top] * rows.num_rows, dtype=object)))
    assert test["map"] > constant["map"] + 0.1


def test_multiclass_uses_the_entity_s_own_past(session):
    _, trainer, _, test = _fit(session, CHANNEL)
    assert test["accuracy"] > 0.6  # the channel is each customer's own 85% of the time; the mode is ~1/3


def test_save_load_round_trip_predicts_the_same(session, tmp_path):
    for query in (BUYS, SPEND, NEXT, CHANNEL):
        inputs = make_inputs(session, query)
        trainer = HeuristicTrainer()
        trainer.fit(inputs)
        folder = tmp_path / str(abs(hash(query)))
        folder.mkdir()
        trainer.save(folder)
        json.loads((folder / STATE_FILE).read_text())  # plain JSON
        loaded = HeuristicTrainer.load(folder, inputs)
        _, rows = row_keys(inputs, "test")
        a, b = trainer.predict(inputs, rows), loaded.predict(inputs, rows)
        np.testing.assert_allclose(a.scores, b.scores)
        assert a.classes == b.classes
        if a.items is not None:
            assert a.items.tolist() == b.items.tolist()


def test_loading_a_baseline_of_another_task_is_refused(session, tmp_path):
    trainer = HeuristicTrainer()
    trainer.fit(make_inputs(session, BUYS))
    trainer.save(tmp_path)
    with pytest.raises(EngineError, match="retrain"):
        HeuristicTrainer.load(tmp_path, make_inputs(session, SPEND))


def test_end_to_end_through_the_session(session):
    metrics = session.evaluate(f"EVALUATE {BUYS} WITH model = 'heuristic', retrain = true").to_pylist()
    test_auroc = [m["value"] for m in metrics if m["split"] == "test" and m["metric"] == "auroc"]
    assert test_auroc and test_auroc[0] > 0.7
    ranked = session.predict(f"{NEXT} WITH model = 'heuristic', retrain = true")
    assert set(ranked.column_names) >= {"customer_id", "anchor_time", "rank", "product_id", "score"}
    assert ranked.num_rows > 0 and max(ranked.column("rank").to_pylist()) == 5


def test_past_values_do_not_change_when_the_future_is_deleted(session, tmp_path):
    """The past values at an anchor read nothing after it: deleting every later row changes none."""
    import shutil

    import duckdb
    import pyarrow as pa

    from engine.train.heuristic.past import past_values

    anchor = datetime(2023, 7, 1)
    anchors = pa.array([anchor], pa.timestamp("us"))
    queries = {q: session.bind(q) for q in (SPEND, NEXT, CHANNEL)}

    def values(con, db):
        out = {}
        for q, bq in queries.items():
            for lag in (0, 1, 2):
                frame = past_values(con, db, bq, shifted(bq.target, lag), anchors)
                frame["value"] = frame["value"].map(lambda v: round(v, 6) if isinstance(v, float) else v)
                out[q, lag] = sorted(map(repr, frame.itertuples(index=False)))
        return out

    before = values(session.con, session.db)
    cut = tmp_path / "cut.duckdb"
    shutil.copy(session.connector.name, cut)
    con = duckdb.connect(str(cut))
    con.execute("DELETE FROM orders WHERE ordered_at > ?", [anchor])
    assert con.sql("SELECT count(*) FROM orders").fetchall()[0][0] > 0
    con.close()
    with pql.connect(str(cut)) as truncated:
        assert values(truncated.con, truncated.db) == before
    assert any(len(v) > 0 for v in before.values())
