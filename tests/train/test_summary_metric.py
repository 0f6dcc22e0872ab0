"""`engine.run._shown`: the one-line summary prints a missing or undefined validation metric as n/a."""
from __future__ import annotations

from engine.run import _shown


def test_an_undefined_metric_reads_n_a_and_a_defined_one_four_decimals():
    assert _shown(None) == "n/a"
    assert _shown(float("nan")) == "n/a"  # AUROC of a validation split whose labels are all one class
    assert _shown(0.83984) == "0.8398"
