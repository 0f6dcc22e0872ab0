"""Syntax errors that come from habits of other languages get a hint; carets line up on wide text."""
import pytest

import pql
from pql.errors import PQLSyntaxError
from pql.span import Span, caret_block


@pytest.mark.parametrize("text", ["PREDICT churn_90d FOR customer /* x */", "# x\nPREDICT churn_90d FOR customer",
                                  "PREDICT churn_90d FOR customer // x"])
def test_foreign_comments_hint_at_dashes(text):
    with pytest.raises(PQLSyntaxError) as info:
        pql.parse(text)
    assert info.value.hint == "comments start with -- and run to the end of the line"


@pytest.mark.parametrize("text", ["PREDICT --SUM(o.x, 0, 30) FOR c", "PREDICT SUM(o.x, 0, 30) - --o.y FOR c",
                                  "PREDICT o.x > --(5) FOR c"])
def test_a_double_minus_is_a_comment_and_the_hint_says_so(text):
    with pytest.raises(PQLSyntaxError) as info:
        pql.parse(text)
    assert info.value.hint.startswith("-- starts a comment") and "-(-x)" in info.value.hint
    assert pql.parse(text.replace("--", "-(-", 1).replace(" FOR", ") FOR", 1))  # as the hint says


def test_two_minus_signs_point_at_parentheses():
    with pytest.raises(PQLSyntaxError) as info:
        pql.parse("PREDICT - -o.x FOR c")
    assert info.value.hint == "for two minus signs write -(-x)"


def test_a_real_comment_gets_no_double_minus_hint():
    with pytest.raises(PQLSyntaxError) as info:
        pql.parse("PREDICT o.x > -- the threshold\n FOR c")
    assert "-- starts a comment" not in (info.value.hint or "")
    with pytest.raises(PQLSyntaxError) as info:
        pql.parse("--Churn, by tier\nPREDICT o.x > 1 1 FOR c")
    assert "-- starts a comment" not in (info.value.hint or "")
    assert pql.parse("PREDICT -(-o.x) > --5 too\n 1 FOR c")  # a comment after code on the line is fine


def test_caret_under_wide_characters_and_tabs():
    text = "a\t'日本' bad"
    pos = text.index("bad")
    block = caret_block(text, Span(start=pos, end=pos + 3, line=1, column=pos + 1, end_line=1, end_column=pos + 4))
    assert block.splitlines()[1] == "  " + " \t" + " " * 7 + "^^^"  # 日本 are two columns each


def test_explain_without_a_database_still_checks_options():
    from pql.errors import PQLErrorGroup
    from pql.explainer import explain

    with pytest.raises(PQLErrorGroup, match="unknown option 'modle'; did you mean 'model'"):
        explain("PREDICT churn_90d FOR customer WITH modle = x, seed = -1")


@pytest.mark.parametrize("text,hint", [
    ("PREDICT churn_90d FOR customer INTO t WITH seed = 1", "INTO comes last"),
    ("PREDICT churn_90d FOR EACH customer.id = 5", "FOR EACH names every entity"),
])
def test_clause_order_hints(text, hint):
    with pytest.raises(PQLSyntaxError) as info:
        pql.parse(text)
    assert info.value.hint.startswith(hint)


def test_pql_explain_stays_a_function_after_the_cli_imported_its_module():
    import importlib

    importlib.import_module("pql.explainer")
    assert "PQL:" in pql.explain("PREDICT churn_90d FOR customer")


@pytest.mark.parametrize("text, hint", [
    ("PREDICT SUM(lines.qty * price, 0, 90) FOR EACH c", "an aggregation reads a column, table.* or a formula"),
    ("PREDICT SUM((lines.qty * 'x'), 0, 90) FOR EACH c", "an aggregation reads a column, table.* or a formula"),
    ("PREDICT COUNT(lines.* * 2, 0, 90) FOR EACH c", "table.* counts rows and takes no arithmetic"),
    ("PREDICT SUM(lines.qty * AVG(lines.price, 0, 9), 0, 90) FOR EACH c", "an aggregation cannot hold another"),
    ("PREDICT SUM(lines.qty > 2, 0, 90) FOR EACH c", "a condition on the rows goes in the aggregation's WHERE"),
])
def test_what_a_formula_inside_an_aggregation_may_hold(text, hint):
    with pytest.raises(PQLSyntaxError) as info:
        pql.parse(text)
    assert info.value.hint.startswith(hint)


def test_a_formula_inside_an_aggregation_parses():
    (stmt,) = pql.parse("PREDICT SUM(lines.qty * lines.price, 0, 90) FOR EACH c")
    assert str(stmt.target.formula) == "lines.qty * lines.price"


def test_a_formula_must_read_a_column():
    with pytest.raises(PQLSyntaxError, match="formula must read a column"):
        pql.parse("PREDICT SUM(2 * 3, 0, 90) FOR EACH c")


