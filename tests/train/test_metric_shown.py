"""`engine.metrics.shown`: logs and the one-line summary print a missing or undefined metric as n/a."""
from __future__ import annotations

from engine.metrics import shown


def test_an_undefined_metric_reads_n_a_and_a_defined_one_four_decimals():
    assert shown(None) == "n/a"
    assert shown(float("nan")) == "n/a"  # AUROC of a validation split whose labels are all one class
    assert shown(0.83984) == "0.8398"
