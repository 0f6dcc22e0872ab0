"""One test per language rule the golden files do not make obvious."""
from __future__ import annotations

import pytest

from pql import ast as A
from pql.ast import dump, walk
from pql.errors import PQLSyntaxError
from pql.parser import parse, parse_one


def target(query: str):
    return parse_one(query).target


def test_keywords_are_case_insensitive_and_names_keep_their_spelling():
    lower = parse_one("predict count(Orders.*, 0, 30, DAYS) > 0 for each Customers.Customer_ID")
    upper = parse_one("PREDICT COUNT(Orders.*, 0, 30, days) > 0 FOR EACH Customers.Customer_ID")
    assert lower == upper
    assert lower.entity.table == "Customers" and lower.target.left.table == "Orders"


def test_units_are_canonical_plurals_and_default_to_days():
    assert target("PREDICT SUM(o.x, 0, 1, Month) FOR c").window == A.Window(start=0, end=1, unit="months")
    default = target("PREDICT SUM(o.x, 0, 7) FOR c").window
    assert default == A.Window(start=0, end=7, unit="days") and default.unit_explicit is False
    assert str(target("PREDICT SUM(o.x, 0, 7) FOR c")) == "SUM(o.x, 0, 7, days)"


def test_minus_inf_window_start_is_none():
    assert target("PREDICT COUNT(o.*, -INF, 0) FOR c").window.start is None


def test_comments_semicolons_and_empty_scripts():
    assert parse("") == () and parse("  -- nothing here\n;;") == ()
    script = "-- two statements\nPREDICT a.b FOR c; ;\nPREDICT a.b FOR d -- trailing comment\n;"
    assert [s.entity.table for s in parse(script)] == ["c", "d"]


def test_statement_spans_and_source_point_into_the_script():
    text = "PREDICT a.b FOR c;\n  PREDICT COUNT(o.*, 0, 1) > 0 FOR EACH d.id"
    first, second = parse(text)
    assert (second.span.line, second.span.column) == (2, 3)
    assert text[second.span.start:second.span.end] == "PREDICT COUNT(o.*, 0, 1) > 0 FOR EACH d.id"
    agg = second.target.left
    assert text[agg.span.start:agg.span.end] == "COUNT(o.*, 0, 1)"
    assert second.source == text
    assert all(n.span is not None for n in walk(second))


def test_equality_ignores_spans_and_layout():
    assert parse_one("PREDICT  a.b\n FOR   c") == parse_one("PREDICT a.b FOR c")


def test_unreserved_words_work_as_names():
    stmt = parse_one("PREDICT SUM(orders.value, 0, 30) FOR EACH count.max WHERE orders.date > DATE '2020-01-01'")
    assert stmt.target.column == "value" and (stmt.entity.table, stmt.entity.column) == ("count", "max")
    assert stmt.where.right == A.Literal(value="2020-01-01", kind="timestamp")


def test_quoted_identifiers_and_double_quoted_strings():
    stmt = parse_one('PREDICT COUNT("order lines".*, 0, 7) > 0 FOR EACH `for`.id '
                     'WHERE "order lines".kind = "it""s"')
    assert stmt.target.left.table == "order lines" and stmt.entity.table == "for"
    assert stmt.where.right == A.Literal(value='it"s', kind="string")
    assert str(stmt) == ("PREDICT COUNT(\"order lines\".*, 0, 7, days) > 0 FOR EACH \"for\".id "
                         "WHERE \"order lines\".kind = 'it\"s'")
    assert parse_one(str(stmt)) == stmt


def test_literal_kinds():
    values = target("PREDICT x.a IN (1, -2.5, 's', TRUE, false, NULL, TIMESTAMP '2020-01-01 10:00') FOR c").values
    assert [(v.value, v.kind) for v in values] == [
        (1, "number"), (-2.5, "number"), ("s", "string"), (True, "boolean"), (False, "boolean"),
        (None, "null"), ("2020-01-01 10:00", "timestamp")]


@pytest.mark.parametrize("text,expected", [
    ("x.a <> 1", A.Comparison(op="!=", left=A.ColumnRef(table="x", column="a"), right=A.Literal(value=1, kind="number"))),
    ("x.a NOT IN ('u')", A.InList(expr=A.ColumnRef(table="x", column="a"), values=(A.Literal(value="u", kind="string"),),
                                  negated=True)),
    ("x.a NOT_LIKE 'u%'", A.Like(expr=A.ColumnRef(table="x", column="a"), pattern=A.Literal(value="u%", kind="string"),
                                 negated=True)),
    ("x.a STARTS_WITH 'u'", A.StringMatch(op="starts_with", expr=A.ColumnRef(table="x", column="a"),
                                          pattern=A.Literal(value="u", kind="string"))),
    ("x.a NOT CONTAINS 'u'", A.Not(item=A.StringMatch(op="contains", expr=A.ColumnRef(table="x", column="a"),
                                                      pattern=A.Literal(value="u", kind="string")))),
    ("x.a IS NOT NULL", A.IsNull(expr=A.ColumnRef(table="x", column="a"), negated=True)),
    ("x.flag", A.ColumnRef(table="x", column="flag")),
])
def test_condition_forms(text, expected):
    assert target(f"PREDICT {text} FOR c") == expected


