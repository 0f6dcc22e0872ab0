"""``ignore t.c``: a column removed from the schema, so no model reads it and no query may name it."""
from __future__ import annotations

import re
from datetime import datetime, timedelta

import duckdb
import pyarrow as pa
import pytest

from engine.schema import SchemaOverrides, introspect
from engine.schema.render import format_tree, to_dict
from pql.binder import bind
from pql.errors import PQLBindError, SchemaError

SNAPSHOTS = "ignore customers.last_order_at; ignore Customers.LIFETIME_ORDERS"


def _shop():
    """20 customers (a signup time, two columns computed today) and their orders."""
    con = duckdb.connect()
    con.execute("create table customers(id int primary key, signup_at timestamp, country varchar, "
                "lifetime_orders int, last_order_at timestamp)")
    con.execute("create table orders(id int primary key, customer_id int references customers(id), "
                "ordered_at timestamp, amount double)")
    start = datetime(2024, 1, 1)
    orders = [(i, i % 20, start + timedelta(days=i // 2, hours=i % 24), float(i % 7)) for i in range(400)]
    customers = [(c, start + timedelta(days=c), "DE" if c % 2 else "FR", 20, max(o[2] for o in orders if o[1] == c))
                 for c in range(20)]
    con.executemany("insert into customers values (?, ?, ?, ?, ?)", customers)
    con.executemany("insert into orders values (?, ?, ?, ?)", orders)
    return con


# -- the override's forms ------------------------------------------------------------------------

def test_one_line_form_parses_with_quoted_names():
    ov = SchemaOverrides.parse('ignore customers.last_order_at; ignore "my table"."placed at"')
    assert ov.ignored_columns == ("customers.last_order_at", "my table.placed at")
    assert "ignore customers.last_order_at" in ov.keys() and not ov.is_empty


@pytest.mark.parametrize(("text", "message"), [
    ("ignore", "expected 'ignore table.column'"),
    ("ignore customers.x = y", "expected 'ignore table.column'"),
    ("ignore customers", "ignore override 'customers' must name table.column"),
    ("ignor customers.x", "unknown schema override 'ignor' in 'ignor customers.x'; did you mean 'ignore'?"),
])
def test_one_line_form_errors(text, message):
    with pytest.raises(SchemaError, match=re.escape(message)):
        SchemaOverrides.parse(text)


def test_python_and_mapping_forms_and_merging():
    file = SchemaOverrides.from_mapping({"ignored_columns": ["customers.last_order_at"]})
    query = SchemaOverrides(ignored_columns=["customers.lifetime_orders", "customers.last_order_at"])
    assert file.merged(query).ignored_columns == ("customers.last_order_at", "customers.lifetime_orders")
    assert SchemaOverrides(ignored_columns="a.b").ignored_columns == ("a.b",)


def test_toml_file_errors_name_the_file_and_line(tmp_path):
    path = tmp_path / "pql_schema.toml"
    path.write_text('foreign_keys = []\nignored_columns = ["customers.last_order"]\n')
    with pytest.raises(SchemaError, match=re.escape(f"{path}:2: ignore override customers.last_order: table "
                                                    "'customers' has no column 'last_order'; did you mean "
                                                    "'last_order_at'?")):
        introspect(_shop(), overrides=SchemaOverrides.load(path))


def test_unknown_table_gets_a_suggestion():
    with pytest.raises(SchemaError, match=re.escape("ignore override customer.x: unknown table 'customer'; "
                                                    "did you mean 'customers'?")):
        introspect(_shop(), overrides="ignore customer.x")


# -- what it does to the schema ------------------------------------------------------------------

def test_ignored_columns_leave_the_schema_and_are_shown_as_ignored():
    db = introspect(_shop(), overrides=SNAPSHOTS)
    customers = db.table("customers")
    assert customers.column_names == ("id", "signup_at", "country")
    assert customers.ignored_columns == ("last_order_at", "lifetime_orders")
    assert "ignored: last_order_at, lifetime_orders  override" in format_tree(db)
    (table,) = [t for t in to_dict(db)["tables"] if t["name"] == "customers"]
    assert table["ignored_columns"] == ["last_order_at", "lifetime_orders"]


def test_an_ignored_would_be_time_column_is_not_chosen():
    db = introspect(_shop(), overrides="ignore customers.signup_at")
    assert db.table("customers").time_column is None


@pytest.mark.parametrize(("text", "message"), [
    ("ignore customers.id", "ignore override customers.id: it is the declared primary key of customers"),
    ("ignore orders.customer_id", "the declared link orders.customer_id -> customers goes through it, so it "
                                  "cannot be ignored; drop the link as well ('drop fk orders.customer_id')"),
    ("time customers = signup_at; ignore customers.signup_at", "'time customers = signup_at' makes it the time column"),
    ("type customers.country = text; ignore customers.country", "'type customers.country' gives it a type"),
])
def test_a_column_the_schema_needs_cannot_be_ignored(text, message):
    with pytest.raises(SchemaError, match=re.escape(message)):
        introspect(_shop(), overrides=text)


def test_a_dropped_link_column_can_be_ignored():
    db = introspect(_shop(), overrides="drop fk orders.customer_id; ignore orders.customer_id")
    assert "customer_id" not in db.table("orders").column_names and not db.foreign_keys_from("orders")


def test_a_query_naming_an_ignored_column_says_it_is_ignored():
    db = introspect(_shop(), overrides=SNAPSHOTS)
    with pytest.raises(PQLBindError) as caught:
        bind("PREDICT COUNT(orders.*, 0, 30, days) = 0 FOR EACH customers.id WHERE customers.last_order_at IS NULL", db)
    assert "table 'customers' has no column 'last_order_at': it is ignored" in str(caught.value)
    assert "the schema override 'ignore customers.last_order_at' removes it" in str(caught.value)


# -- no model reads it ---------------------------------------------------------------------------

def _lightgbm_feature_names(overrides: str | None) -> list[str]:
    from engine.train.lgbm.features import FeatureSource

    con = _shop()
    db = introspect(con, overrides=overrides)
    bq = bind("PREDICT COUNT(orders.*, 0, 30, days) = 0 FOR EACH customers.id", db)
    source = FeatureSource.for_query(bq, (), lags=(1,), max_aggregations=1, max_features=400)
    rows = pa.table({"id": pa.array([1, 2], pa.int32()), "anchor_time": [datetime(2024, 4, 1)] * 2})
    return source.build(con, db, bq, rows).column_names


def test_lightgbm_features_leave_ignored_columns_out():
    assert any("last_order_at" in n for n in _lightgbm_feature_names(None))  # what the override takes away
    names = _lightgbm_feature_names(SNAPSHOTS)
    assert not [n for n in names if "last_order_at" in n or "lifetime_orders" in n]
    assert "customers__country" in names


def test_gnn_row_encoders_leave_ignored_columns_out():
    pytest.importorskip("torch_geometric")
    from engine.graph.build import build_graph

    def encoded(overrides: str | None) -> list[str]:
        con = _shop()
        return [c.column for c in build_graph(con, introspect(con, overrides=overrides)).encoders["customers"].columns]

    assert encoded(None) == ["country", "lifetime_orders", "last_order_at"]  # what the override takes away
    assert encoded(SNAPSHOTS) == ["country"]
