"""build_graph on a tiny shop database with deliberate defects (see graph_shop)."""
from __future__ import annotations

import duckdb
import numpy as np
import pytest
import torch
from sqlglot import exp

import graph_shop as shop
from engine.graph import ALWAYS_VISIBLE, NEVER_VISIBLE, GraphMeta, build_graph
from engine.graph.timecode import epoch_seconds_sql
from pql.errors import SchemaError


@pytest.fixture(scope="module")
def graph():
    return build_graph(shop.connect(), shop.DB)


def edges(graph, src, rel, dst) -> set[tuple[int, int]]:
    return set(map(tuple, graph.data[src, rel, dst].edge_index.t().tolist()))


def test_node_order_follows_primary_key_not_insertion(graph):
    assert graph.keys["customers"].column("customer_id").to_pylist() == [1, 2, 3]
    assert graph.keys["orders"].column("order_id").to_pylist() == [10, 11, 12, 13, 14, 15, 16]


def test_composite_key_lookup(graph):
    index = graph.node_index("items", [[12, 10, 10, 77], [1, 2, 1, 1]])
    assert index.tolist() == [2, 1, 0, -1]
    assert graph.node_index("customers", [[3, 1, None]]).tolist() == [2, 0, -1]


def test_fk_edges_skip_null_and_dangling_keys(graph):
    # orders 14 (NULL customer) and 15 (customer 99) have no edge
    assert edges(graph, "orders", "orders.customer_id->customers", "customers") == {
        (0, 0), (1, 0), (2, 0), (3, 1), (6, 2)}
    assert any("orders.customer_id->customers: 2 of 7 rows" in n for n in graph.notes)


def test_composite_fk_and_reverse_edges(graph):
    forward = edges(graph, "returns", "returns.order_id+line_no->items", "items")
    assert forward == {(0, 1)}  # return 100 → item (10, 2); return 101 points at no item
    backward = edges(graph, "items", "rev_returns.order_id+line_no->items", "returns")
    assert backward == {(b, a) for a, b in forward}
    assert len(graph.meta.edge_types) == 2 * len(shop.DB.foreign_keys)


def test_node_times_own_inherited_untimed_and_missing(graph):
    t0, day = shop.T0, shop.DAY
    assert (graph.node_time("customers") == ALWAYS_VISIBLE).all()
    assert graph.node_time("orders").tolist() == [t0, t0 + day, t0 + 2 * day, t0 + day, t0, t0, NEVER_VISIBLE]
    # items inherit their order's time; the item of order 16 (NULL time) is never visible
    assert graph.node_time("items").tolist() == [t0, t0, t0 + 2 * day, t0 + day, NEVER_VISIBLE]
    assert graph.data["items"].time.dtype == torch.int64


def test_pre_epoch_times_floor_not_truncate():
    con = duckdb.connect()
    con.sql("SET TimeZone = 'UTC'")
    query = exp.select(epoch_seconds_sql(exp.column("t"), "TIMESTAMP")).from_(
        exp.Values(expressions=[exp.Tuple(expressions=[exp.cast(exp.Literal.string("1969-12-31 23:59:59.5"),
                                                                 "TIMESTAMP")])], alias="v(t)"))
    assert con.sql(query.sql("duckdb")).fetchall() == [(-1,)]
    date_query = exp.select(epoch_seconds_sql(exp.cast(exp.Literal.string("1950-05-13"), "DATE"), "DATE"))
    assert con.sql(date_query.sql("duckdb")).fetchall() == [(-619747200,)]


def test_ids_fks_and_time_columns_are_not_features(graph):
    orders = graph.meta.node("orders")
    assert orders.numerical_features == () and orders.categorical_features == ("channel",)
    assert graph.meta.node("items").numerical_features == ("qty",)
    assert graph.meta.node("returns").num_numerical == 0 and graph.meta.node("returns").num_categorical == 0
    customers = graph.meta.node("customers")
    assert customers.numerical_features[:2] == ("age", "age__is_null")
    assert customers.categorical_cardinalities == (4,)  # null, other, gold, silver
    for nt in graph.meta.node_types:
        store = graph.data[nt.name]
        assert store.x_num.dtype == torch.float32 and store.x_num.shape == (nt.num_nodes, nt.num_numerical)
        assert store.x_cat.dtype == torch.int64 and store.x_cat.shape == (nt.num_nodes, nt.num_categorical)
        assert torch.isfinite(store.x_num).all()


