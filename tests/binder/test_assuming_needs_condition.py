"""ASSUMING names who is treated: a yes/no condition or a categorical FIRST(…) IN (…); a bare number is a
bind-time error at the clause, not a DuckDB type error (a SUM) or a count silently used as the flag."""
import pytest

import pql
from pql.binder import bind
from pql.bound import TaskType
from pql.errors import PQLBindError

TARGET = "PREDICT COUNT(orders.*, 0, 30) > 0 FOR EACH customers ASSUMING "


@pytest.mark.parametrize("assuming, described, hint", [
    ("COUNT(targeted.*, 0, 7, days)", "COUNT(targeted.*) is a number", "write COUNT(targeted.*, 0, 7, days) > 0"),
    ("SUM(orders.total, 0, 7)", "SUM(orders.total) is a number", "write SUM(orders.total, 0, 7) > 0"),
    ("FIRST(targeted.channel, 0, 7)", "FIRST(targeted.channel) is a string",
     "name the arms, e.g. FIRST(targeted.channel, 0, 7) IN ('<arm>', …)"),
])
def test_bare_value_in_assuming_is_an_error_at_the_clause(retail_db, assuming, described, hint):
    with pytest.raises(PQLBindError) as info:
        bind(pql.parse(TARGET + assuming)[0], retail_db)
    text = str(info.value)
    assert info.value.message.startswith("ASSUMING needs a condition")
    assert described in info.value.message
    assert hint in text
    column = len(TARGET) + 1
    assert f"line 1, column {column}:" in text
    assert " " * (column + 1) + "^" * len(assuming) in text.splitlines()


@pytest.mark.parametrize("assuming", [
    "COUNT(targeted.*, 0, 7, days) > 0",
    "FIRST(targeted.channel, 0, 7) IN ('email', 'sms')",
    "FIRST(targeted.channel, 0, 7) IS NOT NULL",
    "COUNT(targeted.*, 0, 7) > 0 AND SUM(orders.total, 0, 7) > 10",
])
def test_conditions_and_categorical_arms_bind(retail_db, assuming):
    bq = bind(pql.parse(TARGET + assuming)[0], retail_db)
    assert bq.task == TaskType.UPLIFT


@pytest.mark.parametrize("assuming, every", [
    ("COUNT(targeted.*, 0, 7, days) >= 0", True),
    ("COUNT(targeted.*, 0, 7) > -1", True),
    ("COUNT(targeted.*, 0, 7) < 0", False),
])
def test_a_count_treatment_that_always_or_never_holds_is_an_error(retail_db, assuming, every):
    with pytest.raises(PQLBindError) as info:
        bind(pql.parse(TARGET + assuming)[0], retail_db)
    message = info.value.message
    assert ("every row would be treated and none left as control" if every else "no row would be treated") in message
    assert info.value.span.start == len(TARGET)
    assert "> 0 for treated or not" in info.value.hint
