"""Hand-checked relational features on the tiny retail database (see conftest.py for the rows)."""
from __future__ import annotations

import datetime as dt

import duckdb
import pyarrow as pa
import pytest
from conftest import T0, seeds_table

from engine.features import feature_names, relational_features, windows_for_horizon
from engine.features.windows import normalize_windows, window_suffix
from pql.errors import PQLInputError


def row(table: pa.Table, i: int) -> dict:
    return {k: v[0] for k, v in table.slice(i, 1).to_pydict().items()}


@pytest.fixture(scope="module")
def features(retail_shared):
    con, db = retail_shared
    seeds = seeds_table([(1, T0), (2, T0), (3, T0), (1, T0 - dt.timedelta(days=10)), (1, T0)])
    return relational_features(con, db, "customers", seeds)


def test_one_row_per_seed_in_seed_order(features):
    assert features.column("customer_id").to_pylist() == [1, 2, 3, 1, 1]
    assert features.column("anchor_time").to_pylist()[3] == T0 - dt.timedelta(days=10)
    assert row(features, 0) == row(features, 4)  # a duplicate seed gets the same features


def test_window_edges_one_hop(features):
    c1 = row(features, 0)
    # invoices 10 (at T0: included), 12 (T0-5d), 11 (exactly T0-7d: outside 7d), 13 (T0-60d); 14 is T0+1s
    assert c1["invoices__count_7d"] == 2
    assert c1["invoices__count_30d"] == 3
    assert c1["invoices__count_90d"] == 4
    assert c1["invoices__count_all"] == 4
    assert c1["invoices__days_since_last"] == 0.0
    assert c1["invoices__days_since_first"] == 60.0
    assert c1["invoices__trend_7d"] == 2 - 1  # last 7d minus the 7d before (invoice 11)


def test_two_hop_aggregates_use_inherited_time(features):
    c1 = row(features, 0)
    # lines of invoices 10, 12 (within 7d): quantities 2, 1, 1, 3; the future line (qty 100) never counts
    assert c1["invoice_lines__count_7d"] == 4
    assert c1["invoice_lines__quantity__sum_7d"] == 7.0
    assert c1["invoice_lines__quantity__mean_7d"] == pytest.approx(1.75)
    assert c1["invoice_lines__quantity__max_all"] == 7.0
    assert c1["invoice_lines__price__sum_30d"] == pytest.approx(10 + 2 + 9 + 30 + 2)
    assert c1["invoice_lines__product_id__distinct_7d"] == 3
    assert c1["invoice_lines__product_id__distinct_all"] == 3


def test_static_parent_attributes_along_the_path(features):
    c1 = row(features, 0)
    # products of the 7d lines: 100 (10.0), 101 (2.0), 102 (30.0), 101 (2.0)
    assert c1["invoice_lines__products__list_price__mean_7d"] == pytest.approx((10 + 2 + 30 + 2) / 4)
    assert c1["invoice_lines__products__category__distinct_7d"] == 2


def test_entity_and_parent_attributes(features):
    c1, c2, c3 = row(features, 0), row(features, 1), row(features, 2)
    assert (c1["customers__country"], c1["customers__age"]) == ("UK", 30.0)
    assert c1["customers__signup__age_days"] == 395.0
    assert (c2["tiers__tier_name"], c2["tiers__discount"]) == ("basic", 0.0)
    assert c3["customers__signup__age_days"] is None  # signs up after the anchor: hidden
    assert c3["tiers__tier_name"] is None
    assert "customers__note" not in features.column_names  # free text is not a feature
    assert pa.types.is_dictionary(features.schema.field("customers__country").type)


def test_entities_without_rows_get_zero_counts_and_null_means(features):
    c3 = row(features, 2)
    assert c3["invoices__count_all"] == 0
    assert c3["invoice_lines__quantity__sum_30d"] == 0
    assert c3["invoice_lines__quantity__mean_30d"] is None
    assert c3["invoices__days_since_last"] is None


def test_earlier_anchor_sees_only_its_past(features):
    early = row(features, 3)  # T0 - 10d: only invoice 13 (50 days before)
    assert early["invoices__count_all"] == 1
    assert early["invoices__days_since_last"] == 50.0
    assert early["invoice_lines__quantity__sum_all"] == 7.0


def test_feature_names_exclude_keys(features):
    names = feature_names(features)
    assert "customer_id" not in names and "anchor_time" not in names
    assert len(names) == features.num_columns - 2