def test_arithmetic_between_aggregations_gets_no_such_hint():
    with pytest.raises(PQLSyntaxError) as info:
        pql.parse("PREDICT (SUM(lines.a, 0, 9) * ) FOR EACH c")
    assert info.value.hint is None or "formula" not in info.value.hint


@pytest.mark.parametrize("text, word, hint", [
    ("PREDICT SUM(purchase.amount * s, 0, 30, days) FOR EACH c", "s", "a DEFINEd name or a table cannot go inside"),
    ("PREDICT SUM(purchase.amount * customer, 0, 30) FOR EACH c", "customer", "write purchase.customer"),
    ("PREDICT SUM(purchase.amount + -INF, 0, 30) FOR EACH c", "INF", "-INF is only a window's start"),
    ("PREDICT SUM(s * purchase.amount, 0, 30) FOR EACH c", "s", "a DEFINEd name or a table cannot go inside"),
    ("PREDICT SUM(purchase.amount * (s + 1), 0, 30) FOR EACH c", "s", "combine a DEFINEd name outside"),
])
def test_a_bare_name_in_a_formula_is_pointed_at(text, word, hint):
    with pytest.raises(PQLSyntaxError) as info:
        pql.parse(text)
    error = info.value
    assert "formula reads table.column and numbers only" in str(error) and "expected '.'" not in str(error)
    assert text[error.span.start:error.span.end] == word
    assert hint in error.hint


def _error(text: str) -> PQLSyntaxError:
    with pytest.raises(PQLSyntaxError) as info:
        pql.parse(text)
    return info.value


def test_a_block_comment_after_a_value_gets_its_caret_on_the_slash():
    text = "PREDICT COUNT(o.*, 0, 30) > 0 /* note */ FOR EACH c"
    e = _error(text)
    assert e.message == "block comments (/* … */) are not PQL"
    assert (e.span.start, e.span.end) == (text.index("/*"), text.index("/*") + 2)
    assert e.hint == "comments start with -- and run to the end of the line"
    assert _error("PREDICT COUNT(o.*, 0, 30) > 0 // note\nFOR EACH c").span.start == text.index("/*")


def test_between_gets_the_two_comparisons_to_write():
    e = _error("PREDICT COUNT(o.*, 0, 30) > 0 FOR EACH c WHERE c.age BETWEEN 18 AND 30")
    assert e.message == "PQL has no BETWEEN" and e.hint == "write c.age >= 18 AND c.age <= 30"


@pytest.mark.parametrize("options", ["model = 'lightgbm' AND epochs = 2", "model = 'lightgbm' epochs = 2"])
def test_with_options_are_separated_by_commas(options):
    e = _error(f"PREDICT COUNT(o.*, 0, 30) > 0 FOR EACH c WITH {options}")
    assert e.message.startswith("separate options with commas") and "," in e.hint


@pytest.mark.parametrize("text", ["PREDICT COUNT(o.*, 0, 30) > 0 FOR EACH c WITH model = 'gnn' USING o",
                                  "PREDICT COUNT(o.*, 0, 30) > 0 FOR EACH c WITH model = 'gnn' WHERE c.x > 1",
                                  "PREDICT COUNT(o.*, 0, 30) > 0 WITH model = 'gnn' FOR EACH c",
                                  "PREDICT COUNT(o.*, 0, 30) > 0 FOR EACH c USING o ASSUMING c.x > 1"])
def test_clauses_out_of_order_get_the_order(text):
    from pql.syntax_errors import CLAUSE_ORDER
    assert _error(text).hint == "clauses go in this order: " + CLAUSE_ORDER


@pytest.mark.parametrize("unit", ["'days'", '"days"'])
def test_a_quoted_unit_is_shown_once_and_the_hint_drops_the_quotes(unit):
    e = _error(f"PREDICT COUNT(o.*, 0, 30, {unit}) > 0 FOR EACH c")
    assert e.message == f"unexpected {unit}: a time unit is not quoted" and e.hint == "drop the quotes: days"


@pytest.mark.parametrize(("short", "guess"), [("d", "'days'"), ("h", "'hours'"), ("w", "'weeks'"), ("y", "'years'"),
                                              ("m", "'minutes' or 'months'"), ("mins", "'minutes'")])
def test_abbreviated_units_suggest_the_unit(short, guess):
    e = _error(f"PREDICT COUNT(o.*, 0, 30, {short}) > 0 FOR EACH c")
    assert e.message == f"unknown time unit '{short}'; did you mean {guess}?"


@pytest.mark.parametrize(("sign", "ascii_"), [("≥", ">="), ("≤", "<="), ("≠", "!=")])
def test_typographic_comparisons_hint_at_ascii(sign, ascii_):
    e = _error(f"PREDICT COUNT(o.*, 0, 30) {sign} 1 FOR EACH c")
    assert e.hint.startswith(f"typographic sign: write {ascii_} for {sign}")
