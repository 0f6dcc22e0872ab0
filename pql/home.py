"""Where pql keeps its own files: ``$PQL_HOME``, or ``~/.pql`` (models, REPL history, unwritten results,
DuckDB's spill folders)."""
from __future__ import annotations

import os
from pathlib import Path


def home() -> Path:
    return Path(os.environ.get("PQL_HOME") or Path.home() / ".pql")