def test_custom_windows_and_horizon(retail_shared):
    con, db = retail_shared
    seeds = seeds_table([(1, T0)])
    t = relational_features(con, db, "customers", seeds, windows=[dt.timedelta(hours=12), 2])
    assert row(t, 0)["invoices__count_12h"] == 1
    assert row(t, 0)["invoices__count_2d"] == 1
    assert windows_for_horizon(dt.timedelta(days=30)) == tuple(dt.timedelta(days=d) for d in (30, 90, 180, 360))
    t = relational_features(con, db, "customers", seeds, horizon=dt.timedelta(days=5))
    assert row(t, 0)["invoices__count_5d"] == 1  # invoice 12 is exactly 5 days back: outside
    assert row(t, 0)["invoices__count_15d"] == 3


def test_feature_cap_keeps_counts_first(retail_shared):
    con, db = retail_shared
    t = relational_features(con, db, "customers", seeds_table([(1, T0)]), max_features=12)
    names = feature_names(t)
    assert len(names) == 12
    assert "invoices__count_7d" in names and "invoices__days_since_last" in names
    assert not any("__max_" in n for n in names)


def test_max_hops_one_drops_two_hop_paths(retail_shared):
    con, db = retail_shared
    t = relational_features(con, db, "customers", seeds_table([(1, T0)]), max_hops=1)
    assert "invoices__count_7d" in t.column_names
    assert not any(n.startswith("invoice_lines__") for n in t.column_names)


def test_seeds_as_duckdb_relation(retail_shared):
    con, db = retail_shared
    rel = con.sql("SELECT customer_id, TIMESTAMP '2024-01-31' AS anchor_time FROM customers ORDER BY customer_id")
    t = relational_features(con, db, "customers", rel)
    assert t.column("invoices__count_all").to_pylist() == [4, 1, 0]


def test_input_errors(retail_shared):
    con, db = retail_shared
    with pytest.raises(PQLInputError, match="did you mean 'customers'"):
        relational_features(con, db, "customer", seeds_table([(1, T0)]))
    with pytest.raises(PQLInputError, match="anchor_time"):
        relational_features(con, db, "customers", pa.table({"customer_id": [1]}))
    with pytest.raises(PQLInputError, match="positive"):
        normalize_windows([0])


def test_window_suffix():
    assert [window_suffix(dt.timedelta(**kw)) for kw in ({"days": 30}, {"hours": 36}, {"minutes": 90})] == ["30d", "36h", "90m"]


def test_awkward_identifiers_are_quoted():
    """Table and column names that are keywords or hold spaces and quotes still work."""
    from engine.schema.model import Column, Database, ForeignKey, SemanticType as S, Table

    con = duckdb.connect()
    con.execute('CREATE TABLE "select" ("my id" INTEGER, "we""ird" VARCHAR)')
    con.execute('CREATE TABLE "order lines" ("id" INTEGER, "my id" INTEGER, "when" TIMESTAMP, "group" DOUBLE)')
    con.execute("""INSERT INTO "select" VALUES (1, 'a')""")
    con.execute("""INSERT INTO "order lines" VALUES (1, 1, '2024-01-01', 2.5), (2, 1, '2024-03-01', 9)""")
    db = Database(
        tables=(
            Table(name="select", columns=(Column(name="my id", dtype="INTEGER", stype=S.ID),
                                          Column(name='we"ird', dtype="VARCHAR", stype=S.CATEGORICAL)),
                  primary_key=("my id",)),
            Table(name="order lines", columns=(Column(name="id", dtype="INTEGER", stype=S.ID),
                                               Column(name="my id", dtype="INTEGER", stype=S.ID),
                                               Column(name="when", dtype="TIMESTAMP", stype=S.TIMESTAMP),
                                               Column(name="group", dtype="DOUBLE", stype=S.NUMERICAL)),
                  primary_key=("id",), time_column="when"),
        ),
        foreign_keys=(ForeignKey(table="order lines", columns=("my id",), ref_table="select", ref_columns=("my id",)),),
    )
    seeds = pa.table({"my id": [1], "anchor_time": pa.array([dt.datetime(2024, 2, 1)], pa.timestamp("us"))})
    t = relational_features(con, db, "select", seeds)
    r = row(t, 0)
    assert r['select__we"ird'] == "a"
    assert r["order lines__count_all"] == 1
    assert r["order lines__group__sum_all"] == 2.5


def test_feature_query_sql_is_printable_and_quoted(retail_shared):
    from engine.features import feature_query_sql

    _, db = retail_shared
    text = feature_query_sql(db, "customers", windows=[7])
    assert '"invoice_lines"' in text and '"seed_pairs"' in text and "FILTER" in text
    assert 'CAST("t1"."invoice_date" AS TIMESTAMP) <= "s"."anchor_time"' in text


def test_pandas_seeds(retail_shared):
    import pandas as pd

    con, db = retail_shared
    seeds = pd.DataFrame({"customer_id": [2, 1], "anchor_time": pd.to_datetime(["2024-01-31", "2024-01-31"])})
    t = relational_features(con, db, "customers", seeds)
    assert t.column("invoices__count_all").to_pylist() == [1, 4]
