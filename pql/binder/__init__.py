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


def bind(statement: ast.PredictStatement | str, db: Database, *, defines: Defines | None = None) -> BoundQuery:
    """Resolve one statement (parsed, or PQL text holding one PREDICT) against ``db``, a `Database`
    (`pql.schema(source)`, or a session's ``.db``); ``print()`` of the result is what EXPLAIN shows."""
    from pql.errors import PQLInputError

    if not isinstance(db, Database):
        raise PQLInputError(f"bind() needs a Database, not {type(db).__name__}: pass pql.schema(source) or a "
                            "session's .db (or use pql.connect(source).bind(text))")
    if isinstance(statement, str):
        from pql.parser import parse

        statements = parse(statement)
        predicts = [s for s in statements if isinstance(s, ast.PredictStatement)]
        if len(predicts) != 1:
            raise PQLInputError(f"bind() takes one PREDICT statement, got {len(predicts)}")
        defines = defines if defines is not None else Defines()
        for s in statements:
            if isinstance(s, ast.DefineStatement):
                check_define(s, db, defines)
                defines.add(s)
        statement = predicts[0]
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
