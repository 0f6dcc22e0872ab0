"""The entity's own columns are features far past the per-table cap that bounds parents and aggregates."""
from __future__ import annotations

import datetime as dt

import duckdb
from conftest import seeds_table

from engine.features import feature_names, relational_features
from engine.features.relational import FeatureOptions
from engine.schema.introspection import introspect

WIDTH = 12  # more than the cap of a parent table, FeatureOptions.max_columns_per_table


def _wide_shop():
    con = duckdb.connect()
    attrs = ", ".join(f"a{i} double" for i in range(WIDTH))
    con.execute(f"create table segment(id int primary key, {attrs})")
    con.execute(f"create table customers(customer_id int primary key, segment_id int references segment(id), {attrs})")
    con.execute("create table orders(id int primary key, customer_id int references customers(customer_id), created_at timestamp)")
    values = ", ".join(str(i) for i in range(WIDTH))
    con.execute(f"insert into segment values (1, {values})")
    con.execute(f"insert into customers values (1, 1, {values})")
    con.execute("insert into orders values (1, 1, '2024-01-01')")
    return con, introspect(con)


def test_every_own_column_is_a_feature_and_parents_keep_their_cap():
    con, db = _wide_shop()
    assert WIDTH > FeatureOptions(windows=()).max_columns_per_table
    names = feature_names(relational_features(con, db, "customers", seeds_table([(1, dt.datetime(2024, 2, 1))])))
    own = [n for n in names if n.startswith("customers__a")]
    parent = [n for n in names if n.startswith("segment__a")]
    assert len(own) == WIDTH
    assert len(parent) == FeatureOptions(windows=()).max_columns_per_table
