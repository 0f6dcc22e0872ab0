"""Where data comes from: each connector yields a DuckDB connection holding the user's tables.

    >>> import connectors
    >>> with connectors.open("data/f1") as source:        # a folder of CSV/Parquet/JSON files
    ...     source.table_names()

``connectors.open`` dispatches on the source: a DuckDB file (``.duckdb``/``.ddb``/``.db``, opened
read-only unless ``read_only=False``), a SQLite file (any name: recognised by its header), a PostgreSQL
URI (``postgresql://…``), a folder of CSV/Parquet/JSON files or one such file, a mapping of
table name to pandas DataFrame / pyarrow Table, or an open duckdb connection. New sources subclass
``Connector`` and decorate themselves with ``register``.
"""
# registration order matters: later ones are tried first, so a SQLite file named .db is not taken for DuckDB's
from connectors import duckdb_file, files, memory, postgres, sqlite_file, wrapped  # noqa: F401  (registers the connectors)
from connectors.base import SCHEMA_FILE_NAME, Connector, DeclaredForeignKey, DeclaredKeys
from connectors.registry import open_source as open  # noqa: A001  (the natural name: connectors.open)
from connectors.registry import register, registered

__all__ = ["Connector", "DeclaredForeignKey", "DeclaredKeys", "SCHEMA_FILE_NAME", "open", "register", "registered"]
