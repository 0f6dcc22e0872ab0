"""Arithmetic binds on numbers only, with the error at the operand that is not one."""
from __future__ import annotations

import pytest

import pql
from pql.binder import bind, bind_script
from pql.bound import BArith, TaskType
from pql.bound_render import expr_text
from pql.errors import PQLError


@pytest.mark.parametrize("text, task", [
    ("PREDICT SUM(orders.total, 0, 30) / COUNT(orders.*, 0, 30) FOR EACH customers", TaskType.REGRESSION),
    ("PREDICT SUM(orders.total, 0, 30) < 0.5 * SUM(orders.total, -30, 0) FOR EACH customers", TaskType.BINARY),
    ("PREDICT COUNT(orders.* WHERE orders.total * 2 > 10, 0, 30) > 0 FOR EACH customers", TaskType.BINARY),
])
def test_binds(retail_db, text, task):
    assert bind(pql.parse(text)[0], retail_db).task == task


def test_a_negation_binds_as_zero_minus_and_reads_as_written(retail_db):
    bq = bind(pql.parse("PREDICT -SUM(orders.total, 0, 30) * 2 FOR customers")[0], retail_db)
    negation = bq.target.left
    assert isinstance(negation, BArith) and negation.op == "-" and negation.left.value == 0
    assert expr_text(bq.target) == "-SUM(orders.total, 0, 30, days) * 2"
    assert expr_text(bind(pql.parse("PREDICT -(SUM(orders.total, 0, 30) - 1) FOR customers")[0],
                          retail_db).target) == "-(SUM(orders.total, 0, 30, days) - 1)"
    for text in ("-(-SUM(orders.total, 0, 30, days))", "SUM(orders.total, 0, 30, days) * (0 - -3)"):
        assert expr_text(bind(pql.parse(f"PREDICT {text} FOR customers")[0], retail_db).target) == text


def test_a_name_inside_arithmetic(retail_db):
    (bq,) = bind_script(pql.parse("DEFINE spend AS SUM(orders.total, 0, 30); PREDICT spend / 2 FOR customers"),
                        retail_db)[-1:]
    assert isinstance(bq.target, BArith) and bq.target.op == "/"


@pytest.mark.parametrize("text, message, caret", [
    ("PREDICT (COUNT(orders.*, 0, 30) > 0) * 2 FOR customers", "but this is a yes/no condition", "COUNT"),
    ("PREDICT SUM(orders.total, 0, 30) + customers.tier FOR customers", "but this is an identifier", "customers.tier"),
    ("PREDICT FIRST(orders.status, 0, 30) + 1 FOR customers", "but this is a string", "FIRST"),
    ("PREDICT LIST_DISTINCT(orders.status, 0, 30) * 2 FOR customers", "but this is a list", "LIST_DISTINCT"),
    ("PREDICT SUM(orders.total, 0, 30) / 0 FOR customers", "division by 0", "0 FOR"),
    ("PREDICT -(COUNT(orders.*, 0, 30) > 0) FOR customers", "'-' in front needs a number, but this is a yes/no",
     "COUNT"),
    ("PREDICT SUM(orders.total, 0, 30) FOR customers WHERE -customers.tier > 1", "but this is an identifier",
     "customers.tier"),
])
def test_non_numbers_are_refused_where_written(retail_db, text, message, caret):
    with pytest.raises(PQLError) as info:
        bind(pql.parse(text)[0], retail_db)
    assert message in str(info.value)
    assert text[info.value.span.start:].startswith(caret)
