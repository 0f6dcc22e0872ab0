"""EVALUATE on uplift queries reports Qini, AUUC and uplift@k on the held-out (randomized) test rows."""
from __future__ import annotations

import math

import pql

ARMS = ("PREDICT COUNT(purchase.*, 0, 30, days) > 0 FOR EACH customer "
        "ASSUMING FIRST(promo.channel, 0, 7, days) IN ('email', 'sms') WITH model = 'heuristic'")
PLAIN = ("PREDICT COUNT(purchase.*, 0, 30, days) > 0 FOR EACH customer "
         "ASSUMING COUNT(promo.*, 0, 7, days) > 0 WITH model = 'heuristic'")


def test_metrics(promo_db):
    with pql.connect(str(promo_db)) as session:
        table = session.evaluate(PLAIN)
    test = {r["metric"]: r["value"] for r in table.to_pylist() if r["split"] == "test"}
    assert {"qini", "auuc", "uplift_at_10", "uplift_at_20", "uplift_at_30", "outcome_auroc"} <= set(test)
    assert all(math.isfinite(v) for v in test.values())
    # the baseline predicts one uplift for everyone: a single tie, ranked no better than at random
    assert test["qini"] == 0 and test["auuc"] == 0


def test_metrics_per_arm(promo_db):
    with pql.connect(str(promo_db)) as session:
        table = session.evaluate(ARMS)
    test = {r["metric"]: r["value"] for r in table.to_pylist() if r["split"] == "test"}
    for arm in ("email", "sms"):
        assert {f"qini_{arm}", f"auuc_{arm}", f"uplift_at_10_{arm}", f"uplift_at_30_{arm}"} <= set(test)
    assert test["qini"] == (test["qini_email"] + test["qini_sms"]) / 2
