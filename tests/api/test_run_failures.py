"""A script whose statement fails at run time: the error names the statement, as `pql run` does, and
carries the results finished before it (minutes of training are not lost with it)."""
from __future__ import annotations

import pytest

import pql
from pql.errors import EngineError
from tests.api.shop import BUYS, SPEND

NO_ROWS = "PREDICT COUNT(purchases.*, 0, 30000) > 0 FOR EACH customers WITH model = 'heuristic'"


@pytest.fixture
def session(shop_db):
    with pql.connect(str(shop_db), log=lambda m: None) as s:
        yield s


def test_the_error_names_the_failed_statement_and_keeps_the_earlier_results(session):
    with pytest.raises(EngineError) as info:
        session.run(f"{BUYS};\n\n{NO_ROWS};\n{SPEND};")
    error = info.value
    assert str(error).startswith("statement 2 of 3 (line 3: PREDICT COUNT(purchases.*, 0, 30000)")
    assert "statement 1 finished" in str(error) and "statement 3 did not run" in str(error)
    assert "no training rows" in error.message and not error.message.startswith("statement")
    assert [r.table.num_rows for r in error.results] == [40]


def test_a_failure_after_several_statements_keeps_them_all(session):
    with pytest.raises(EngineError) as info:
        session.run(f"DEFINE buys AS COUNT(purchases.*, 0, 30) > 0;\n{BUYS};\n{NO_ROWS};")
    assert str(info.value).startswith("statement 3 of 3 (line 3:")
    assert "statements 1-2 finished" in str(info.value)
    assert [r.text is not None for r in info.value.results] == [True, False]


def test_a_single_statement_keeps_its_own_error_text(session):
    with pytest.raises(EngineError) as info:
        session.run(NO_ROWS)
    assert str(info.value) == info.value.message and info.value.results == []
