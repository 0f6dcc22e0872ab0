"""A LightGBM or heuristic query never imports torch/PyG (seconds of start-up for nothing)."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import sys, pql
from tests.api.shop import tables
with pql.connect(tables(), log=lambda m: None) as s:
    s.predict("PREDICT COUNT(purchases.*, 0, 30) > 0 FOR EACH customers WITH model = 'lightgbm'")
print(sorted({m.split('.')[0] for m in sys.modules} & {'torch', 'torch_geometric'}))
"""


def test_a_lightgbm_query_imports_no_torch(tmp_path):
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, cwd=ROOT, timeout=300,
                          env={"PQL_HOME": str(tmp_path), "OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"
