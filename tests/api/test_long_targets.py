"""A generated target of hundreds of terms gets a clear syntax error with a caret, never an internal
RecursionError from one of the stages that walk the expression (builder, binder, renderers, label SQL)."""
from __future__ import annotations

import dataclasses

import pytest

import pql
from pql.errors import PQLSyntaxError
from pql.parser import MAX_DEPTH, parse_one
from pql.render import render

TERM = "SUM(purchases.amount, 0, 30)"


def _query(terms: int) -> str:
    return f"PREDICT {' + '.join([TERM] * terms)} FOR EACH customers.customer_id"


@pytest.mark.parametrize("terms", [150, 500])
def test_explain_refuses_a_target_of_hundreds_of_terms_with_a_syntax_error(shop_master, terms):
    with pql.connect(str(shop_master), log=lambda m: None) as session:
        with pytest.raises(PQLSyntaxError) as caught:
            session.explain(_query(terms))
    assert "nests too deeply" in caught.value.message
    assert caught.value.span is not None and caught.value.hint


def test_explain_reads_the_longest_accepted_sum(shop_master):
    with pql.connect(str(shop_master), log=lambda m: None) as session:
        text = session.explain(_query(MAX_DEPTH - 10))
    assert "Training-table SQL:" in text


def test_a_long_not_chain_is_refused_too_but_redundant_parentheses_add_no_depth():
    with pytest.raises(PQLSyntaxError, match="nests too deeply"):
        parse_one("PREDICT " + "NOT " * 200 + TERM + " > 0 FOR EACH c")
    assert parse_one("PREDICT " + "(" * 200 + TERM + ")" * 200 + " FOR EACH c") == parse_one(f"PREDICT {TERM} FOR EACH c")


def test_render_prints_a_long_chain_without_recursing_per_term():
    one = parse_one(f"PREDICT {TERM} - {TERM} FOR EACH c").target
    chain = one
    for _ in range(2000):  # far beyond the recursion limit, built directly (the parser would refuse it)
        chain = dataclasses.replace(one, left=chain)
    assert render(chain).count(" - ") == 2001