def test_categorical_codes_by_frequency(graph):
    # segment: gold ×2 → 2, silver → 3; node order is customer 1 (silver), 2 (gold), 3 (gold)
    assert graph.data["customers"].x_cat[:, 0].tolist() == [3, 2, 2]


def test_meta_is_json_serialisable(graph):
    again = GraphMeta.from_json(graph.meta.to_json())
    assert again == graph.meta
    assert again.metadata() == graph.data.metadata()


def test_tables_restricts_graph_and_unknown_table_is_explained():
    small = build_graph(shop.connect(), shop.DB, tables=["Customers", "orders"])
    assert small.data.node_types == ["customers", "orders"]
    assert small.meta.edge_types == (("orders", "orders.customer_id->customers", "customers"),
                                      ("customers", "rev_orders.customer_id->customers", "orders"))
    with pytest.raises(SchemaError, match="did you mean 'orders'"):
        build_graph(shop.connect(), shop.DB, tables=["customers", "ordrs"])


def test_reused_encoders_reproduce_features(graph):
    again = build_graph(shop.connect(), shop.DB, encoders=graph.encoders)
    for nt in graph.data.node_types:
        assert torch.equal(again.data[nt].x_num, graph.data[nt].x_num)
        assert torch.equal(again.data[nt].x_cat, graph.data[nt].x_cat)


def test_fit_cutoff_limits_timed_tables_only(graph):
    early = build_graph(shop.connect(), shop.DB, fit_cutoff=shop.T0)
    # qty statistics now come from the two items at T0 only (qty 1 and 2)
    qty = early.encoders["items"].columns[0]
    assert (qty.mean, qty.low, qty.high) == pytest.approx((1.5, 1.005, 1.995))
    assert early.encoders["customers"] == graph.encoders["customers"]


def test_exclude_columns():
    g = build_graph(shop.connect(), shop.DB, exclude_columns={"customers": ["segment", "bio"]})
    assert g.meta.node("customers").numerical_features == ("age", "age__is_null")
    assert g.meta.node("customers").categorical_features == ()


def test_user_connection_is_left_untouched():
    con = shop.connect()
    before = con.sql("SELECT table_name FROM duckdb_tables() UNION ALL SELECT view_name FROM duckdb_views()"
                     " WHERE NOT internal").fetchall()
    build_graph(con, shop.DB)
    after = con.sql("SELECT table_name FROM duckdb_tables() UNION ALL SELECT view_name FROM duckdb_views()"
                    " WHERE NOT internal").fetchall()
    assert sorted(before) == sorted(after)


def test_duplicate_primary_keys_resolve_to_first_node():
    con = shop.connect()
    con.sql("CREATE TABLE dup_customers AS SELECT * FROM customers UNION ALL SELECT 1, 'x', 1, 'dup'")
    con.sql("DROP TABLE orders")  # keep the database consistent with the renamed parent below
    con.sql("CREATE TABLE orders AS SELECT 10 AS order_id, 1 AS customer_id,"
            " to_timestamp(1600000000) AS ordered_at, 'web' AS channel")
    tables = tuple(t if t.name != "customers" else
                   type(t)(name="dup_customers", columns=t.columns, primary_key=t.primary_key)
                   for t in shop.DB.tables if t.name in ("customers", "orders"))
    fk = type(shop.ORDERS_TO_CUSTOMERS)(table="orders", columns=("customer_id",), ref_table="dup_customers",
                                        ref_columns=("customer_id",))
    db = type(shop.DB)(tables=tables, foreign_keys=(fk,))
    g = build_graph(con, db)
    assert any("duplicate" in n for n in g.notes)
    ei = g.data["orders", fk.name, "dup_customers"].edge_index
    first = int(g.node_index("dup_customers", [[1]])[0])
    assert ei.tolist() == [[0], [first]]
    assert np.asarray(g.keys["dup_customers"].column("customer_id"))[first] == 1
