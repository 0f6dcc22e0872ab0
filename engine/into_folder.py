"""``INTO`` for a folder (or single-file) source: ``<name>.parquet`` beside the data, and sources INTO cannot write.

The file is written whole under a hidden temporary name and renamed into place (a reader never sees
half a file), with the permissions any new file gets (the umask's), and marked as pql's output in its
metadata, so the folder connector leaves it out of later graphs. The name is a file name: one without
``/``, ``\\``, a leading ``.`` (hidden, never read back) or ``..`` is accepted, and this is checked
before any training. Table names match case-insensitively, so ``INTO OR REPLACE Preds`` replaces
``preds.parquet`` (in place: the table keeps the file's name); a CSV, JSON or subfolder that holds the
table is never replaced by Parquet beside it.

A source of in-memory tables (a dict of DataFrames) has nowhere to write: pql reads a private copy of
the frames, so a table written there would be lost when the session ends. ``INTO`` is refused before
training, pointing to the returned table (and ``-o FILE``).
"""
from __future__ import annotations

import os
import uuid
from pathlib import Path

import pyarrow as pa

from pql.errors import EngineError
from pql.render import quote_name


def into_folder(connector) -> Path:
    """Where ``INTO`` writes for a folder (or single-file) source: beside the data."""
    root = Path(connector.name)
    return root if root.is_dir() else root.parent


def check_writable(connector, name: str) -> None:
    """Refuse ``INTO`` for a source that cannot be written (a dict of DataFrames): before any training."""
    if connector.kind == "memory":
        raise EngineError(f"INTO {name}: in-memory tables (a dict of DataFrames) cannot be written: pql reads a "
                          "private copy of them, which is gone when the session ends; leave out INTO and use the "
                          "returned table (on the command line, -o FILE writes it to a file)")


def check_folder_target(folder: Path, name: str, *, replace: bool) -> Path:
    """The file ``INTO name`` writes in ``folder``, after refusing a name that is no plain file name, a
    table that another file (CSV, JSON, a subfolder) holds, and an existing table unless ``replace``."""
    from connectors.files import PARQUET_SUFFIXES, table_name_of

    _check_file_name(name)
    path = folder / f"{name}.parquet"
    existing = None
    for other in folder.iterdir():
        table = table_name_of(other)
        if table is None or table.lower() != name.lower():
            continue
        if other.is_file() and other.name.lower().endswith(PARQUET_SUFFIXES):
            existing = other  # the table's Parquet file, perhaps named in another case: replaced in place
            continue
        # the folder would then hold two files for one table and no longer open
        raise EngineError(f"{other} already holds table '{table}', and INTO would write {path.name} beside it "
                          "(one table, two files): write INTO another name")
    if existing is not None and not replace:
        raise EngineError(f"{existing} already exists; write INTO OR REPLACE {quote_name(name)} to overwrite it")
    return existing if existing is not None else path


def _check_file_name(name: str) -> None:
    from connectors.files import DATA_SUFFIXES

    if not name.strip():
        why = "it is empty"
    elif "\0" in name:
        why = "it holds a NUL character"
    elif "/" in name or "\\" in name:
        why = "it holds a path separator, / or \\"
    elif name.startswith("."):
        why = "it starts with '.': a hidden file, never read back"
    elif suffix := max((x for x in DATA_SUFFIXES if name.lower().endswith(x)), key=len, default=""):
        stem = name[: -len(suffix)]  # the table preds.parquet would be the file preds.parquet.parquet
        raise EngineError(f"INTO {name!r}: name the table, not the file: INTO {quote_name(stem)} writes "
                          f"{stem}.parquet")
    else:
        return
    raise EngineError(f"INTO {name!r}: the table becomes a file beside the data, and this is no plain file name "
                      f"({why}); write INTO a name such as predictions")


def write_into_folder(folder: Path, name: str, table: pa.Table, *, replace: bool, query: str = "") -> Path:
    """For a folder of files: ``<name>.parquet`` beside the data, written atomically and marked as pql's
    output in its metadata (the folder connector then leaves it out of later graphs)."""
    import pyarrow.parquet as pq

    from connectors.catalog import OUTPUT_MARKER

    path = check_folder_target(folder, name, replace=replace)
    tmp = folder / f".{name}-{uuid.uuid4().hex[:12]}.parquet"  # created by Arrow: mode 0666 less the umask
    try:
        marked = table.replace_schema_metadata({**(table.schema.metadata or {}),
                                                OUTPUT_MARKER.encode(): query.encode()})
        pq.write_table(marked, tmp)
        os.replace(tmp, path)
    except (OSError, pa.ArrowException) as e:
        tmp.unlink(missing_ok=True)
        raise EngineError(f"cannot write {path}: {e}") from e
    return path
