"""Which columns of a table become which kind of feature."""
from __future__ import annotations

from dataclasses import dataclass

from engine.schema.model import Column, Database, SemanticType, Table


@dataclass(frozen=True, kw_only=True)
class FeatureColumns:
    """A table's columns grouped by how they are turned into features (each list capped)."""

    numeric: tuple[Column, ...]
    categorical: tuple[Column, ...]
    timestamps: tuple[Column, ...]
    foreign_keys: tuple[str, ...]  # single-column foreign keys, counted distinct along paths


def key_column_names(db: Database, t: Table) -> set[str]:
    """Primary-key and foreign-key columns: identifiers, never numeric measures."""
    names = set(t.primary_key)
    for fk in db.foreign_keys_from(t.name):
        names.update(fk.columns)
    return names


def feature_columns(db: Database, t: Table, *, max_per_kind: int) -> FeatureColumns:
    keys = key_column_names(db, t)
    plain = [c for c in t.columns if c.name not in keys]
    numeric = [c for c in plain if c.stype is SemanticType.NUMERICAL]
    categorical = [c for c in plain if c.stype is SemanticType.CATEGORICAL]
    timestamps = [c for c in plain if c.stype is SemanticType.TIMESTAMP]
    fks = [fk.columns[0] for fk in db.foreign_keys_from(t.name) if len(fk.columns) == 1]
    return FeatureColumns(
        numeric=tuple(numeric[:max_per_kind]),
        categorical=tuple(categorical[:max_per_kind]),
        timestamps=tuple(timestamps[:max_per_kind]),
        foreign_keys=tuple(dict.fromkeys(fks))[:max_per_kind],
    )
