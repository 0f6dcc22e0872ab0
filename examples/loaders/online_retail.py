"""UCI Online Retail I + II (UK gift-ware e-shop, 2009-12 … 2011-12) as one keyed database.

    customers(customer_id, country)
    products(stock_code, description, unit_price)              unit_price: median list price
    invoices(invoice_no, customer_id -> customers, invoice_date, country, is_cancellation)
    invoice_lines(line_id, invoice_no -> invoices, customer_id -> customers,
                  stock_code -> products, quantity, unit_price, amount, invoice_date, is_cancellation)

The two source files overlap on 2010-12-01 … 2010-12-09 (the 2009-10 file repeats the other's
first days); that range is taken from the 2010-11 file only. Lines without a customer (guest
checkouts) are dropped. Cancellations (invoice numbers starting with ``C``) are kept with their
negative quantities and flagged ``is_cancellation``. ``invoice_lines`` repeats the invoice's
customer and date so that per-customer line queries need no second hop. Stock codes are
upper-cased (the files mix ``85123a`` and ``85123A``).
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from examples.generators.duckdb_writer import ForeignKeySpec, TableSpec, write_database
from examples.loaders._common import SHARED_DATA, cli, require_files, to_arrow

DEFAULT_DATA_DIR = SHARED_DATA / "online_retail"
FILE_2009 = "online_retail_ii_2009_2010.parquet"
FILE_2010 = "online_retail_2010_2011.parquet"
OVERLAP_START = pd.Timestamp("2010-12-01")  # first day of the 2010-11 file
_COLUMNS = ["invoice_no", "stock_code", "description", "quantity", "invoice_date", "unit_price",
            "customer_id", "country"]


def _read(folder: Path) -> pd.DataFrame:
    early = pq.read_table(folder / FILE_2009).to_pandas()
    early.columns = _COLUMNS  # Invoice, StockCode, Description, Quantity, InvoiceDate, Price, Customer ID, Country
    early["invoice_date"] = pd.to_datetime(early["invoice_date"])
    early = early[early["invoice_date"] < OVERLAP_START]
    late = pq.read_table(folder / FILE_2010).to_pandas()
    late.columns = _COLUMNS
    return pd.concat([early, late], ignore_index=True)


def _most_frequent(frame: pd.DataFrame, key: str, column: str) -> pd.Series:
    counts = frame.dropna(subset=[column]).groupby([key, column]).size().rename("n").reset_index()
    counts = counts.sort_values([key, "n", column], ascending=[True, False, True])
    return counts.drop_duplicates(key).set_index(key)[column]


def load(out_path: str | os.PathLike, *, data_dir: str | os.PathLike = DEFAULT_DATA_DIR,
         start: str | None = None, end: str | None = None) -> Path:
    """Load both years; ``start``/``end`` (inclusive / exclusive dates) keep a slice, e.g. for tests."""
    folder = require_files(data_dir, (FILE_2009, FILE_2010))
    lines = _read(folder)
    if start is not None:
        lines = lines[lines["invoice_date"] >= pd.Timestamp(start)]
    if end is not None:
        lines = lines[lines["invoice_date"] < pd.Timestamp(end)]
    lines = lines.dropna(subset=["customer_id"]).copy()
    lines["customer_id"] = lines["customer_id"].astype(np.int64)
    lines["stock_code"] = lines["stock_code"].str.strip().str.upper()
    lines["is_cancellation"] = lines["invoice_no"].str.startswith("C")

    # an invoice's lines may differ by a minute; the invoice takes its first
    invoices = (lines.groupby("invoice_no", sort=False)
                .agg(customer_id=("customer_id", "first"), invoice_date=("invoice_date", "min"),
                     country=("country", "first"), is_cancellation=("is_cancellation", "first"))
                .reset_index())
    lines = lines.drop(columns=["customer_id", "invoice_date"]).merge(
        invoices[["invoice_no", "customer_id", "invoice_date"]], on="invoice_no")
    lines = lines.sort_values(["invoice_date", "invoice_no"], kind="stable").reset_index(drop=True)
    lines.insert(0, "line_id", np.arange(1, len(lines) + 1, dtype=np.int64))
    lines["amount"] = (lines["quantity"] * lines["unit_price"]).round(2)

    products = pd.DataFrame({"stock_code": lines["stock_code"].unique()})
    products["description"] = products["stock_code"].map(_most_frequent(lines, "stock_code", "description"))
    positive = lines[lines["unit_price"] > 0]
    products["unit_price"] = products["stock_code"].map(positive.groupby("stock_code")["unit_price"].median())
    customers = pd.DataFrame({"customer_id": np.sort(lines["customer_id"].unique())})
    customers["country"] = customers["customer_id"].map(_most_frequent(lines, "customer_id", "country"))
    invoices = invoices.sort_values(["invoice_date", "invoice_no"], kind="stable")

    to_customers = ForeignKeySpec(column="customer_id", ref_table="customers", ref_column="customer_id")
    tables = [
        (TableSpec(name="customers", primary_key="customer_id"), to_arrow(customers)),
        (TableSpec(name="products", primary_key="stock_code"), to_arrow(products)),
        (TableSpec(name="invoices", primary_key="invoice_no", foreign_keys=(to_customers,)), to_arrow(invoices)),
        (TableSpec(name="invoice_lines", primary_key="line_id", foreign_keys=(
            ForeignKeySpec(column="invoice_no", ref_table="invoices", ref_column="invoice_no"), to_customers,
            ForeignKeySpec(column="stock_code", ref_table="products", ref_column="stock_code"))),
         to_arrow(lines[["line_id", "invoice_no", "customer_id", "stock_code", "quantity", "unit_price",
                         "amount", "invoice_date", "is_cancellation"]])),
    ]
    return write_database(out_path, tables)


def main(argv: list[str] | None = None) -> Path:
    return cli(load, description=__doc__.splitlines()[0], default_data_dir=DEFAULT_DATA_DIR, argv=argv)


if __name__ == "__main__":
    main()
