"""README lists the binary EVALUATE metrics in the order the metrics table gives them."""
from __future__ import annotations

import re
from pathlib import Path

import pql
from tests.api.shop import BUYS, tables

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_names_the_binary_metrics_in_their_output_order():
    listed = re.search(r"Binary: ((?:`\w+`(?:, )?)+)", README.read_text(encoding="utf-8"))
    assert listed, "README's list of binary metrics moved: update this test"
    with pql.connect(tables(), log=lambda m: None) as s:
        metrics = s.evaluate(BUYS)
    shown = [r["metric"] for r in metrics.to_pylist() if r["split"] == "test" and r["model"] == "heuristic"]
    assert re.findall(r"`(\w+)`", listed.group(1)) == shown
