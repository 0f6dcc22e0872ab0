"""First columns named as exports name identifiers (``cust_no``, ``order_number``, ``sku``) become keys, and
links to them are found; a first column with another name does not."""
from __future__ import annotations

import duckdb
import pytest

from engine.schema.introspection import introspect


def _db(first: str, unique: bool = True):
    con = duckdb.connect()
    con.execute(f'create table customers("{first}" varchar, name varchar)')
    con.execute("create table sales(sale_id int, customer varchar, sold_on date)")
    values = [(f"C{i:03d}" if unique else "C000", f"n{i}") for i in range(30)]
    con.executemany("insert into customers values (?, ?)", values)
    con.executemany("insert into sales values (?, ?, ?)", [(i, f"C{i % 30:03d}", "2024-01-01") for i in range(90)])
    return introspect(con)


@pytest.mark.parametrize("first", ["cust_no", "customer_number", "CustNr", "sku", "account_code", "client_uuid"])
def test_identifier_words_make_the_first_column_the_key(first):
    db = _db(first)
    assert db.table("customers").primary_key == (first,)
    assert [(fk.columns, fk.ref_table) for fk in db.foreign_keys_from("sales")] == [(("customer",), "customers")]


def test_other_names_and_repeated_values_do_not():
    assert _db("name_text").table("customers").primary_key == ()
    db = _db("cust_no", unique=False)
    assert db.table("customers").primary_key == ()
    assert any("cust_no" in n and "repeat" in n for n in db.notes), db.notes
