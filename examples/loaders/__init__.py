"""Loaders that turn the real data in ``../shared/data`` into DuckDB files with keys declared.

Each module exposes ``load(out_path, *, data_dir=...) -> Path`` and a CLI
(``python -m examples.loaders.<name> --out x.duckdb [--data-dir DIR]``).
"""
