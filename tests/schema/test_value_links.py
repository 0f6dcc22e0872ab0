"""Links no name announces, found from values alone: a text column whose codes fall in another table's text key."""
from __future__ import annotations

import duckdb

from engine.schema.introspection import introspect


def _db(item_values, sku_values):
    con = duckdb.connect()
    con.execute("create table products(sku varchar primary key, price double)")
    con.execute("create table sales(sale_id int primary key, item varchar, colour varchar)")
    con.executemany("insert into products values (?, ?)", [(v, 1.0) for v in sku_values])
    con.executemany("insert into sales values (?, ?, ?)",
                    [(i, v, "red" if i % 2 else "blue") for i, v in enumerate(item_values)])
    return introspect(con)


def _links(db):
    return [(fk.columns, fk.ref_table, fk.ref_columns) for fk in db.foreign_keys_from("sales")]


def test_codes_found_in_a_text_key_link_with_a_note():
    skus = [f"SKU-{i}" for i in range(40)]
    db = _db(skus * 3, skus)
    assert _links(db) == [(("item",), "products", ("sku",))]
    assert any("sales.item -> products.sku: inferred from the values alone (100% found there" in n for n in db.notes)


def test_numbers_as_text_and_values_that_miss_are_not_linked():
    digits = [str(i) for i in range(40)]
    assert _links(_db(digits * 3, digits)) == []
    skus = [f"SKU-{i}" for i in range(40)]
    assert _links(_db(skus * 3 + [f"OLD-{i}" for i in range(10)], skus)) == []  # 80% found
