"""sqlglot builders for the few statements connectors run (identifiers always quoted)."""
from __future__ import annotations

from sqlglot import exp


def table_ref(name: str) -> exp.Table:
    """A quoted table reference in the default schema."""
    return exp.Table(this=exp.to_identifier(name, quoted=True))


def create_as(name: str, query: exp.Expression, *, kind: str) -> str:
    """``CREATE <kind> "name" AS <query>`` (``kind`` is "TABLE" or "VIEW")."""
    return exp.Create(this=table_ref(name), kind=kind, expression=query).sql("duckdb")


def comment_on_table(name: str, text: str) -> str:
    """``COMMENT ON TABLE "name" IS 'text'`` (how INTO marks pql's own output tables)."""
    return exp.Comment(this=table_ref(name), kind="TABLE", expression=exp.Literal.string(text)).sql("duckdb")


def named_arg(name: str, value: exp.Expression) -> exp.PropertyEQ:
    """A DuckDB named function argument ``name := value``."""
    return exp.PropertyEQ(this=exp.to_identifier(name), expression=value)


def select_all_from(source: exp.Expression) -> exp.Select:
    return exp.select(exp.Star()).from_(source)
