"""A tiny randomized e-mail experiment shaped like Hillstrom, for the cohort (random-split) tests.

    customer(customer_id PK, segment)                      untimed
    purchase(id PK, customer_id -> customer, amount, ts)    history, 2024-04-20 .. 04-29 (before the anchor)
    email(id PK, customer_id -> customer, campaign, sent_at)  the treatment, sent 2024-05-01 09:00
    visit(id PK, customer_id -> customer, ts)               outcomes, 2024-05-02 12:00 .. 05-14 12:00

120 customers; customer i gets arm i % 3 (0: no e-mail, 1: 'Mens E-Mail', 2: 'Womens E-Mail') and
visits iff (i // 3) % 4 == 0, so every (arm, label) stratum holds 10 or 30 customers. The history is
shorter than the 14-day window, so no temporal anchor fits: a single cohort at ANCHOR.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import duckdb

import pql

ANCHOR = datetime(2024, 5, 1)
SEND = datetime(2024, 5, 1, 9)
ARMS = {1: "Mens E-Mail", 2: "Womens E-Mail"}
N = 120
OUTCOME = "PREDICT COUNT(visit.*, 0, 14, days) > 0 FOR EACH customer.customer_id"
TREATED = OUTCOME + " ASSUMING FIRST(email.campaign, 0, 14, days) IN ('Mens E-Mail', 'Womens E-Mail')"


def emails(send: datetime = SEND, shift: int = 0) -> list[tuple]:
    """One e-mail per treated customer (``shift`` moves them to other customers)."""
    return [(i, 1 + (i - 1 + shift) % N, ARMS[i % 3], send) for i in range(1, N + 1) if i % 3]


def cohort_connection(email_rows: list[tuple] | None = None) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("""
        create table customer(customer_id int primary key, segment varchar);
        create table purchase(id int primary key, customer_id int references customer(customer_id),
                              amount double, ts timestamp);
        create table email(id int primary key, customer_id int references customer(customer_id),
                           campaign varchar, sent_at timestamp);
        create table visit(id int primary key, customer_id int references customer(customer_id), ts timestamp);
    """)
    con.executemany("insert into customer values (?, ?)", [(i, ["a", "b"][i % 2]) for i in range(1, N + 1)])
    con.executemany("insert into purchase values (?, ?, ?, ?)",
                    [(i, i, float(i % 7), datetime(2024, 4, 20, 1) + timedelta(days=i % 10)) for i in range(1, N + 1)])
    con.executemany("insert into email values (?, ?, ?, ?)", emails() if email_rows is None else email_rows)
    con.executemany("insert into visit values (?, ?, ?)",
                    [(i, i, datetime(2024, 5, 2, 12) + timedelta(days=i % 13)) for i in range(1, N + 1)
                     if (i // 3) % 4 == 0])
    return con


def session(email_rows: list[tuple] | None = None) -> pql.Session:
    return pql.connect(cohort_connection(email_rows))


def with_options(query: str, **options: object) -> str:
    text = ", ".join(f"{k} = {v!r}" if isinstance(v, str) else f"{k} = {v}" for k, v in options.items())
    return f"{query} WITH {text}" if text else query
