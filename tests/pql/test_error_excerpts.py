"""Typographic quotes get a hint; an error on a very long line shows a window of it around the caret."""
import pytest

import pql
from pql.errors import PQLSyntaxError
from pql.span import Span, caret_block

QUERY = "PREDICT COUNT(orders.*, 0, 30) > 0 FOR EACH customers WITH model = {}"


@pytest.mark.parametrize("value,hint", [
    ("‘lightgbm’", "typographic quote: write 'lightgbm' with straight quotes"),
    ("’lightgbm’", "typographic quote: write 'lightgbm' with straight quotes"),
    ("“lightgbm”", 'typographic quote: write "lightgbm" with straight quotes'),
    ("„gnn“, epochs = 3", 'typographic quote: write "gnn" with straight quotes'),
    ("‘lightgbm", "typographic quote: write strings with straight quotes ('…')"),
])
def test_typographic_quotes_hint_at_straight_ones(value, hint):
    with pytest.raises(PQLSyntaxError) as info:
        pql.parse(QUERY.format(value))
    assert info.value.message == f"unexpected character '{value[0]}'"
    assert info.value.hint == hint
    assert pql.parse(QUERY.format(hint.split()[3]))  # as the hint says


def _span(text: str, pos: int, n: int) -> Span:
    at = Span.point(text, pos)
    return Span(start=pos, end=pos + n, line=at.line, column=at.column, end_line=at.line, end_column=at.column + n)


@pytest.mark.parametrize("before,after", [(100_000, 100_000), (0, 100_000), (100_000, 0), (79, 79)])
def test_a_long_line_is_cut_to_a_window_around_the_caret(before, after):
    text = "select 1\n" + "a" * before + "BAD" + "b" * after + "\nlast"
    src, carets = caret_block(text, _span(text, text.index("BAD"), 3)).splitlines()
    assert len(src) <= 2 + 1 + 100 + 1
    assert src.startswith("  …") == (before > 60) and src.endswith("…") == (after > 37)
    assert carets == " " * carets.index("^") + "^^^" and src[carets.index("^"):].startswith("BAD")


def test_a_window_keeps_tabs_under_tabs():
    text = "\t" * 150 + "BAD" + "b" * 150
    src, carets = caret_block(text, _span(text, 150, 3)).splitlines()
    assert src == "  …" + "\t" * 60 + "BAD" + "b" * 37 + "…"
    assert carets == "   " + "\t" * 60 + "^^^"


def test_a_line_of_a_one_line_query_is_shown_whole():
    text = "x" * 160
    assert caret_block(text, _span(text, 159, 1)) == f"  {text}\n  {' ' * 159}^"
