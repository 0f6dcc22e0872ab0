"""Overrides from Python, the one-line string form and pql_schema.toml; bad names are SchemaErrors."""
from __future__ import annotations

import re

import pytest

import connectors
from engine.schema import LinkSpec, SchemaOverrides, SemanticType, introspect
from pql.errors import SchemaError
from tests.fixtures.databases import shop_frames, write_shop_csvs

ONE_LINE = ("pk order_lines = order_id + line_no; fk stock.warehouse_id -> warehouses; "
            "drop fk referrals.referred_customer_id -> Customers; time Customers = none; "
            "type Customers.Segment = text")


def test_one_line_form_parses():
    ov = SchemaOverrides.parse(ONE_LINE)
    assert ov.primary_keys == {"order_lines": ("order_id", "line_no")}
    assert ov.foreign_keys == (LinkSpec(table="stock", columns=("warehouse_id",), ref_table="warehouses"),)
    assert ov.drop_foreign_keys == (LinkSpec(table="referrals", columns=("referred_customer_id",),
                                             ref_table="Customers"),)
    assert ov.time_columns == {"Customers": None}
    assert ov.semantic_types == {"Customers.Segment": SemanticType.TEXT}
    assert str(ov.foreign_keys[0]) == "stock.warehouse_id -> warehouses"


def test_python_form_normalises_values():
    ov = SchemaOverrides(primary_keys={"a": "x + y", "b": ["z"]}, foreign_keys=["a.x -> b.z"],
                         time_columns={"a": ""}, semantic_types={"a.x": "ID"})
    assert ov.primary_keys == {"a": ("x", "y"), "b": ("z",)}
    assert ov.foreign_keys[0].ref_columns == ("z",)
    assert ov.time_columns == {"a": None} and ov.semantic_types == {"a.x": SemanticType.ID}


@pytest.mark.parametrize(("text", "message"), [
    ("primary orders = id", "unknown schema override 'primary'"),
    ("pk orders", "expected 'pk name = value'"),
    ("fk orders.customer_id", "expected table.column -> ref_table"),
    ("drop link a.b", "expected 'drop fk table.column'"),
    ("type a.b = numeric", "unknown semantic type 'numeric' for a.b; did you mean 'numerical'?"),
    ("tme a = b", "unknown schema override 'tme' in 'tme a = b'; did you mean 'time'?"),
])
def test_one_line_form_errors(text, message):
    with pytest.raises(SchemaError, match=re.escape(message)):
        SchemaOverrides.parse(text)


@pytest.fixture(scope="module")
def source():
    with connectors.open(shop_frames()) as s:
        yield s


def test_overrides_win_over_inference(source):
    db = introspect(source, overrides=ONE_LINE)
    lines = db.table("order_lines")
    assert lines.primary_key == ("order_id", "line_no") and not lines.primary_key_inferred
    (stock_link,) = db.foreign_keys_from("stock")  # the tie is settled by the user
    assert (stock_link.ref_table, stock_link.ref_columns, stock_link.inferred) == ("warehouses", ("warehouse_id",), False)
    assert [fk.columns for fk in db.foreign_keys_from("referrals")] == [("referrer_customer_id",)]
    customers = db.table("Customers")
    assert customers.time_column is None and customers.inherited_time is None
    segment = customers.column("Segment")
    assert segment.stype is SemanticType.TEXT and not segment.inferred


def test_names_resolve_case_insensitively(source):
    db = introspect(source, overrides="time CUSTOMERS = signupdate; type product.TAGS = multicategorical")
    assert db.table("Customers").time_column == "SignupDate"
    assert not db.table("Customers").time_column_inferred
    assert db.table("Product").column("tags").stype is SemanticType.MULTICATEGORICAL


def test_unknown_names_are_all_reported_with_suggestions(source):
    with pytest.raises(SchemaError) as info:
        introspect(source, overrides="pk ordr = order_id; time order = order_dat; fk referrals.referer_customer_id -> Customers")
    assert str(info.value).splitlines() == [
        "primary key override ordr: unknown table 'ordr'; did you mean 'order'?",
        "foreign key override referrals.referer_customer_id -> Customers: table 'referrals' has no column "
        "'referer_customer_id'; did you mean 'referrer_customer_id'?",
        "time column override order: table 'order' has no column 'order_dat'; did you mean 'order_date'?",
    ]


def test_time_override_must_be_a_point_in_time(source):
    with pytest.raises(SchemaError, match="time column override order = total: total is DOUBLE, not a DATE"):
        introspect(source, overrides="time order = total")


def test_link_override_to_a_table_without_key_needs_columns(source):
    with pytest.raises(SchemaError, match="order_lines has no primary key; name its columns"):
        introspect(source, overrides="fk reviews.product_id -> order_lines")
    db = introspect(source, overrides="fk reviews.product_id -> order_lines.product_id")
    assert [fk.name for fk in db.foreign_keys_from("reviews")] == ["reviews.product_id->order_lines"]


def test_dropping_nothing_is_noted(source):
    db = introspect(source, overrides="drop fk stock.units")
    assert "foreign key drop stock.units: no such link, nothing dropped" in db.notes


def test_schema_file_next_to_the_data(tmp_path):
    folder = write_shop_csvs(tmp_path / "shop")
    (folder / "pql_schema.toml").write_text(
        'foreign_keys = ["stock.warehouse_id -> warehouse.warehouse_id"]\n'
        '[primary_keys]\norder_lines = ["order_id", "line_no"]\n'
        '[time_columns]\nCustomers = ""\n'
        '[semantic_types]\n"order.total" = "categorical"\n'
    )
    with connectors.open(folder) as s:
        assert s.table_names().count("pql_schema") == 0
        db = introspect(s)
        assert db.table("order_lines").primary_key == ("order_id", "line_no")
        assert [fk.ref_table for fk in db.foreign_keys_from("stock")] == ["warehouse"]
        assert db.table("Customers").time_column is None
        assert db.table("order").column("total").stype is SemanticType.CATEGORICAL
        assert f"overrides read from {folder / 'pql_schema.toml'}" in db.notes
        # explicit overrides win over the file; the file can be ignored
        db = introspect(s, overrides="fk stock.warehouse_id -> warehouses")
        assert [fk.ref_table for fk in db.foreign_keys_from("stock")] == ["warehouses"]
        assert introspect(s, use_schema_file=False).table("order_lines").primary_key == ()


def test_bad_schema_file(tmp_path):
    folder = write_shop_csvs(tmp_path / "shop")
    (folder / "pql_schema.toml").write_text('[primary_key]\norder = "order_id"\n')
    with connectors.open(folder) as s, pytest.raises(SchemaError, match="unknown entry 'primary_key'; did you mean 'primary_keys'"):
        introspect(s)
    (folder / "pql_schema.toml").write_text('[primary_keys\n')
    with connectors.open(folder) as s, pytest.raises(SchemaError, match="cannot read schema file"):
        introspect(s)
