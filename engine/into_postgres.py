"""``INTO`` for a PostgreSQL source: the predictions become a table of the database, in one transaction.

The connector (`connectors.postgres`) reads a private copy; this writes to the database itself, over a
new ADBC connection: check the name in the current schema (``INTO OR REPLACE`` drops the old table), create
and fill the table with ADBC's bulk ingest (COPY), mark it with the INTO comment (so later queries leave
pql's own predictions out of their graph), ``COMMIT`` — or roll back, and nothing changed. PostgreSQL's
DDL is transactional, so a failure anywhere leaves no half-made table.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pyarrow as pa
from sqlglot import exp

from connectors._sql import table_ref
from connectors.postgres import connect, redacted, scrubbed
from pql.errors import EngineError
from pql.render import quote_name

_EXISTS = """
SELECT c.relname, c.relkind, pg_has_role(c.relowner, 'USAGE')
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = current_schema() AND lower(c.relname) = lower($1)
"""
_MAY_CREATE = "SELECT current_schema(), has_schema_privilege(current_schema(), 'CREATE')"
_KINDS = {"i": "an index", "I": "an index", "S": "a sequence", "v": "a view", "m": "a materialized view",
          "c": "a composite type", "f": "a foreign table", "t": "a TOAST table"}


@contextmanager
def _cursor(uri: str, failing: str) -> Iterator[tuple[Any, Any]]:
    """``(connection, cursor)`` on a new connection to ``uri``: rolled back unless the body commits, closed
    after; a driver error becomes an `EngineError` saying ``failing`` (password masked)."""
    from adbc_driver_manager.dbapi import Error as DatabaseError

    con = connect(uri)
    try:
        cur = con.cursor()
        try:
            yield con, cur
        except BaseException:
            con.rollback()
            raise
        finally:
            cur.close()
    except DatabaseError as e:
        detail = scrubbed(" ".join(str(e).split())[:300], uri)
        raise EngineError(f"{failing} in {redacted(uri)}: {detail}") from e
    finally:
        con.close()


def check_into_postgres(uri: str, name: str, *, replace: bool) -> None:
    """Refuse, before any training, an INTO the database would refuse at the end: no right to create
    tables in the schema, a name held by something other than a table, or a table without OR REPLACE."""
    with _cursor(uri, f"cannot check INTO {quote_name(name)}") as (_, cur):
        cur.execute(_MAY_CREATE)
        schema, may_create = cur.fetchone()
        cur.execute(_EXISTS, (name,))
        existing = cur.fetchone()
    if not may_create:
        raise EngineError(f"INTO {quote_name(name)}: this role may not create tables in schema {schema!r} of "
                          f"{redacted(uri)}; ask for CREATE on it, or write the result with -o FILE")
    if existing and existing[1] not in ("r", "p"):
        raise EngineError(f"INTO {quote_name(name)}: '{existing[0]}' is {_KINDS.get(existing[1], 'not a table')} "
                          "in the database; choose another name")
    if existing and not replace:
        raise EngineError(f"table '{existing[0]}' already exists; write INTO OR REPLACE {quote_name(name)} to "
                          "overwrite it")
    if existing and not existing[2]:  # only a table's owner may drop it
        raise EngineError(f"INTO OR REPLACE {quote_name(name)}: table '{existing[0]}' belongs to another role, so "
                          "this one may not replace it; choose another name")


def write_into_postgres(uri: str, name: str, table: pa.Table, *, replace: bool, query: str = "") -> None:
    """Create table ``name`` in the database at ``uri``; refuse to overwrite unless ``replace``."""
    from connectors.catalog import OUTPUT_MARKER

    with _cursor(uri, f"cannot write predictions into '{name}'") as (con, cur):
        cur.execute(_EXISTS, (name,))
        existing = cur.fetchone()
        if existing and not replace:
            raise EngineError(f"table '{name}' already exists; write INTO OR REPLACE {quote_name(name)} to overwrite it")
        if existing:  # replaced under the name it has, so INTO OR REPLACE Preds keeps 'preds'
            cur.execute(exp.Drop(tables=[table_ref(existing[0])], kind="TABLE").sql("postgres"))
            name = existing[0]
        cur.adbc_ingest(name, table, mode="create")
        cur.execute(exp.Comment(this=table_ref(name), kind="TABLE",
                                expression=exp.Literal.string(f"{OUTPUT_MARKER}: {query}".strip())).sql("postgres"))
        con.commit()
