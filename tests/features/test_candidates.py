"""Link-ranking candidates and pair features on the tiny retail database."""
from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest
from conftest import T0, seeds_table

from engine.features import candidate_features, feature_names, label_candidates, top_k
from pql.errors import PQLInputError

KEYS, ITEMS = ["customer_id"], ["product_id"]


def by_pair(t: pa.Table) -> dict:
    rows = t.to_pylist()
    return {(r["customer_id"], r["anchor_time"], r["product_id"]): r for r in rows}


@pytest.fixture(scope="module")
def pairs(retail_shared):
    con, db = retail_shared
    seeds = seeds_table([(1, T0), (2, T0), (3, T0), (1, T0 - dt.timedelta(days=10))])
    return candidate_features(
        con, db, "customers", seeds, item_fk="invoice_lines.product_id", num_popular=2, windows=[7, 30]
    )


def test_candidates_are_history_plus_popular(pairs):
    got = {(c, a, p) for c, a, p in by_pair(pairs)}
    # popular at T0 over 30 days: 101 (3 lines), 100 (2 lines; the T0-60d line is out); 102 has 1
    assert {p for c, a, p in got if c == 3} == {100, 101}  # no history: popular only
    assert {p for c, a, p in got if c == 2} == {100, 101}  # history {101} ∪ popular
    assert {p for c, a, p in got if c == 1 and a == T0} == {100, 101, 102}  # 102 from history
    # 10 days earlier nothing was bought within 30 days, so only customer 1's own history remains
    assert {p for c, a, p in got if a == T0 - dt.timedelta(days=10)} == {100}


def test_pair_and_item_features_by_hand(pairs):
    r = by_pair(pairs)[(1, T0, 100)]
    assert (r["pair__count_7d"], r["pair__count_30d"], r["pair__count_all"]) == (1, 2, 3)  # T0, T0-7d, T0-60d
    assert r["pair__days_since_last"] == 0.0
    assert r["pair__share_all"] == pytest.approx(3 / 6)
    assert (r["item__count_30d"], r["item__popularity_rank"]) == (2, 2)
    assert (r["entity__count_all"], r["entity__distinct_items_all"]) == (6, 3)
    assert (r["item__list_price"], r["item__category"]) == (10.0, "toys")
    cold = by_pair(pairs)[(3, T0, 101)]
    assert (cold["pair__count_all"], cold["pair__days_since_last"], cold["item__count_7d"]) == (0, None, 3)


def test_item_count_last_year_counts_the_same_weeks_a_year_earlier(retail_shared):
    """At T0 + 340 days the window is ages [335, 365) days: (T0 - 25d, T0 + 5d], the lines from T0 - 7d
    to T0 + 1s (the T0 - 60d line is out); nothing sold in the 30 days before that anchor."""
    con, db = retail_shared
    later = T0 + dt.timedelta(days=340)
    t = candidate_features(con, db, "customers", seeds_table([(1, later), (1, T0)]),
                           item_fk="invoice_lines.product_id", num_popular=2, windows=[7, 30])
    rows = by_pair(t)
    assert {p: rows[(1, later, p)]["item__count_last_year"] for p in (100, 101, 102)} == {100: 2, 101: 3, 102: 2}
    assert {rows[(1, later, p)]["item__count_30d"] for p in (100, 101, 102)} == {0}
    assert {r["item__count_last_year"] for (c, a, p), r in rows.items() if a == T0} == {0}


def test_key_columns_metadata(pairs):
    names = feature_names(pairs)
    assert "product_id" not in names and "customer_id" not in names
    assert "item__category" in names


def test_history_cap_prefers_recent_then_frequent(retail_shared):
    con, db = retail_shared
    t = candidate_features(
        con, db, "customers", seeds_table([(1, T0)]), item_fk="invoice_lines.product_id",
        num_popular=0, max_history_items=1,
    )
    assert t.column("product_id").to_pylist() == [100]  # 100 and 101 both bought at T0; 100 more often


def test_labels_and_top_k(pairs):
    positives = pa.table({
        "customer_id": pa.array([1, 3], pa.int32()),
        "anchor_time": pa.array([T0, T0], pa.timestamp("us")),
        "product_id": pa.array([102, 101], pa.int32()),
    })
    labels = label_candidates(pairs, positives, key_columns=KEYS, item_columns=ITEMS).to_pylist()
    expected = [int((c, a, p) in {(1, T0, 102), (3, T0, 101)}) for c, a, p in by_pair(pairs)]
    assert labels == expected

    scores = [float(p) for p in pairs.column("product_id").to_pylist()]  # higher id, higher score
    ranked = top_k(pairs, scores, 2, key_columns=KEYS, item_columns=ITEMS)
    assert ranked.column_names == ["customer_id", "anchor_time", "rank", "product_id", "score"]
    mine = [(r["rank"], r["product_id"]) for r in ranked.to_pylist() if r["customer_id"] == 1 and r["anchor_time"] == T0]
    assert mine == [(1, 102), (2, 101)]


def test_unknown_item_fk(retail_shared):
    con, db = retail_shared
    with pytest.raises(PQLInputError, match="no foreign key"):
        candidate_features(con, db, "customers", seeds_table([(1, T0)]), item_fk="invoice_lines.nope")
