"""Where data comes from: each connector yields a DuckDB connection holding the user's tables."""
