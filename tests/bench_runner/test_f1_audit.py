"""bench.f1_audit's rules read only rows before the anchor and label only the 30 days after it."""
import pandas as pd
import pytest

from bench.f1_audit import audit_top3

T = pd.Timestamp("2010-06-01")


def test_top3_labels_and_past_only_scores_by_hand():
    qualifying = pd.DataFrame({
        "driverId": [1, 1, 1, 2, 2],
        "position": [2, 1, 9, 8, 5],
        # driver 1: P2 200 days before, P1 *after* the anchor (label), P9 10 days before;
        # driver 2: P8 10 days before, P5 after the anchor
        "t": [T - pd.Timedelta(days=200), T + pd.Timedelta(days=5), T - pd.Timedelta(days=10),
              T - pd.Timedelta(days=10), T + pd.Timedelta(days=3)],
    })
    rows = pd.DataFrame({"driverId": [1, 2], "anchor": [T, T], "label": [1, 0]})
    out = audit_top3(rows, qualifying)
    assert out["labels differing from pql"] == 0 and out["positive rate"] == 0.5
    # the P1 after the anchor is the label, never a feature: in the past, driver 1's best is P2 (top-3
    # rate 1/2) and driver 2's P8, so both year rules rank driver 1 first; the last 30 days show
    # neither in the top 3 (a tie)
    assert out["best position"] == 1.0 and out["top-3 rate"] == 1.0 and out["last window"] == pytest.approx(0.5)
