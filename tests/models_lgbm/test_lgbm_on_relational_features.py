"""End to end without the orchestrator: relational features → LightGBM learns a churn-like target."""
from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import pyarrow as pa
from sklearn.metrics import roc_auc_score

from engine.features import relational_features
from engine.models.lightgbm_model import LightGBMModel
from engine.schema.model import Column, Database, ForeignKey, SemanticType as S, Table

START = dt.datetime(2023, 1, 1)


def build(con) -> Database:
    """300 customers; each buys as a Poisson process whose rate is fixed per customer."""
    rng = np.random.default_rng(0)
    n = 300
    rate = rng.choice([0.01, 0.05, 0.2], size=n)  # purchases per day
    ids, cust, when, amount = [], [], [], []
    for c in range(n):
        k = rng.poisson(rate[c] * 365)
        for t in np.sort(rng.uniform(0, 365, k)):
            ids.append(len(ids))
            cust.append(c)
            when.append(START + dt.timedelta(days=float(t)))
            amount.append(float(rng.gamma(2.0, 10.0)))
    con.register("c_src", pa.table({"customer_id": np.arange(n), "segment": rng.choice(["a", "b"], n)}))
    con.register("p_src", pa.table({"purchase_id": ids, "customer_id": cust, "ts": pa.array(when, pa.timestamp("us")), "amount": amount}))
    con.execute("CREATE TABLE customers AS SELECT * FROM c_src")
    con.execute("CREATE TABLE purchases AS SELECT * FROM p_src")

    def col(name, stype, dtype="BIGINT"):
        return Column(name=name, dtype=dtype, stype=stype)

    return Database(
        tables=(
            Table(name="customers", columns=(col("customer_id", S.ID), col("segment", S.CATEGORICAL, "VARCHAR")),
                  primary_key=("customer_id",)),
            Table(name="purchases", columns=(col("purchase_id", S.ID), col("customer_id", S.ID),
                                             col("ts", S.TIMESTAMP, "TIMESTAMP"), col("amount", S.NUMERICAL, "DOUBLE")),
                  primary_key=("purchase_id",), time_column="ts"),
        ),
        foreign_keys=(ForeignKey(table="purchases", columns=("customer_id",), ref_table="customers", ref_columns=("customer_id",)),),
    )


def examples(con, db, anchors):
    """Features at each anchor and whether the customer buys in the next 14 days."""
    seeds = con.sql("SELECT customer_id FROM customers ORDER BY customer_id").to_arrow_table()
    parts = []
    for a in anchors:
        parts.append(seeds.append_column("anchor_time", pa.array([a] * seeds.num_rows, pa.timestamp("us"))))
    seeds = pa.concat_tables(parts)
    X = relational_features(con, db, "customers", seeds, horizon=dt.timedelta(days=14))
    con.register("ex_seeds", seeds)
    y = con.sql(
        "SELECT count(p.ts) > 0 AS y FROM ex_seeds s LEFT JOIN purchases p ON p.customer_id = s.customer_id"
        " AND p.ts > s.anchor_time AND p.ts <= s.anchor_time + INTERVAL 14 DAY"
        " GROUP BY s.customer_id, s.anchor_time ORDER BY s.anchor_time, s.customer_id"
    ).fetchall()
    return X, np.array([int(r[0]) for r in y])


def test_lightgbm_learns_from_relational_features():
    con = duckdb.connect()
    con.execute("SET threads = 1")
    db = build(con)
    month = dt.timedelta(days=30)
    train = examples(con, db, [START + month * i for i in range(3, 8)])
    val = examples(con, db, [START + month * 8])
    test = examples(con, db, [START + month * 10])
    model = LightGBMModel().fit(train[0], train[1], val[0], val[1], "binary")
    auc = roc_auc_score(test[1], model.predict(test[0]))
    assert auc > 0.75, auc
    top = list(model.feature_importance())[:3]
    assert any(n.startswith("purchases__") for n in top)
