"""Golden error messages: malformed queries and the exact text (with caret) pql prints for them.

Cases live in ``tests/golden/parse/errors.txt`` as::

    === case name
    <query lines>
    ---
    <expected error text>

Regenerate the expected texts with ``PQL_UPDATE_GOLDEN=1 pytest tests/pql/test_parse_errors.py``.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from pql.errors import PQLError, PQLSyntaxError
from pql.parser import parse

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "parse" / "errors.txt"


def read_cases() -> list[tuple[str, str, str]]:
    cases = []
    for block in GOLDEN.read_text(encoding="utf-8").split("=== ")[1:]:
        name, rest = block.split("\n", 1)
        query, expected = rest.split("\n---\n", 1)
        cases.append((name.strip(), query, expected.rstrip("\n")))
    return cases


def error_text(query: str) -> str:
    with pytest.raises(PQLError) as info:
        parse(query)
    assert isinstance(info.value, PQLSyntaxError)
    assert isinstance(info.value, ValueError)
    return str(info.value)


CASES = read_cases()


def test_there_are_at_least_ten_cases():
    assert len(CASES) >= 10


@pytest.mark.parametrize("name,query,expected", CASES, ids=[c[0] for c in CASES])
def test_error_message_is_exactly_as_recorded(name, query, expected):
    actual = error_text(query)
    if os.environ.get("PQL_UPDATE_GOLDEN"):
        text = GOLDEN.read_text(encoding="utf-8")
        old = f"=== {name}\n{query}\n---\n{expected}\n"
        text = text.replace(old, f"=== {name}\n{query}\n---\n{actual}\n")
        GOLDEN.write_text(text, encoding="utf-8")
        return
    assert actual == expected


def test_errors_carry_line_and_column():
    with pytest.raises(PQLSyntaxError) as info:
        parse("PREDICT COUNT(orders.*, 0, 30) > 0\nFOR EACH customers.customer_id\nWHERE customers.age >")
    assert (info.value.line, info.value.column) == (3, 22)
