"""Model registry: trained models saved under a fingerprint of what determines them.

    fingerprint = sha256(normalised query, schema, data version, options that change training)

The same query on unchanged data finds its model and predicts without training; `WITH retrain = true`
trains anew. Each entry is a folder ``<home>/models/<fingerprint>/`` holding ``meta.json`` and the
model's own files (torch ``state_dict`` + JSON config, LightGBM text model) — never a pickle.
The home is ``$PQL_HOME`` or ``~/.pql``.
"""
from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import sqlglot.expressions as exp

from connectors._sql import table_ref
from engine.schema.model import Database
import pql
from pql.bound import BoundQuery
from pql.home import home
from pql.errors import EngineError, PQLError, is_interrupt

# Options that change what is predicted but not what is learned, or only how fast.
_NOT_FINGERPRINTED = {"retrain", "device"}
# Bump when a saved model would no longer match what this code builds (features, encoders): the
# fingerprint changes, so such models are trained anew instead of reused. pql's version is in it too.
FORMAT_VERSION = 2


def models_dir() -> Path:
    return home() / "models"


def _schema_facts(db: Database, tables: tuple[str, ...]) -> list:
    facts = []
    for name in sorted(tables):
        t = db.table(name)
        if t is None:
            continue
        facts.append([t.name, [[c.name, c.dtype, str(c.stype)] for c in t.columns], list(t.primary_key),
                      t.time_column, t.inherited_time.via.name if t.inherited_time else None])
    facts.append(sorted(fk.name for fk in db.foreign_keys if fk.table in tables and fk.ref_table in tables))
    return facts


def data_version(con, tables: tuple[str, ...]) -> list:
    """Row count and an order-independent content hash per table: one scan each, no copy."""
    out = []
    for name in sorted(tables):
        row = exp.column(exp.to_identifier(name, quoted=True))
        query = exp.select(exp.Count(this=exp.Star()),
                           exp.func("sum", exp.func("hash", row)).as_("h")).from_(
            table_ref(name).as_(exp.to_identifier(name, quoted=True)))
        try:
            count, digest = con.sql(query.sql(dialect="duckdb")).fetchall()[0]
        except Exception as e:  # duckdb.Error; kept broad so a failing hash never blocks prediction
            raise EngineError(f"cannot read table '{name}' to version the data: {e}") from e
        out.append([name, int(count), str(digest)])
    return out


def fingerprint(bq: BoundQuery, db: Database, con, *, model: str) -> str:
    """Stable id of (normalised query, schema, data version, options, model family)."""
    from pql.bound_render import expr_text

    query = {
        "task": str(bq.task), "entity": [bq.entity.table, list(bq.entity.key)],
        "target": expr_text(bq.target), "where": expr_text(bq.where) if bq.where else None,
        "assuming": expr_text(bq.assuming) if bq.assuming else None, "rank_top": bq.rank_top,
        "forecast": bq.forecast, "classify": bq.classify, "using": sorted(bq.using),
        "options": sorted([k, str(v)] for k, v in _learning_options(bq, model)),
    }
    payload = {"format": FORMAT_VERSION, "pql": pql.__version__, "model": model, "query": query,
               "schema": _schema_facts(db, bq.using), "data": data_version(con, bq.using)}
    blob = json.dumps(payload, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:24]


def query_text(bq: BoundQuery) -> str:
    """The statement that trains the model, as written, for ``meta.json``'s ``query``: not the rest
    of a script it came in (other statements, comments between them)."""
    if bq.span is None or not 0 <= bq.span.start < bq.span.end <= len(bq.text):
        return bq.text
    return bq.text[bq.span.start:bq.span.end]


def _learning_options(bq: BoundQuery, model: str) -> list[tuple[str, Any]]:
    """The options that change what is learned: not those written at their default (``seed = 0`` is
    the same model as no seed), nor GNN-only ones when no GNN trains."""
    from pql.options import GNN_ONLY_OPTIONS, spec

    out = []
    for name, value in bq.options:
        declared = spec(name)
        if name in _NOT_FINGERPRINTED or (declared is not None and declared.default is not None
                                          and value == declared.default):
            continue
        if model in ("lightgbm", "heuristic") and name in GNN_ONLY_OPTIONS:
            continue
        out.append((name, value))
    return out


@dataclass(frozen=True, kw_only=True)
class Entry:
    fingerprint: str
    path: Path
    meta: dict[str, Any]
    unreadable: str | None = None  # why meta.json cannot be read (then ``meta`` is empty)


