"""Lark parse tree -> `pql.ast` nodes.

The builder only builds, plus the few checks that need a token's text and are purely syntactic:
aggregation names, time units, reserved words used as bare names, whole-number positions, an aggregation
formula that reads no column. Each raises
`PQLSyntaxError` pointing at the offending token. Everything about the schema is the binder's job.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lark import Token, Transformer, v_args

from pql import ast
from pql.errors import PQLSyntaxError, did_you_mean
from pql.keywords import RESERVED
from pql.span import Span

# Keyword tokens carry no information beyond the rule they appear in.
_KEYWORD_TOKENS = RESERVED | {"TOP", "TIMEFRAMES", "REPLACE", "BUDGET", "COST", "VALUE", "MAX", "PER",
                              "CAPACITY", "INF", "TIMESTAMP", "DATE"}
_UNIT_SPELLINGS = {**{u: u for u in ast.UNITS}, **{u[:-1]: u for u in ast.UNITS}}
# Abbreviations people write (SQL intervals, pandas offsets): not accepted, but suggested by name.
UNIT_ABBREVIATIONS = {"d": ("days",), "h": ("hours",), "hr": ("hours",), "hrs": ("hours",), "w": ("weeks",),
                      "wk": ("weeks",), "wks": ("weeks",), "y": ("years",), "yr": ("years",), "yrs": ("years",),
                      "min": ("minutes",), "mins": ("minutes",), "mo": ("months",), "mon": ("months",),
                      "mos": ("months",), "m": ("minutes", "months")}
_OP_SPELLINGS = {"<>": "!=", "==": "="}
_WHOLE = re.compile(r"\d+\Z")
_MAX_DIGITS = 300


def span_of(item: Any) -> Span | None:
    """The source span of a Lark token or tree meta (None for an empty meta)."""
    if getattr(item, "empty", False) or getattr(item, "start_pos", None) is None:
        return None
    return Span(start=item.start_pos, end=item.end_pos, line=item.line, column=item.column,
                end_line=item.end_line, end_column=item.end_column)


@dataclass(frozen=True)
class _Ident:
    text: str
    span: Span | None


@dataclass(frozen=True)
class _Clause:
    """A finished clause on its way up to its statement: ``(field name, value)``."""

    name: str
    value: Any


@dataclass(frozen=True)
class _Subject:
    """What an aggregation reads: ``table.column``, ``table.*`` (column None) or a formula."""

    table: str
    column: str | None
    formula: Any


@dataclass(frozen=True)
class _MinusInf:
    """The ``-INF`` window bound, with its place in the text for error messages."""

    span: Span | None


def _words(children: list) -> list:
    return [c for c in children if not (isinstance(c, Token) and c.type in _KEYWORD_TOKENS)]


@v_args(meta=True)
class AstBuilder(Transformer):
    def __init__(self, text: str):
        super().__init__(visit_tokens=False)
        self.text = text

    def _error(self, message: str, where: Any, hint: str | None = None) -> PQLSyntaxError:
        span = where.span if isinstance(where, _MinusInf) else span_of(where)
        return PQLSyntaxError(message, text=self.text, span=span, hint=hint)

    # ---- statements -------------------------------------------------------------------------------

    def script(self, meta, children):
        return tuple(children)

    def define_stmt(self, meta, children):
        name_tok, target = _words(children)
        return ast.DefineStatement(name=self._bare_name(name_tok), target=target, source=self.text,
                                   span=span_of(meta))

    def mode(self, meta, children):
        return _Clause("mode", children[0].type.lower())

    def predict_stmt(self, meta, children):
        fields: dict[str, Any] = {}
        for child in _words(children):
            if isinstance(child, _Clause):
                fields[child.name] = child.value
            else:
                fields["target"] = child
        into = fields.pop("into", None)
        if into is not None:
            fields["into"], fields["into_replace"] = into
        return ast.PredictStatement(**fields, source=self.text, span=span_of(meta))

    def named_operand(self, meta, children):
        return ast.NamedTarget(name=self._bare_name(children[0]), span=span_of(meta))

    def rank_top(self, meta, children):
        (k,) = _words(children)
        return _Clause("rank_top", self._whole(k, "RANK TOP", minimum=1))

    def classify(self, meta, children):
        return _Clause("classify", True)

    def forecast(self, meta, children):
        (n,) = _words(children)
        return _Clause("forecast", self._whole(n, "FORECAST", minimum=1))

    # ---- entity -----------------------------------------------------------------------------------

    def entity_ref(self, meta, children):
        return children

    def _entity(self, meta, ref: list[_Ident], values, op) -> _Clause:
        table, column = ref[0], (ref[1] if len(ref) > 1 else None)
        return _Clause("entity", ast.Entity(table=table.text, column=column and column.text, values=values,
                                            op=op, span=span_of(meta)))

    def for_each(self, meta, children):
        (ref,) = _words(children)
        return self._entity(meta, ref, None, None)

    def for_eq(self, meta, children):
        ref, op, value = _words(children)
        if op.value not in ("=", "=="):
            raise self._error(f"an entity is chosen with = or IN, not {op.value}", op,
                              hint="write FOR table.key = value, FOR table.key IN (v1, v2), or FOR EACH table.key")
        return self._entity(meta, ref, (value,), "=")

    def for_in(self, meta, children):
        ref, values = _words(children)
        return self._entity(meta, ref, values, "in")

    def entity_where(self, meta, children):
        return _Clause("where", _words(children)[0])

    def assuming(self, meta, children):
        return _Clause("assuming", _words(children)[0])

    # ---- allocation -------------------------------------------------------------------------------

    def allocate(self, meta, children):
        budget, *parts = _words(children)
        fields = {p.name: p.value for p in parts}
        return _Clause("allocate", ast.Allocate(budget=budget.value, **fields, span=span_of(meta)))

    def cost_column(self, meta, children):
        return _Clause("cost", _words(children)[0])

    cost_constant = cost_column

    def cost_by_arm(self, meta, children):
        return _Clause("cost", tuple(_words(children)))

    def arm(self, meta, children):
        (item,) = children
        if isinstance(item, _Ident):
            return item
        text = item.value[1:-1].replace("''", "'")
        if not text.strip():
            raise self._error("an arm name cannot be empty", item)
        return _Ident(text, span_of(item))

    def arm_cost(self, meta, children):
        arm, cost = children
        return ast.ArmCost(arm=arm.text, cost=cost.value, span=span_of(meta))

    def value_column(self, meta, children):
        return _Clause("value", _words(children)[0])

    value_constant = value_column

    def alloc_max(self, meta, children):
        limit, table = _words(children)
        return _Clause("max_per", ast.MaxPer(limit=self._whole(limit, "MAX … PER", minimum=1), table=table.text,
                                             span=span_of(meta)))

    def alloc_capacity(self, meta, children):
        return _Clause("capacities", tuple(_words(children)))

    def capacity(self, meta, children):
        arm, limit = children
        return ast.Capacity(arm=arm.text, limit=self._whole(limit, "CAPACITY", minimum=0), span=span_of(meta))

    # ---- trailing clauses -------------------------------------------------------------------------

    def using(self, meta, children):
        return _Clause("using", tuple(i.text for i in _words(children)))

    def with_opts(self, meta, children):
        return _Clause("options", tuple(_words(children)))

    def option(self, meta, children):
        name, value = children
        return ast.Option(name=self._bare_name(name), value=value, span=span_of(meta))

    def bare_word(self, meta, children):
        return ast.Literal(value=self._bare_name(children[0]), kind="string", span=span_of(meta))

    def into(self, meta, children):
        return _Clause("into", (_words(children)[0].text, False))

    def into_replace(self, meta, children):
        return _Clause("into", (_words(children)[0].text, True))

    # ---- conditions -------------------------------------------------------------------------------

    def _flat(self, cls, meta, children):
        items: list = []
        for item in _words(children):
            items.extend(item.items if isinstance(item, cls) else (item,))
        return cls(items=tuple(items), span=span_of(meta))

    def or_expr(self, meta, children):
        return self._flat(ast.Or, meta, children)

    def and_expr(self, meta, children):
        return self._flat(ast.And, meta, children)

    def not_(self, meta, children):
        return ast.Not(item=_words(children)[0], span=span_of(meta))

    def arithmetic(self, meta, children):
        left, op, right = children
        return ast.Arithmetic(op=op.value, left=left, right=right, span=span_of(meta))

    def negation(self, meta, children):
        _minus, operand = children
        if isinstance(operand, ast.Literal) and operand.kind == "number":  # -(3) is the number -3
            return ast.Literal(value=-operand.value, kind="number", span=span_of(meta))
        return ast.Negation(operand=operand, span=span_of(meta))

    def comparison(self, meta, children):
        left, op, right = children
        return ast.Comparison(op=_OP_SPELLINGS.get(op.value, op.value), left=left, right=right, span=span_of(meta))

    def in_list(self, meta, children, negated=False):
        expr, values = _words(children)
        return ast.InList(expr=expr, values=values, negated=negated, span=span_of(meta))

    def not_in_list(self, meta, children):
        return self.in_list(meta, children, negated=True)

    def like(self, meta, children, negated=False):
        expr, pattern = _words(children)
        return ast.Like(expr=expr, pattern=pattern, negated=negated, span=span_of(meta))

    def not_like(self, meta, children):
        return self.like(meta, children, negated=True)

    def _match(self, op, meta, children):
        expr, pattern = _words(children)
        return ast.StringMatch(op=op, expr=expr, pattern=pattern, span=span_of(meta))

    def contains(self, meta, children):
        return self._match("contains", meta, children)

    def starts_with(self, meta, children):
        return self._match("starts_with", meta, children)

    def ends_with(self, meta, children):
        return self._match("ends_with", meta, children)

    # NOT CONTAINS / NOT STARTS WITH / NOT ENDS WITH (Kumo spellings) are NOT applied to the match.
    def not_contains(self, meta, children):
        return ast.Not(item=self.contains(meta, children), span=span_of(meta))

    def not_starts_with(self, meta, children):
        return ast.Not(item=self.starts_with(meta, children), span=span_of(meta))

    def not_ends_with(self, meta, children):
        return ast.Not(item=self.ends_with(meta, children), span=span_of(meta))

    def is_null(self, meta, children):
        return ast.IsNull(expr=_words(children)[0], negated=False, span=span_of(meta))

    def is_not_null(self, meta, children):
        return ast.IsNull(expr=_words(children)[0], negated=True, span=span_of(meta))

    # ---- operands ---------------------------------------------------------------------------------

    def column_ref(self, meta, children):
        table, column = children
        return ast.ColumnRef(table=table.text, column=column.text, span=span_of(meta))

    def aggregation(self, meta, children):
        func_tok, subject, *rest = children
        func = func_tok.value.upper()
        if func not in ast.AGGREGATIONS:
            raise self._error(f"unknown aggregation '{func_tok.value}'{did_you_mean(func, ast.AGGREGATIONS)}",
                              func_tok, hint="aggregations are " + ", ".join(ast.AGGREGATIONS))
        extra = {c.name: c.value for c in rest if isinstance(c, _Clause)}
        return ast.Aggregation(func=func, table=subject.table, column=subject.column, formula=subject.formula,
                               filter=extra.get("filter"), window=extra.get("window"), span=span_of(meta))

    def agg_subject(self, meta, children):
        (value,) = children
        if isinstance(value, ast.ColumnRef):  # a lone column (parentheses and all) is `table.column`
            return _Subject(value.table, value.column, None)
        first = next((n for n in ast.walk(value) if isinstance(n, ast.ColumnRef)), None)
        if first is None:
            raise self._error("an aggregation's formula must read a column of the aggregated rows", meta,
                              hint="e.g. SUM(lines.quantity * lines.unit_price, 0, 30); COUNT(table.*, …) counts rows")
        return _Subject(first.table, None, value)

    def agg_star(self, meta, children):
        return _Subject(children[0].text, None, None)

    def agg_filter(self, meta, children):
        return _Clause("filter", _words(children)[0])

    def window(self, meta, children):
        start, end, *unit = children
        if isinstance(end, _MinusInf):
            raise self._error("-INF can only start a window, not end it", end,
                              hint="a window is (start, end[, unit]) covering anchor+start < t <= anchor+end")
        unit_name = ast.DEFAULT_UNIT
        if unit:
            spelled = unit[0].value.lower()
            unit_name = _UNIT_SPELLINGS.get(spelled)
            if unit_name is None:
                short = UNIT_ABBREVIATIONS.get(spelled)
                guess = (f"; did you mean {' or '.join(repr(u) for u in short)}?" if short
                         else did_you_mean(spelled, ast.UNITS))
                raise self._error(f"unknown time unit '{unit[0].value}'{guess}", unit[0],
                                  hint="units are " + ", ".join(ast.UNITS))
        return _Clause("window", ast.Window(start=None if isinstance(start, _MinusInf) else start.value, end=end.value,
                                            unit=unit_name, unit_explicit=bool(unit), span=span_of(meta)))

    def minus_inf(self, meta, children):
        return _MinusInf(span_of(meta))

    # ---- names and literals -----------------------------------------------------------------------

    def name(self, meta, children):
        (tok,) = children
        if tok.type == "NAME":
            return _Ident(self._bare_name(tok), span_of(tok))
        quote = tok.value[0]
        text = tok.value[1:-1].replace(quote * 2, quote)
        if not text.strip():
            raise self._error("a quoted name cannot be empty", tok)
        return _Ident(text, span_of(tok))

    def literal_list(self, meta, children):
        return tuple(children)

    def string(self, meta, children):
        (tok,) = children
        quote = tok.value[0]
        return ast.Literal(value=tok.value[1:-1].replace(quote * 2, quote), kind="string", span=span_of(meta))

    def true(self, meta, children):
        return ast.Literal(value=True, kind="boolean", span=span_of(meta))

    def false(self, meta, children):
        return ast.Literal(value=False, kind="boolean", span=span_of(meta))

    def null(self, meta, children):
        return ast.Literal(value=None, kind="null", span=span_of(meta))

    def timestamp(self, meta, children):
        tok = children[-1]
        quote = tok.value[0]
        text = tok.value[1:-1].replace(quote * 2, quote)
        try:
            datetime.fromisoformat(text)
        except ValueError:
            raise self._error(f"'{text}' is not a timestamp", tok,
                              hint="write TIMESTAMP '2020-01-31' or TIMESTAMP '2020-01-31 12:00:00'") from None
        return ast.Literal(value=text, kind="timestamp", span=span_of(meta))

    def number(self, meta, children):
        *sign, tok = children
        text = tok.value
        if len(text) > _MAX_DIGITS:
            raise self._error("this number is too long", tok)
        value: int | float = int(text) if _WHOLE.match(text) else float(text)
        if not math.isfinite(value):
            raise self._error("this number is out of range", tok)
        return ast.Literal(value=-value if sign else value, kind="number", span=span_of(meta))

    # ---- token checks -----------------------------------------------------------------------------

    def _bare_name(self, tok: Token) -> str:
        if tok.value.upper() in RESERVED:
            raise self._error(f"'{tok.value}' is a reserved word and cannot be used as a name", tok,
                              hint=f'to use it as a name, quote it: "{tok.value}"')
        return tok.value

    def _whole(self, tok: Token, clause: str, *, minimum: int) -> int:
        if not _WHOLE.match(tok.value) or len(tok.value) > _MAX_DIGITS or int(tok.value) < minimum:
            kind = "a positive whole number" if minimum >= 1 else "a whole number"
            raise self._error(f"{clause} needs {kind}, got {tok.value}", tok)
        return int(tok.value)
