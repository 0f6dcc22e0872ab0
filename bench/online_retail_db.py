"""Load the real UCI Online Retail data into an in-memory DuckDB keyed to customers (for benchmarks).

customers ← invoices ← invoice_lines → products, from both Online Retail files (2009-12 … 2011-12);
the 2009-10 file's rows from 2010-12-01 on repeat the other file and are dropped (see SOURCE.md).
Guest checkouts (no customer id) are dropped.
"""
from __future__ import annotations

from pathlib import Path

import duckdb
from sqlglot import exp

from engine.schema.model import Column, Database, ForeignKey, SemanticType as S, Table, TimeSource

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "online_retail"

# Fixed SQL over our own file paths (no user input); the paths are bound as parameters.
_LOAD = [
    """CREATE TABLE raw AS
       SELECT "Invoice" AS invoice_no, "StockCode" AS stock_code, "Description" AS description,
              "Quantity" AS quantity, CAST("InvoiceDate" AS TIMESTAMP) AS invoice_date, "Price" AS price,
              CAST("Customer ID" AS BIGINT) AS customer_id, "Country" AS country
       FROM read_parquet($old) WHERE CAST("InvoiceDate" AS TIMESTAMP) < TIMESTAMP '2010-12-01'
       UNION ALL
       SELECT "InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice",
              CAST("CustomerID" AS BIGINT), "Country"
       FROM read_parquet($new)""",
    """CREATE TABLE customers AS
       SELECT customer_id, mode(country) AS country FROM raw WHERE customer_id IS NOT NULL GROUP BY customer_id""",
    """CREATE TABLE invoices AS
       SELECT invoice_no AS invoice_id, any_value(customer_id) AS customer_id, min(invoice_date) AS invoice_date,
              CASE WHEN invoice_no LIKE 'C%' THEN 'cancel' ELSE 'sale' END AS kind
       FROM raw WHERE customer_id IS NOT NULL GROUP BY invoice_no""",
    """CREATE TABLE products AS
       SELECT stock_code, any_value(description) AS description FROM raw GROUP BY stock_code""",
    """CREATE TABLE invoice_lines AS
       SELECT row_number() OVER () AS line_id, invoice_no AS invoice_id, stock_code, quantity, price
       FROM raw WHERE customer_id IS NOT NULL""",
    "DROP TABLE raw",
]


def load(con: duckdb.DuckDBPyConnection) -> Database:
    params = {"old": str(DATA / "online_retail_ii_2009_2010.parquet"), "new": str(DATA / "online_retail_2010_2011.parquet")}
    for statement in _LOAD:
        con.execute(statement, {k: v for k, v in params.items() if f"${k}" in statement})
    return schema(con)


def schema(con: duckdb.DuckDBPyConnection) -> Database:
    def c(name, dtype, stype):
        return Column(name=name, dtype=dtype, stype=stype)

    def rows(t):
        query = exp.select(exp.Count(this=exp.Star())).from_(exp.to_table(t, quoted=True))
        return con.sql(query.sql(dialect="duckdb")).fetchall()[0][0]

    line_fk = ForeignKey(table="invoice_lines", columns=("invoice_id",), ref_table="invoices", ref_columns=("invoice_id",))
    tables = (
        Table(name="customers", columns=(c("customer_id", "BIGINT", S.ID), c("country", "VARCHAR", S.CATEGORICAL)),
              primary_key=("customer_id",), num_rows=rows("customers")),
        Table(name="invoices",
              columns=(c("invoice_id", "VARCHAR", S.ID), c("customer_id", "BIGINT", S.ID),
                       c("invoice_date", "TIMESTAMP", S.TIMESTAMP), c("kind", "VARCHAR", S.CATEGORICAL)),
              primary_key=("invoice_id",), time_column="invoice_date", num_rows=rows("invoices")),
        Table(name="products", columns=(c("stock_code", "VARCHAR", S.ID), c("description", "VARCHAR", S.TEXT)),
              primary_key=("stock_code",), num_rows=rows("products")),
        Table(name="invoice_lines",
              columns=(c("line_id", "BIGINT", S.ID), c("invoice_id", "VARCHAR", S.ID), c("stock_code", "VARCHAR", S.ID),
                       c("quantity", "BIGINT", S.NUMERICAL), c("price", "DOUBLE", S.NUMERICAL)),
              primary_key=("line_id",), inherited_time=TimeSource(via=line_fk, parent_column="invoice_date"),
              num_rows=rows("invoice_lines")),
    )
    fks = (
        ForeignKey(table="invoices", columns=("customer_id",), ref_table="customers", ref_columns=("customer_id",)),
        line_fk,
        ForeignKey(table="invoice_lines", columns=("stock_code",), ref_table="products", ref_columns=("stock_code",)),
    )
    return Database(tables=tables, foreign_keys=fks)
