"""The binder: a parsed statement + a `Database` -> a `BoundQuery` (pql.bound), or errors with carets.

    bind(statement, db)                    one PREDICT/EVALUATE/EXPLAIN statement
    bind_script(statements, db)            a whole script: DEFINEs feed later statements
"""
from __future__ import annotations

from collections.abc import Iterable

from engine.schema.model import Database
from pql import ast
from pql.binder.statement import Defines, bind_statement, check_define
from pql.bound import BoundQuery


def bind(statement: ast.PredictStatement, db: Database, *, defines: Defines | None = None) -> BoundQuery:
    """Resolve one parsed statement against ``db``."""
    return bind_statement(statement, db, defines=defines)


def bind_script(statements: Iterable[ast.Statement], db: Database,
                defines: Defines | None = None) -> list[BoundQuery]:
    """Bind every PREDICT statement; a DEFINE applies to the statements after it."""
    defines = defines if defines is not None else Defines()
    out = []
    for stmt in statements:
        if isinstance(stmt, ast.DefineStatement):
            check_define(stmt, db, defines)
            defines.add(stmt)
        else:
            out.append(bind_statement(stmt, db, defines=defines))
    return out


__all__ = ["Defines", "bind", "bind_script", "check_define"]
