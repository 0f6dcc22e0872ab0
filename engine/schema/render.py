"""`Database` for people (a rich tree) and for machines (a stable JSON document).

JSON format ``pql.schema/v1`` (keys are never removed within a version; new ones may be added)::

    {"format": "pql.schema/v1", "source": "<path or memory>",
     "tables": [{"name", "num_rows", "primary_key": [col, …], "primary_key_inferred": bool,
                 "time_column": col | null, "time_column_inferred": bool,
                 "inherited_time": {"via": "<fk name>", "parent_table", "parent_column"} | null,
                 "columns": [{"name", "dtype", "stype", "stype_inferred", "nullable",
                              "num_distinct", "null_fraction"}],
                 "ignored_columns": [col, …]}],     # removed by 'ignore t.c' overrides
     "foreign_keys": [{"name", "table", "columns", "ref_table", "ref_columns", "inferred",
                       "score", "containment"}],
     "notes": [str, …]}

Tables are in name order, columns in table order, foreign keys in discovery order.
"""
from __future__ import annotations

import io
from typing import Any

from engine.schema.model import Database, ForeignKey, Table

JSON_FORMAT = "pql.schema/v1"


def to_dict(db: Database) -> dict[str, Any]:
    """The JSON-ready description of ``db`` (see the module docstring)."""
    return {
        "format": JSON_FORMAT,
        "source": db.source,
        "tables": [_table_dict(t) for t in db.tables],
        "foreign_keys": [_fk_dict(fk) for fk in db.foreign_keys],
        "notes": list(db.notes),
    }


def _table_dict(t: Table) -> dict[str, Any]:
    inherited = None
    if t.inherited_time is not None:
        inherited = {"via": t.inherited_time.via.name, "parent_table": t.inherited_time.via.ref_table,
                     "parent_column": t.inherited_time.parent_column}
    return {
        "name": t.name,
        "num_rows": t.num_rows,
        "primary_key": list(t.primary_key),
        "primary_key_inferred": t.primary_key_inferred,
        "time_column": t.time_column,
        "time_column_inferred": t.time_column_inferred,
        "inherited_time": inherited,
        "columns": [
            {"name": c.name, "dtype": c.dtype, "stype": c.stype.value, "stype_inferred": c.inferred,
             "nullable": c.nullable, "num_distinct": c.num_distinct, "null_fraction": c.null_fraction}
            for c in t.columns
        ],
        "ignored_columns": list(t.ignored_columns),
    }


def _fk_dict(fk: ForeignKey) -> dict[str, Any]:
    return {"name": fk.name, "table": fk.table, "columns": list(fk.columns), "ref_table": fk.ref_table,
            "ref_columns": list(fk.ref_columns), "inferred": fk.inferred, "score": fk.score,
            "containment": fk.containment}


def _origin(inferred: bool) -> str:
    return "[dim]inferred[/dim]" if inferred else "[green]declared[/green]"


def _link_label(fk: ForeignKey) -> str:
    from rich.markup import escape

    text = f"{escape('+'.join(fk.columns))} → {escape(fk.ref_table)}.{escape('+'.join(fk.ref_columns))}  "
    text += _origin(fk.inferred)
    if fk.score is not None:
        text += f"[dim], score {fk.score:.2f}"
        if fk.containment is not None:
            text += f", {fk.containment:.0%} of values found"
        text += "[/dim]"
    return text


def _time_label(t: Table) -> str:
    from rich.markup import escape

    if t.time_column is not None:
        return f"time: [cyan]{escape(t.time_column)}[/cyan]  {_origin(t.time_column_inferred)}"
    if t.inherited_time is not None:
        src = t.inherited_time
        return (f"time: [cyan]{escape(src.via.ref_table)}.{escape(src.parent_column)}[/cyan] inherited through "
                f"{escape('+'.join(src.via.columns))}")
    return "time: [yellow]none[/yellow] (static table)"


def render_tree(db: Database):
    """A ``rich.tree.Tree`` of tables, keys, links, time columns, semantic types and notes."""
    from rich.markup import escape
    from rich.tree import Tree

    root = Tree(f"[bold]{escape(db.source or 'database')}[/bold]  "
                f"[dim]{_count(len(db.tables), 'table')}, {_count(len(db.foreign_keys), 'link')}[/dim]")
    shown = {t.name for t in db.tables}
    for t in db.tables:
        rows = f"{t.num_rows:,} rows" if t.num_rows is not None else "rows unknown"
        node = root.add(f"[bold]{escape(t.name)}[/bold]  [dim]{rows}[/dim]")
        if t.primary_key:
            node.add(f"key: [magenta]{escape(', '.join(t.primary_key))}[/magenta]  {_origin(t.primary_key_inferred)}")
        else:
            node.add("key: [yellow]none[/yellow]")
        node.add(_time_label(t))
        outgoing = db.foreign_keys_from(t.name)
        if outgoing:
            links = node.add("links")
            for fk in outgoing:
                links.add(_link_label(fk))
        # links into this table from a table the tree leaves out (one table shown: `.schema customer`)
        incoming = [fk for fk in db.foreign_keys if fk.ref_table == t.name and fk.table not in shown]
        if incoming:
            linked = node.add("linked from")
            for fk in incoming:
                linked.add(f"{escape(fk.table)}.{escape('+'.join(fk.columns))}  {_origin(fk.inferred)}")
        columns = node.add("columns")
        for c in t.columns:
            mark = "" if c.inferred else "  [green]override[/green]"
            columns.add(f"{escape(c.name)}  [dim]{escape(c.dtype)}[/dim]  {c.stype.value}{mark}")
        if t.ignored_columns:
            node.add(f"ignored: {escape(', '.join(t.ignored_columns))}  [green]override[/green] "
                     "[dim](in no feature, no query)[/dim]")
    if db.notes:
        notes = root.add("[bold]notes[/bold]")
        for n in db.notes:
            notes.add(escape(n))
    return root


def format_tree(db: Database, *, width: int = 100) -> str:
    """The tree as plain text (no colour), e.g. for tests and logs."""
    from rich.console import Console

    buffer = io.StringIO()
    Console(file=buffer, width=width, color_system=None, force_terminal=False).print(render_tree(db))
    return buffer.getvalue()


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"