def lookup(fp: str, log: Callable[[str], None] | None = None) -> Entry | None:
    """The saved entry ``fp``, or None. A broken entry is as good as none: it is retrained and
    replaced (``log`` gets a warning that says so)."""
    entry = _read(fp)
    if entry is not None and entry.unreadable is not None:
        if log is not None:
            log(_unloadable(entry, entry.unreadable))
        return None
    return entry


def _read(fp: str) -> Entry | None:
    """The entry ``fp``, with ``unreadable`` set when its folder is there but its meta.json is not
    usable; None when there is no such folder."""
    if not _is_fingerprint(fp):
        return None
    path = models_dir() / fp
    if not path.is_dir():
        return None
    try:
        meta = json.loads((path / "meta.json").read_text())
        if not isinstance(meta, dict):
            raise ValueError(f"it holds a JSON {type(meta).__name__}, not an object")
    except FileNotFoundError:
        return Entry(fingerprint=fp, path=path, meta={}, unreadable="meta.json is missing")
    except (OSError, ValueError) as e:  # json.JSONDecodeError and UnicodeDecodeError are ValueErrors
        return Entry(fingerprint=fp, path=path, meta={}, unreadable=f"meta.json is not valid: {e}")
    return Entry(fingerprint=fp, path=path, meta=meta)


def load_saved(entry: Entry, load: Callable[[], Any], log: Callable[[str], None]) -> Any:
    """``load()`` the entry's model; None (after a warning naming the entry and why) when its files
    cannot be loaded (truncated, edited, half deleted): such a model is as good as none, and is
    trained anew and saved over."""
    try:
        return load()
    except (PQLError, OSError, KeyError, TypeError, ValueError) as e:
        if is_interrupt(e):
            raise
        log(_unloadable(entry, getattr(e, "message", None) or str(e) or type(e).__name__))
        return None


def _unloadable(entry: Entry, reason: str) -> str:
    return f"warning: the saved model {entry.fingerprint} cannot be loaded ({reason}); training a new one to replace it"


def is_current(entry: Entry) -> bool:
    """Whether this pql can reuse the entry: one saved by another format or version has another
    fingerprint than any query gets now, so it is never found again (only listed, and removable);
    nor can it reuse one whose meta.json cannot be read."""
    return (entry.unreadable is None and entry.meta.get("format") == FORMAT_VERSION
            and entry.meta.get("pql") == pql.__version__)


def save(fp: str, meta: dict[str, Any], write_model) -> Entry:
    """Write a new entry atomically: files go to a temp folder that is renamed into place."""
    root = models_dir()
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{fp}-", dir=root))
    try:
        write_model(tmp)
        meta = {**meta, "fingerprint": fp, "saved_at": time.strftime("%Y-%m-%d %H:%M:%S"),
                "format": FORMAT_VERSION, "pql": pql.__version__}
        (tmp / "meta.json").write_text(json.dumps(meta, indent=2, sort_keys=True, default=str))
        final = root / fp
        if final.exists():
            shutil.rmtree(final)
        tmp.rename(final)
    except OSError as e:
        shutil.rmtree(tmp, ignore_errors=True)
        raise EngineError(f"cannot save the model under {root}: {e}") from e
    return Entry(fingerprint=fp, path=final, meta=meta)


def list_entries() -> list[Entry]:
    root = models_dir()
    if not root.exists():
        return []
    entries = [_read(p.name) for p in sorted(root.iterdir()) if p.is_dir() and not p.name.startswith(".")]
    return sorted((e for e in entries if e is not None), key=lambda e: e.meta.get("saved_at", ""), reverse=True)


def _is_fingerprint(text: str) -> bool:
    # only hex names: a user-typed '..' or 'a/b' must never reach rmtree
    return 0 < len(text) <= 64 and all(c in "0123456789abcdef" for c in text)


def remove(fp: str) -> bool:
    """Delete the entry ``fp`` (or the one entry whose fingerprint starts with ``fp``); False if none."""
    if not _is_fingerprint(fp):
        return False
    root = models_dir()
    matches = sorted(p for p in root.glob(f"{fp}*") if p.is_dir()) if root.is_dir() else []
    exact = root / fp
    if exact.is_dir():
        matches = [exact]
    if len(matches) > 1:
        raise EngineError(f"'{fp}' matches {len(matches)} saved models ({', '.join(m.name for m in matches)}); "
                          "give more of the fingerprint")
    if not matches:
        return False
    shutil.rmtree(matches[0])
    return True
