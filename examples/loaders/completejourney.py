"""84.51° / dunnhumby Complete Journey 2.0 (2017; 2,379 households in this copy, 2,469 in the full release) as a keyed loyalty/coupon database.

    households(household_id, has_demographics, age, income, home_ownership, marital_status,
               household_size, household_comp, kids_count)            demographics NULL when absent
    products(product_id, manufacturer_id, department, brand, product_category, product_type, package_size)
    transactions(transaction_id, household_id -> households, product_id -> products, store_id,
                 basket_id, quantity, sales_value, retail_disc, coupon_disc, coupon_match_disc,
                 week, transaction_timestamp)                        the package's 75,000-line sample
    campaigns(campaign_id, campaign_type, start_date, end_date)
    campaign_recipients(id, household_id -> households, campaign_id -> campaigns, received_date)
    coupons(coupon_id, coupon_upc, campaign_id -> campaigns)          one row per (UPC, campaign)
    coupon_products(id, coupon_id -> coupons, product_id -> products)
    coupon_redemptions(redemption_id, household_id -> households, coupon_id -> coupons,
                       campaign_id -> campaigns, redemption_date)
    promotions(id, product_id -> products, store_id, display_location, mailer_location, week,
               week_start)                                            only with include_promotions=True

Keys the source lacks are made here: a coupon UPC is reused across campaigns, so ``coupons`` gets
a surrogate ``coupon_id`` per (UPC, campaign); a recipient is dated by its campaign's start. 222
transaction lines and 16 coupon rows name 10 products missing from the product file; those
products are added with NULL attributes rather than dropping the facts. Weeks run Monday to Sunday;
week 1 starts 2016-12-26.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from examples.generators.duckdb_writer import ForeignKeySpec, TableSpec, write_database
from examples.loaders._common import SHARED_DATA, cli, require_files, to_arrow

DEFAULT_DATA_DIR = SHARED_DATA / "completejourney"
WEEK_ONE_START = pd.Timestamp("2016-12-26")
_FILES = ("households.parquet", "demographics.parquet", "products.parquet", "transactions_sample.parquet",
          "campaign_descriptions.parquet", "campaigns.parquet", "coupons.parquet", "coupon_redemptions.parquet",
          "promotions_sample.parquet")


def _key(column: str, table: str) -> ForeignKeySpec:
    return ForeignKeySpec(column=column, ref_table=table, ref_column=column)


def _numbered(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    frame = frame.reset_index(drop=True)
    frame.insert(0, key, np.arange(1, len(frame) + 1, dtype=np.int64))
    return frame


def load(out_path: str | os.PathLike, *, data_dir: str | os.PathLike = DEFAULT_DATA_DIR,
         include_promotions: bool = False) -> Path:
    folder = require_files(data_dir, _FILES)
    read = lambda name: pq.read_table(folder / name).to_pandas()  # noqa: E731

    households = read("households.parquet").merge(read("demographics.parquet"), on="household_id", how="left")
    households["has_demographics"] = households["has_demographics"].astype(bool)

    transactions = read("transactions_sample.parquet").sort_values(
        ["transaction_timestamp", "basket_id", "product_id"], kind="stable")
    transactions = _numbered(transactions, "transaction_id")

    campaigns = read("campaign_descriptions.parquet").sort_values("campaign_id")
    recipients = read("campaigns.parquet").merge(campaigns[["campaign_id", "start_date"]], on="campaign_id")
    recipients = _numbered(recipients.rename(columns={"start_date": "received_date"})
                           .sort_values(["received_date", "campaign_id", "household_id"]), "id")

    coupon_rows = read("coupons.parquet").drop_duplicates()
    coupons = _numbered(coupon_rows[["coupon_upc", "campaign_id"]].drop_duplicates()
                        .sort_values(["campaign_id", "coupon_upc"]), "coupon_id")
    coupon_products = _numbered(coupon_rows.merge(coupons, on=["coupon_upc", "campaign_id"])
                                [["coupon_id", "product_id"]].sort_values(["coupon_id", "product_id"]), "id")
    redemptions = read("coupon_redemptions.parquet").merge(coupons, on=["coupon_upc", "campaign_id"], how="left")
    redemptions = _numbered(redemptions[["household_id", "coupon_id", "campaign_id", "redemption_date"]]
                            .sort_values(["redemption_date", "household_id", "coupon_id"]), "redemption_id")

    products = read("products.parquet")
    products["product_id"] = products["product_id"].astype(np.int64)
    promotions = None
    referenced = [transactions["product_id"], coupon_products["product_id"]]
    if include_promotions:
        promotions = read("promotions_sample.parquet").sort_values(["week", "product_id", "store_id"])
        promotions["week_start"] = WEEK_ONE_START + pd.to_timedelta((promotions["week"] - 1) * 7, unit="D")
        promotions = _numbered(promotions, "id")
        referenced.append(promotions["product_id"])
    missing = np.setdiff1d(pd.concat(referenced).unique(), products["product_id"].to_numpy())
    products = pd.concat([products, pd.DataFrame({"product_id": missing})], ignore_index=True)
    products["manufacturer_id"] = products["manufacturer_id"].astype("Int64")

    tables = [
        (TableSpec(name="households", primary_key="household_id"), to_arrow(households)),
        (TableSpec(name="products", primary_key="product_id"), to_arrow(products)),
        (TableSpec(name="transactions", primary_key="transaction_id",
                   foreign_keys=(_key("household_id", "households"), _key("product_id", "products"))),
         to_arrow(transactions)),
        (TableSpec(name="campaigns", primary_key="campaign_id"), to_arrow(campaigns)),
        (TableSpec(name="campaign_recipients", primary_key="id",
                   foreign_keys=(_key("household_id", "households"), _key("campaign_id", "campaigns"))),
         to_arrow(recipients[["id", "household_id", "campaign_id", "received_date"]])),
        (TableSpec(name="coupons", primary_key="coupon_id", foreign_keys=(_key("campaign_id", "campaigns"),)),
         to_arrow(coupons)),
        (TableSpec(name="coupon_products", primary_key="id",
                   foreign_keys=(_key("coupon_id", "coupons"), _key("product_id", "products"))),
         to_arrow(coupon_products)),
        (TableSpec(name="coupon_redemptions", primary_key="redemption_id",
                   foreign_keys=(_key("household_id", "households"), _key("coupon_id", "coupons"),
                                 _key("campaign_id", "campaigns"))),
         to_arrow(redemptions)),
    ]
    if promotions is not None:
        tables.append((TableSpec(name="promotions", primary_key="id", foreign_keys=(_key("product_id", "products"),)),
                       to_arrow(promotions)))
    return write_database(out_path, tables)


def main(argv: list[str] | None = None) -> Path:
    return cli(load, description=__doc__.splitlines()[0], default_data_dir=DEFAULT_DATA_DIR, argv=argv)


if __name__ == "__main__":
    main()
