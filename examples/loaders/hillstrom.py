"""Kevin Hillstrom's MineThatData e-mail experiment (64,000 customers, randomised 1/3 each to a
men's e-mail, a women's e-mail or no e-mail) as a dated, keyed event database.

    customer(customer_id, recency, history_segment, history, mens, womens, zip_code, newbie, channel)
    email(id, customer_id -> customer, campaign, sent_at)           treated customers only
    visit(id, customer_id -> customer, timestamp)                    customers who visited
    conversion(id, customer_id -> customer, spend, timestamp)        customers who bought

The source has no dates, only "within two weeks of the send", so dates are placed here: every
e-mail is sent at ``SEND_TIME`` (2008-03-01 09:00); each visit falls at a seeded random moment in
the following 13.5 days and each conversion within two hours after its visit. Everything lands in
the window (``ANCHOR``, ``ANCHOR`` + 14 days] with ``ANCHOR`` = 2008-03-01 00:00, so with
``anchor_time = '2008-03-01'`` the uplift query reads, in pql::

    PREDICT COUNT(visit.*, 0, 14, days) > 0 FOR EACH customer.customer_id
    ASSUMING COUNT(email.*, 0, 14, days) > 0
    WITH anchor_time = '2008-03-01'

(``COUNT(email.* WHERE email.campaign = 'Mens E-Mail', 0, 14, days) > 0`` for one arm). The
customer columns describe the customer at the send. The published visit rates per arm —
Mens E-Mail 18.28%, Womens E-Mail 15.14%, No E-Mail 10.62% — are reproduced by::

    SELECT coalesce(e.campaign, 'No E-Mail') AS arm,
           avg(CASE WHEN v.customer_id IS NULL THEN 0 ELSE 1 END) AS visit_rate
    FROM customer AS c
    LEFT JOIN email AS e ON e.customer_id = c.customer_id
    LEFT JOIN (SELECT DISTINCT customer_id FROM visit
               WHERE timestamp > TIMESTAMP '2008-03-01' AND timestamp <= TIMESTAMP '2008-03-15') AS v
           ON v.customer_id = c.customer_id
    GROUP BY arm

(see ``VISIT_RATE_SQL``). There is a single experiment, so there is no earlier history to slide
anchors back through: models must learn from the customer columns of this one cohort.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.csv as pacsv

from examples.generators.duckdb_writer import ForeignKeySpec, TableSpec, write_database
from examples.loaders._common import SHARED_DATA, cli, require_files, to_arrow

DEFAULT_DATA_DIR = SHARED_DATA / "hillstrom"
ANCHOR = pd.Timestamp("2008-03-01")
SEND_TIME = pd.Timestamp("2008-03-01 09:00")
VISIT_SPREAD = pd.Timedelta(days=13.5)
CONTROL_ARM = "No E-Mail"
PUBLISHED_VISIT_RATES = {"Mens E-Mail": 0.1828, "Womens E-Mail": 0.1514, CONTROL_ARM: 0.1062}
VISIT_RATE_SQL = """
SELECT coalesce(e.campaign, 'No E-Mail') AS arm,
       avg(CASE WHEN v.customer_id IS NULL THEN 0 ELSE 1 END) AS visit_rate
FROM customer AS c
LEFT JOIN email AS e ON e.customer_id = c.customer_id
LEFT JOIN (SELECT DISTINCT customer_id FROM visit
           WHERE timestamp > TIMESTAMP '2008-03-01' AND timestamp <= TIMESTAMP '2008-03-15') AS v
       ON v.customer_id = c.customer_id
GROUP BY arm
ORDER BY arm
"""


def _events(frame: pd.DataFrame, when: pd.Series, **columns: pd.Series) -> pd.DataFrame:
    """Event rows for ``frame``'s customers, sorted by time, numbered from 1."""
    events = pd.DataFrame({"customer_id": frame["customer_id"].to_numpy(), **columns, "timestamp": when.to_numpy()})
    events = events.sort_values(["timestamp", "customer_id"], kind="stable").reset_index(drop=True)
    events.insert(0, "id", np.arange(1, len(events) + 1, dtype=np.int64))
    return events


def load(out_path: str | os.PathLike, *, data_dir: str | os.PathLike = DEFAULT_DATA_DIR, seed: int = 0) -> Path:
    folder = require_files(data_dir, ("hillstrom.csv",))
    raw = pacsv.read_csv(folder / "hillstrom.csv").to_pandas()
    raw.insert(0, "customer_id", np.arange(1, len(raw) + 1, dtype=np.int64))
    rng = np.random.default_rng(seed)

    treated = raw[raw["segment"] != CONTROL_ARM]
    email = _events(treated, pd.Series(SEND_TIME, index=treated.index), campaign=treated["segment"].to_numpy())
    email = email.rename(columns={"timestamp": "sent_at"})

    visit_offset = pd.to_timedelta(rng.uniform(0, VISIT_SPREAD.total_seconds(), len(raw)).round(), unit="s")
    visit_time = SEND_TIME + visit_offset
    visited = raw["visit"] == 1
    visit = _events(raw[visited], visit_time[visited])
    converted = raw["conversion"] == 1
    conversion_time = visit_time + pd.to_timedelta(rng.uniform(60, 7_200, len(raw)).round(), unit="s")
    conversion = _events(raw[converted], conversion_time[converted], spend=raw.loc[converted, "spend"].to_numpy())

    customer = raw.drop(columns=["segment", "visit", "conversion", "spend"])
    to_customer = (ForeignKeySpec(column="customer_id", ref_table="customer", ref_column="customer_id"),)
    tables = [
        (TableSpec(name="customer", primary_key="customer_id"), to_arrow(customer)),
        (TableSpec(name="email", primary_key="id", foreign_keys=to_customer), to_arrow(email)),
        (TableSpec(name="visit", primary_key="id", foreign_keys=to_customer), to_arrow(visit)),
        (TableSpec(name="conversion", primary_key="id", foreign_keys=to_customer), to_arrow(conversion)),
    ]
    return write_database(out_path, tables)


def main(argv: list[str] | None = None) -> Path:
    return cli(load, description=__doc__.splitlines()[0], default_data_dir=DEFAULT_DATA_DIR, argv=argv)


if __name__ == "__main__":
    main()