def test_precedence_and_flattening():
    cond = target("PREDICT a.x = 1 OR NOT a.y = 2 AND (a.z = 3 AND a.w = 4) FOR c")
    assert isinstance(cond, A.Or) and len(cond.items) == 2
    right = cond.items[1]
    assert isinstance(right, A.And) and len(right.items) == 3 and isinstance(right.items[0], A.Not)
    grouped = target("PREDICT (a.x = 1 OR a.y = 2) AND a.z = 3 FOR c")
    assert str(grouped) == "(a.x = 1 OR a.y = 2) AND a.z = 3"


def test_entity_forms():
    assert parse_one("PREDICT a.b FOR customer").entity == A.Entity(table="customer")
    assert parse_one("PREDICT a.b FOR EACH customer").entity == A.Entity(table="customer")
    assert parse_one("PREDICT a.b FOR c.id IN ('x', 'y')").entity == A.Entity(
        table="c", column="id", values=(A.Literal(value="x", kind="string"), A.Literal(value="y", kind="string")), op="in")


def test_trailing_clauses():
    stmt = parse_one("EXPLAIN PREDICT a.b CLASSIFY FOR c USING c, a WITH Seed = 3, model = gnn, retrain = true "
                     "INTO OR REPLACE out")
    assert stmt.mode == "explain" and stmt.classify and stmt.using == ("c", "a")
    assert stmt.option("seed") == 3 and stmt.option("MODEL") == "gnn" and stmt.option("retrain") is True
    assert stmt.option("epochs", 10) == 10
    assert (stmt.into, stmt.into_replace) == ("out", True)


def test_allocate_clause():
    stmt = parse_one("PREDICT COUNT(p.*, 0, 30) > 0 FOR EACH c.id ASSUMING COUNT(m.*, 0, 7) > 0 "
                     "ALLOCATE BUDGET 1000 COST c.cost VALUE 25 MAX 1 PER household CAPACITY email 10, sms 0")
    alloc = stmt.allocate
    assert alloc == A.Allocate(budget=1000, cost=A.ColumnRef(table="c", column="cost"),
                               value=A.Literal(value=25, kind="number"), max_per=A.MaxPer(limit=1, table="household"),
                               capacities=(A.Capacity(arm="email", limit=10), A.Capacity(arm="sms", limit=0)))
    assert parse_one(str(stmt)) == stmt
    assert parse_one("PREDICT a.b FOR c ALLOCATE BUDGET 5").allocate == A.Allocate(budget=5)


def test_define_statement():
    stmt = parse_one("define churn as COUNT(p.*, 0, 30) = 0")
    assert isinstance(stmt, A.DefineStatement) and stmt.name == "churn"
    assert str(stmt) == "DEFINE churn AS COUNT(p.*, 0, 30, days) = 0"


def test_dump_is_an_indented_tree():
    text = dump(parse_one("PREDICT COUNT(o.* WHERE o.x > 1, 0, 30) > 0 FOR EACH c.id"))
    assert text.splitlines()[:4] == ["PredictStatement", "  mode: 'predict'", "  target: Comparison", "    op: '>'"]
    assert "      window: Window(start=0, end=30, unit='days')" in text


@pytest.mark.parametrize("bad", [
    "PREDICT SUM(o.x, 0, 30) FOR EACH c.id RANK TOP 3",  # clauses out of order
    "PREDICT a.b FOR c WHERE",
    "PREDICT 1e999 FOR c",
    "PREDICT a.b FOR c WITH rank = 1",
    "PREDICT a.b FOR c ALLOCATE BUDGET 1 MAX 0 PER h",
    "PREDICT a.b FORECAST 0 TIMEFRAMES FOR c",
    "PREDICT a.b FOR c; garbage",
])
def test_invalid_queries_raise_syntax_errors(bad):
    with pytest.raises(PQLSyntaxError):
        parse(bad)


def test_non_text_input_is_rejected():
    with pytest.raises(PQLSyntaxError):
        parse(b"PREDICT a.b FOR c")  # type: ignore[arg-type]
