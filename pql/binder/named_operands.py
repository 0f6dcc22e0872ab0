"""Named targets used inside a target: ``DEFINE spend_30 AS SUM(orders.amount, 0, 30); PREDICT spend_30 >
100 FOR …`` or ``PREDICT total_spend_30d < 50 FOR …``.

Each name becomes its plain PQL (a DEFINE's body, itself expanded, or a template's target) before the
target is bound, with every node of the expansion placed at the name, so an error inside it points at
the name the user wrote. Only the target's expression takes names (through AND, OR, NOT and
comparisons): not aggregation filters, the entity WHERE or ASSUMING. A template that brings clauses of
its own (``next_product``'s RANK TOP, ``churn_90d``'s WHERE) stays a whole target.
"""
from __future__ import annotations

import dataclasses
from typing import Callable

from engine.schema.model import Table
from pql import ast
from pql.binder.context import BindContext
from pql.binder.templates import TemplateError, expand, template_names
from pql.errors import did_you_mean
from pql.span import Span

_THROUGH = (ast.Arithmetic, ast.Negation, ast.Comparison, ast.And, ast.Or, ast.Not, ast.InList, ast.Like, ast.StringMatch, ast.IsNull)


def report_unknown_name(ctx: BindContext, node: ast.NamedTarget, defines, *, hint: str) -> None:
    """The error for a name that is neither DEFINEd nor a template, with did-you-mean over the DEFINEs."""
    ctx.error(f"unknown target name '{node.name}'{did_you_mean(node.name, list(defines.targets))}", node.span,
              hint=hint)


def has_named_operands(node: ast.Node | None) -> bool:
    """Whether ``node`` holds a name where an operand goes (not as the whole target)."""
    return isinstance(node, _THROUGH) and any(
        isinstance(child, ast.NamedTarget) or has_named_operands(child) for child in ast.children(node))


def expand_named_operands(ctx: BindContext, node: ast.Expr, entity: Table, using: set[str] | None,
                          defines) -> ast.Expr:
    """``node`` with every name inside it replaced by its plain PQL; errors are recorded in ``ctx``."""
    return _map(node, lambda name: _expand(ctx, name, entity, using, defines, seen=()))


def _map(node: ast.Node, fn: Callable[[ast.NamedTarget], ast.Node]) -> ast.Node:
    if isinstance(node, ast.NamedTarget):
        return fn(node)
    if not isinstance(node, _THROUGH):
        return node
    changes = {}
    for f in dataclasses.fields(node):
        value = getattr(node, f.name)
        if isinstance(value, ast.Node):
            changes[f.name] = _map(value, fn)
        elif isinstance(value, tuple) and any(isinstance(v, ast.Node) for v in value):
            changes[f.name] = tuple(_map(v, fn) for v in value)
    return dataclasses.replace(node, **changes)


def _placed(node: ast.Node, span: Span | None) -> ast.Node:
    """``node`` and everything under it placed at ``span``."""
    changes: dict = {"span": span}
    for f in dataclasses.fields(node):
        value = getattr(node, f.name)
        if isinstance(value, ast.Node):
            changes[f.name] = _placed(value, span)
        elif isinstance(value, tuple) and any(isinstance(v, ast.Node) for v in value):
            changes[f.name] = tuple(_placed(v, span) if isinstance(v, ast.Node) else v for v in value)
    return dataclasses.replace(node, **changes)


def _expand(ctx: BindContext, name: ast.NamedTarget, entity: Table, using: set[str] | None, defines,
            *, seen: tuple[str, ...]) -> ast.Node:
    key = name.name.lower()
    if key in seen:
        ctx.error(f"'{name.name}' is defined through itself ({' -> '.join((*seen, key))})", name.span)
        return name
    defined = defines.get(name.name)
    if defined is not None:
        body = defined.target
        if isinstance(body, ast.NamedTarget) or has_named_operands(body):
            body = _map(body, lambda inner: _expand(ctx, inner, entity, using, defines, seen=(*seen, key)))
        ctx.note(f"'{name.name}' is DEFINEd as {body}")
        return _placed(body, name.span)
    try:
        expansion = expand(name.name, ctx.db, entity, using)
    except TemplateError as e:
        ctx.error(str(e), name.span, hint="write the target in plain PQL, or DEFINE it")
        return name
    if expansion is None:
        report_unknown_name(ctx, name, defines, hint=f"a value is quoted ('{name.name}'); named targets are "
                                                    "DEFINEd names or templates: " + ", ".join(template_names()))
        return name
    if expansion.suffix or expansion.where or expansion.assuming:
        ctx.error(f"'{name.name}' brings clauses of its own (a RANK TOP, WHERE or ASSUMING), so it can only be "
                  "the whole target", name.span, hint=f"write PREDICT {name.name} FOR …, or its plain PQL here")
        return name
    from pql.parser import parse  # the binder is below the parser in the import graph

    (parsed,) = parse(f"PREDICT {expansion.target} FOR EACH x")
    ctx.note(f"'{name.name}' means {parsed.target}")
    return _placed(parsed.target, name.span)
