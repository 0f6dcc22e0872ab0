"""The grammar ships inside the wheel: build a wheel, unpack it, and parse with the packaged grammar
(not the repository's) in a separate interpreter."""
from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json, pql, pql.grammar_loader as g
(s,) = pql.parse("PREDICT COUNT(orders.*, 0, 30) > 0 FOR EACH customers.customer_id")
print(json.dumps({"pql": pql.__file__, "grammar": g.grammar_location(), "stmt": str(s)}))
"""


def _wheel_command(dist: Path) -> list[str]:
    """``pip wheel`` for the repository; with hatchling installed (the dev extras bring it) the build uses
    it in place, so the test needs no package registry."""
    isolation = [] if importlib.util.find_spec("hatchling") is None else ["--no-build-isolation"]
    return [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", *isolation, "-w", str(dist), str(ROOT)]


def test_wheel_contains_the_grammar_and_parses_with_it(tmp_path):
    dist = tmp_path / "dist"
    build = subprocess.run(_wheel_command(dist),
        capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stderr[-3000:]
    (wheel,) = dist.glob("pql-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        assert "pql/grammar/pql.lark" in zf.namelist()
        assert zf.read("pql/grammar/pql.lark") == (ROOT / "grammar" / "pql.lark").read_bytes()
        site = tmp_path / "site"
        zf.extractall(site)

    # The unpacked wheel comes first; whatever else the interpreter was given (its dependencies may come
    # through PYTHONPATH) stays behind it.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(site), os.environ.get("PYTHONPATH")) if p)}
    probe = subprocess.run([sys.executable, "-c", PROBE], cwd=tmp_path, env=env, capture_output=True,
                           text=True, timeout=120)
    assert probe.returncode == 0, probe.stderr[-3000:]
    seen = json.loads(probe.stdout.strip().splitlines()[-1])
    assert Path(seen["pql"]).is_relative_to(site)
    assert Path(seen["grammar"]).is_relative_to(site)
    assert seen["stmt"] == "PREDICT COUNT(orders.*, 0, 30, days) > 0 FOR EACH customers.customer_id"
