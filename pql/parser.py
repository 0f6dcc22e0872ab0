"""`parse(text)`: PQL text in, a tuple of `pql.ast` statements out, or a `PQLSyntaxError`.

A script holds statements separated by ``;`` (a trailing ``;`` is optional) and ``--`` comments.
Nothing from Lark escapes: every failure is a `PQLError` with line, column and a caret.
"""
from __future__ import annotations

from pql.ast import Statement
from pql.errors import PQLError, PQLSyntaxError
from pql.span import Span


def parse(text: str) -> tuple[Statement, ...]:
    """Parse a PQL script into its statements (an empty or comment-only script gives ``()``)."""
    from lark.exceptions import LarkError, UnexpectedInput, VisitError

    from pql.builder import AstBuilder
    from pql.grammar_loader import lark_parser
    from pql.syntax_errors import translate

    if not isinstance(text, str):
        raise PQLSyntaxError(f"a PQL query must be text, not {type(text).__name__}")
    try:
        tree = lark_parser().parse(text)
        return AstBuilder(text).transform(tree)
    except UnexpectedInput as e:
        raise translate(e, text) from e
    except VisitError as e:
        if isinstance(e.orig_exc, PQLError):
            raise e.orig_exc from None
        raise PQLSyntaxError(f"could not read this query ({e.orig_exc})", text=text,
                             span=Span.point(text, 0)) from e.orig_exc
    except LarkError as e:  # anything else Lark might raise: still a PQLError, never a Lark one
        raise PQLSyntaxError(f"could not read this query ({e})", text=text, span=Span.point(text, 0)) from e
    except RecursionError as e:
        raise PQLSyntaxError("this query nests too deeply to read") from e


def parse_one(text: str) -> Statement:
    """Parse text that must hold exactly one statement."""
    statements = parse(text)
    if len(statements) != 1:
        raise PQLSyntaxError(f"expected exactly one statement, found {len(statements)}")
    return statements[0]
