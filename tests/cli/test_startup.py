"""`pql --help` and `pql parse` must stay instant: the CLI path imports no heavy library."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HEAVY = ("torch", "torch_geometric", "lightgbm", "duckdb", "sklearn", "pandas", "pyarrow")
ROOT = Path(__file__).resolve().parents[2]

_PROBE = """
import json, sys
from pql.cli import main
try:
    main(sys.argv[1:], standalone_mode=False)
finally:
    heavy = sorted({m.split('.')[0] for m in sys.modules} & set(json.loads(%r)))
    print('HEAVY=' + json.dumps(heavy), file=sys.stderr)
"""


def _heavy_modules_after(*args: str, stdin: str = "") -> list[str]:
    probe = _PROBE % json.dumps(HEAVY)
    done = subprocess.run([sys.executable, "-c", probe, *args], input=stdin, capture_output=True, text=True,
                          cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    (line,) = [ln for ln in done.stderr.splitlines() if ln.startswith("HEAVY=")]
    return json.loads(line[len("HEAVY="):])


def test_help_imports_nothing_heavy():
    assert _heavy_modules_after("--help") == []


def test_parse_imports_nothing_heavy():
    assert _heavy_modules_after("parse", "-", stdin="PREDICT COUNT(orders.*, 0, 30) > 0 FOR EACH customers") == []


def test_explain_without_a_database_imports_nothing_heavy():
    assert _heavy_modules_after("explain", "PREDICT churn FOR customer") == []
