"""Time a 90-day churn training table on the real Online Retail data, against one full table scan.

    .venv/bin/python -m bench.labels_bench [--repeats 5] [--threads 2] [--stride 90]

Queries (bound by hand, as the binder would bind them):

    PREDICT COUNT(invoices.*, 0, 90, days) = 0
    FOR EACH customers.customer_id WHERE COUNT(invoices.*, -90, 0, days) > 0

and the same through invoice_lines (invoice_lines -> invoices -> customers, time inherited from
invoices). The reference is one full scan of invoice_lines: every column of every row read into Arrow
(``SELECT * … to_arrow_table()``), measured in the same run; the ratio is the training table's time
over the scan's (median of ``--repeats``). The target is a ratio of at most 3.
"""
from __future__ import annotations

import argparse
import statistics
import time

import duckdb
from sqlglot import exp

from bench.online_retail_db import load
from engine.labels import training_table
from engine.schema.model import Database, SemanticType
from pql.bound import BAggregation, BCompare, BLiteral, BoundEntity, BoundQuery, BWindow, TaskType


def churn_query(db: Database, table: str, stride: float | None) -> BoundQuery:
    path = []
    current = table
    while current != "customers":  # walk child -> parent FKs up to customers
        fk = next(fk for fk in db.foreign_keys_from(current) if fk.ref_table in ("invoices", "customers"))
        path.append(fk)
        current = fk.ref_table

    def count(start: float, end: float) -> BAggregation:
        return BAggregation(func="COUNT", table=table, column=None, filter=None, window=BWindow(start=start, end=end),
                            path=tuple(path), time_column="invoice_date", result_stype=SemanticType.NUMERICAL)

    zero = BLiteral(value=0, kind="number")
    options = (("anchor_stride", stride),) if stride else ()
    return BoundQuery(text=f"churn through {table}", mode="predict", task=TaskType.BINARY,
                      entity=BoundEntity(table="customers", key=("customer_id",)),
                      target=BCompare(op="=", left=count(0, 90), right=zero),
                      where=BCompare(op=">", left=count(-90, 0), right=zero), options=options)


def timed(fn, repeats: int) -> tuple[float, object]:
    fn()  # warm-up: first touches of the tables
    times, out = [], None
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--stride", type=float, default=None, help="days between anchors (default: 90)")
    args = parser.parse_args()

    con = duckdb.connect()
    con.execute(f"SET threads = {int(args.threads)}")  # an int, never user text
    db = load(con)
    print(", ".join(f"{t.name}={t.num_rows:,}" for t in db.tables))

    scan_sql = exp.select("*").from_(exp.Table(this=exp.to_identifier("invoice_lines", quoted=True))).sql("duckdb")
    scan, lines = timed(lambda: con.sql(scan_sql).to_arrow_table(), args.repeats)
    print(f"full scan of invoice_lines ({lines.num_rows:,} rows x {lines.num_columns} columns): {scan * 1000:.0f} ms")

    for table in ("invoices", "invoice_lines"):
        bq = churn_query(db, table, args.stride)
        elapsed, tt = timed(lambda: training_table(con, db, bq), args.repeats)
        counts = tt.counts()
        anchors = sum(len(getattr(tt.schedule, s)) for s in ("train", "val", "test"))
        rate = tt.positive_rate("train")
        print(f"churn via {table}: {elapsed * 1000:.0f} ms = {elapsed / scan:.2f}x the scan; "
              f"{anchors} anchors, rows {counts}, train churn rate {rate:.1%}")
        for w in tt.warnings:
            print(f"  warning: {w}")


if __name__ == "__main__":
    main()
