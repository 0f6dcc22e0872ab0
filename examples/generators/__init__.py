"""Seeded generators for the three seed schemas (loyalty, ltv, cross_sell).

Each module exposes ``generate(path, *, n_customers=..., seed=0, ...) -> Path`` and a CLI
(``python -m examples.generators.<name> --out x.duckdb --customers N``). The databases declare
their primary and foreign keys; what the generator knows but a model must not see (true uplift,
the realised future) lives in the separate DuckDB schema ``truth``.
"""
