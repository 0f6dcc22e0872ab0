"""What a notebook shows for a Session, its schema and a statement's result: one short line each
(the dataclasses' own reprs ran to kilobytes of syntax tree); ``str(db)`` stays the schema tree."""
from __future__ import annotations

import re

import pytest

import pql
from engine.schema.render import format_tree
from tests.api.shop import BUYS


@pytest.fixture
def session(shop_db):
    with pql.connect(str(shop_db), log=lambda m: None) as s:
        yield s


def _one_short_line(text: str) -> bool:
    return "\n" not in text and len(text) <= 160


def test_a_session_shows_its_source_its_tables_and_whether_it_is_open(shop_db):
    s = pql.connect(str(shop_db), log=lambda m: None)
    assert re.fullmatch(r"<pql\.Session '.*shop\.duckdb' \(duckdb\), 2 tables, open>", repr(s))
    s.close()
    assert re.fullmatch(r"<pql\.Session '.*shop\.duckdb' \(duckdb\), closed>", repr(s))


def test_the_schema_repr_is_a_summary_and_its_str_the_tree(session):
    db = session.db
    assert _one_short_line(repr(db))
    assert "2 tables (customers, purchases), 1 link" in repr(db)
    assert str(db) == format_tree(db) and "\n" in str(db)


@pytest.mark.parametrize("statement, shape", [
    (BUYS, r"<StatementResult PREDICT, 40 rows × 4 columns, model heuristic>"),
    (f"EVALUATE {BUYS}", r"<StatementResult EVALUATE, \d+ rows × 4 columns, model heuristic>"),
    (f"EXPLAIN {BUYS}", r"<StatementResult EXPLAIN, \d+ lines of text>"),
    ("DEFINE buys AS COUNT(purchases.*, 0, 30) > 0", r"<StatementResult DEFINE buys>"),
], ids=["predict", "evaluate", "explain", "define"])
def test_a_statement_result_is_one_line(session, statement, shape):
    (result,) = session.run(statement)
    assert _one_short_line(repr(result)) and re.fullmatch(shape, repr(result)), repr(result)
