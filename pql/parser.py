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
        _check_depth(tree, text)
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


# How deeply a statement's syntax tree may nest: 100 levels is a sum of about 90 terms, or 90 parentheses
# inside one another. Every later stage (builder, binder, renderers, the label SQL and sqlglot's printer)
# walks the tree recursively, so a deeper one is refused here, with a caret, instead of failing there.
MAX_DEPTH = 100


def _check_depth(tree, text: str) -> None:
    """Raise `PQLSyntaxError` at the first place ``tree`` nests deeper than `MAX_DEPTH` (iteratively:
    this check itself must not recurse)."""
    from lark import Token, Tree

    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            token = next((c for c in node.children if isinstance(c, Token) and c.start_pos is not None), None)
            pos = token.start_pos if token is not None else getattr(node.meta, "start_pos", 0)
            raise PQLSyntaxError(
                f"this expression nests too deeply for pql (more than {MAX_DEPTH} levels of operators or "
                "parentheses)", text=text, span=Span.point(text, pos or 0),
                hint="a target this long is most likely generated: sum fewer terms, or fewer parentheses")
        stack.extend((c, depth + 1) for c in node.children if isinstance(c, Tree))


def parse_one(text: str) -> Statement:
    """Parse text that must hold exactly one statement."""
    statements = parse(text)
    if len(statements) != 1:
        raise PQLSyntaxError(f"expected exactly one statement, found {len(statements)}")
    return statements[0]
