"""Amounts that cancel sum to exactly 0, in labels and in the target's own history, whatever order DuckDB
adds them in (a residue of 1e-14 would count as "spent something" and change models from run to run)."""
import numpy as np
import pandas as pd
import pyarrow.compute as pc
import pytest

import pql
from engine.train.lgbm.features import FeatureSource

SPEND = "PREDICT SUM(orders.amount, 0, 9, days) FOR EACH customers.customer_id"


@pytest.fixture
def session():
    rows = [(day, customer, amount) for day in pd.date_range("2024-01-01", periods=60, freq="D")
            for customer, amount in ((0, 0.1), (0, 0.2), (0, -0.3), (1, 1.5), (2, 1.5))]
    # customer 0 buys for 0.1 and 0.2 and returns 0.3 each day: every window of it sums to 0
    orders = pd.DataFrame({"order_id": range(len(rows)), "customer_id": [r[1] for r in rows],
                           "amount": [r[2] for r in rows], "at": [r[0] for r in rows]})
    tables = {"customers": pd.DataFrame({"customer_id": [0, 1, 2]}), "orders": orders}
    with pql.connect(tables, overrides="pk customers = customer_id; pk orders = order_id; "
                                       "fk orders.customer_id -> customers") as s:
        yield s


def _customer_zero(table):
    return table.filter(pc.equal(table.column("customer_id"), 0))


def test_labels_of_cancelling_amounts_are_exactly_zero(session):
    assert 0.1 + 0.2 - 0.3 != 0.0  # the residue a plain sum leaves
    labels = _customer_zero(session.training_table(SPEND).table).column("label").to_pylist()
    assert labels and set(labels) == {0.0}


def test_the_targets_history_of_cancelling_amounts_is_exactly_zero(session):
    bq, tt = session.bind(SPEND), session.training_table(SPEND)
    source = FeatureSource.for_query(bq, tt.label_columns, lags=(1, 2, 3, 0), max_aggregations=3, max_features=500)
    features = _customer_zero(source.build(session.con, session.db, bq, tt.split("train")))
    history = [c for c in features.column_names if c.startswith("history__target__sum")]
    assert history
    values = np.concatenate([np.asarray(features.column(c).to_pylist(), dtype=float) for c in history])
    assert set(values[~np.isnan(values)]) == {0.0}
