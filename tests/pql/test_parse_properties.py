"""Property tests: whatever text comes in, `parse` returns statements or raises `PQLError`, never
anything else (no Lark exception, no TypeError, no RecursionError); and whatever parses round-trips."""
from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pql.errors import PQLError
from pql.parser import parse

ROOT = Path(__file__).resolve().parents[2]
VALID = [str(s) for p in sorted((ROOT / "examples").glob("*.pql")) for s in parse(p.read_text())]
VALID += [p.read_text() for p in sorted((ROOT / "examples").glob("*.pql"))]  # whole scripts, with comments

TOKENS = [
    "PREDICT", "predict", "EVALUATE", "EXPLAIN", "DEFINE", "AS", "FOR", "EACH", "WHERE", "ASSUMING", "USING",
    "WITH", "INTO", "OR", "REPLACE", "RANK", "TOP", "CLASSIFY", "FORECAST", "TIMEFRAMES", "ALLOCATE", "BUDGET",
    "COST", "VALUE", "MAX", "PER", "CAPACITY", "AND", "NOT", "IN", "IS", "NULL", "TRUE", "LIKE", "CONTAINS",
    "STARTS", "ENDS", "INF", "TIMESTAMP", "DATE", "COUNT", "SUM", "LIST_DISTINCT", "days", "dayz", "orders",
    "c", "id", "*", ".", ",", "(", ")", ";", "=", "<>", ">=", "-", "+", "/", ":", "0", "30", "-7", "1.5", "1e999",
    "9" * 400, "'s'", "'", '"', '"q"', "`", "`b`", "--", "\n", "é", "\x00",
]
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def check(text: str) -> None:
    try:
        statements = parse(text)
    except PQLError as e:
        assert str(e)
        return
    for statement in statements:  # anything that parses must print back to itself
        assert parse(str(statement)) == (statement,)


@SETTINGS
@given(st.text(max_size=200))
def test_random_text(text):
    check(text)


@SETTINGS
@given(st.lists(st.sampled_from(TOKENS), max_size=40).map(" ".join))
def test_random_token_soup(text):
    check(text)


@st.composite
def mutated(draw):
    text = draw(st.sampled_from(VALID))
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(text)))
        j = draw(st.integers(i, min(len(text), i + 12)))
        edit = draw(st.sampled_from(["delete", "insert", "duplicate", "swapcase"]))
        if edit == "delete":
            text = text[:i] + text[j:]
        elif edit == "insert":
            text = text[:i] + f" {draw(st.sampled_from(TOKENS))} " + text[i:]
        elif edit == "duplicate":
            text = text[:j] + text[i:j] + text[j:]
        else:
            text = text[:i] + text[i:j].swapcase() + text[j:]
    return text


@SETTINGS
@given(mutated())
def test_mutated_valid_queries(text):
    check(text)


ARITHMETIC = st.recursive(
    st.sampled_from(["a.x", "SUM(a.x, 0, 30)", "3", "-3", "0.5", "n"]),
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["+", "-", "*", "/"]), inner).map(" ".join),
        inner.map(lambda x: f"-{x}"), inner.map(lambda x: f"- ({x})"), inner.map(lambda x: f"({x})")),
    max_leaves=8)


@SETTINGS
@given(ARITHMETIC)
def test_arithmetic_prints_back_to_itself(expression):
    """Precedence, left-to-right order and minus signs survive printing (``-(3)`` is the number -3)."""
    check(f"PREDICT {expression} > 1 FOR EACH c")


def test_deep_nesting_is_a_pql_error_or_parses():
    check("PREDICT " + "(" * 3000 + "a.b = 1" + ")" * 3000 + " FOR c")
    check("PREDICT " + "NOT " * 3000 + "a.b FOR c")
