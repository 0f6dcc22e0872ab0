"""Automatic relational features for tabular models (LightGBM).

- :func:`relational_features`: per (entity, anchor_time) aggregates over foreign-key paths.
- :func:`candidate_features`: (entity, anchor_time, candidate item) pair features for link ranking.

Only DuckDB, sqlglot and pyarrow are used here; nothing imports torch or lightgbm.
"""
from engine.features.candidates import candidate_features, label_candidates, top_k
from engine.features.relational import (
    FeatureOptions,
    build_feature_query,
    feature_names,
    feature_query_sql,
    relational_features,
)
from engine.features.windows import DEFAULT_WINDOWS, normalize_windows, windows_for_horizon

__all__ = [
    "DEFAULT_WINDOWS",
    "FeatureOptions",
    "build_feature_query",
    "candidate_features",
    "feature_names",
    "feature_query_sql",
    "label_candidates",
    "normalize_windows",
    "relational_features",
    "top_k",
    "windows_for_horizon",
]
