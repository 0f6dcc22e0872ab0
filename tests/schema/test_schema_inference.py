"""Introspection on small databases with deliberate difficulties (see tests/fixtures/databases.py)."""
from __future__ import annotations

import pytest

import connectors
from engine.schema import SemanticType, introspect
from tests.fixtures.databases import shop_frames, write_school_duckdb, write_shop_csvs


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    folder = write_shop_csvs(tmp_path_factory.mktemp("data") / "shop")
    with connectors.open(folder) as source:
        return introspect(source)


@pytest.fixture(scope="module")
def school(tmp_path_factory):
    path = write_school_duckdb(tmp_path_factory.mktemp("data") / "school.duckdb")
    with connectors.open(path) as source:
        return introspect(source)


def _links(db):
    return {(fk.table, fk.columns, fk.ref_table, fk.ref_columns) for fk in db.foreign_keys}


def test_no_declared_keys_primary_keys_by_name_and_uniqueness(shop):
    keys = {t.name: t.primary_key for t in shop.tables}
    assert keys == {
        "Customers": ("CustomerID",),  # mixed case, plural table
        "Product": ("ProductId",),  # singular table, camelCase key
        "order": ("order_id",),  # a table named like an SQL keyword
        "order_lines": (),  # no single-column key: none guessed (composite keys are never guessed)
        "referrals": ("referral_id",),
        "reviews": ("review_id",),
        "stock": ("stock_id",),
        "warehouse": ("warehouse_id",),
        "warehouses": ("warehouse_id",),
    }
    assert all(t.primary_key_inferred for t in shop.tables if t.primary_key)


def test_links_exactly(shop):
    assert _links(shop) == {
        ("order", ("customerId",), "Customers", ("CustomerID",)),
        ("order_lines", ("order_id",), "order", ("order_id",)),
        ("order_lines", ("product_id",), "Product", ("ProductId",)),
        ("referrals", ("referrer_customer_id",), "Customers", ("CustomerID",)),
        ("referrals", ("referred_customer_id",), "Customers", ("CustomerID",)),
    }
    assert all(fk.inferred and 0 < fk.score <= 1 for fk in shop.foreign_keys)


def test_dangling_values_lower_the_score_but_keep_the_link(shop):
    (fk,) = shop.foreign_keys_from("order")
    assert fk.containment == pytest.approx(6 / 7, abs=1e-3)  # customer 99 does not exist
    assert fk.score == pytest.approx(6 / 7, abs=1e-3)


def test_mostly_dangling_values_refuse_the_link_with_a_note(shop):
    assert shop.foreign_keys_from("reviews") == ()
    assert ("reviews.product_id -> Product: name matches but only 25% of sampled values are found there; "
            "not linked") in shop.notes


def test_two_links_from_one_table_to_the_same_table(shop):
    links = shop.foreign_keys_from("referrals")
    assert [fk.name for fk in links] == ["referrals.referrer_customer_id->Customers",
                                         "referrals.referred_customer_id->Customers"]
    assert all(fk.score == pytest.approx(0.7) for fk in links)  # role-prefixed names score lower
    assert shop.table("referrals").time_column == "created_at"


def test_ties_are_refused_and_said(shop):
    assert shop.foreign_keys_from("stock") == ()
    assert any(n.startswith("stock.warehouse_id: ambiguous link, could reference warehouse.warehouse_id, "
                            "warehouses.warehouse_id") for n in shop.notes)


def test_time_columns_prefer_creation_and_skip_last_and_updated(shop):
    times = {t.name: t.time_column for t in shop.tables}
    assert times["Customers"] == "SignupDate"  # not last_login_at
    assert times["order"] == "order_date"  # not updated_at
    assert times["reviews"] == "posted_at"
    assert times["Product"] is None and times["order_lines"] is None


def test_table_without_time_inherits_from_its_one_timed_parent(shop):
    lines = shop.table("order_lines")
    assert lines.is_timed and lines.time_column is None
    assert lines.inherited_time.via.name == "order_lines.order_id->order"
    assert lines.inherited_time.parent_column == "order_date"
    assert shop.table("Product").inherited_time is None and not shop.table("Product").is_timed


def test_case_insensitive_lookup(shop):
    assert shop.table("customers").name == "Customers"
    assert shop.table("ORDER").column("CUSTOMERID").name == "customerId"


def test_key_columns_are_ids(shop):
    order = shop.table("order")
    assert order.column("order_id").stype is SemanticType.ID
    assert order.column("customerId").stype is SemanticType.ID
    assert order.column("order_date").stype is SemanticType.TIMESTAMP
    assert order.column("total").stype is SemanticType.NUMERICAL


def test_declared_composite_keys_are_taken_as_declared(school):
    enrollments = school.table("enrollments")
    assert enrollments.primary_key == ("student_id", "course_code") and not enrollments.primary_key_inferred
    (composite,) = school.foreign_keys_from("grades")
    assert (composite.columns, composite.ref_table, composite.ref_columns) == (
        ("student_id", "course_code"), "enrollments", ("student_id", "course_code"))
    assert not composite.inferred and composite.score is None
    assert composite.name == "grades.student_id+course_code->enrollments"
    # declared foreign keys switch inference off; undeclared primary keys are still inferred
    assert "foreign keys are declared in the database; none inferred" in school.notes
    assert school.table("grades").primary_key == ("grade_id",) and school.table("grades").primary_key_inferred
    assert school.table_names == ("courses", "enrollments", "grades", "students")  # no _pql*, no truth.*


def test_in_memory_frames_give_the_same_answer_as_csv(shop):
    with connectors.open(shop_frames()) as source:
        db = introspect(source)
    assert _links(db) == _links(shop)
    assert [t.primary_key for t in db.tables] == [t.primary_key for t in shop.tables]


def test_plain_duckdb_connection_is_accepted():
    import duckdb

    con = duckdb.connect()
    con.execute("CREATE TABLE users (id INTEGER, created DATE); INSERT INTO users VALUES (1, '2024-01-01')")
    con.execute("CREATE TABLE posts (id INTEGER, user_id INTEGER, body VARCHAR); INSERT INTO posts VALUES (7, 1, 'hi')")
    db = introspect(con)
    assert db.table("users").primary_key == ("id",) and db.table("posts").primary_key == ("id",)
    assert [(fk.name, fk.ref_columns) for fk in db.foreign_keys] == [("posts.user_id->users", ("id",))]
    assert db.table("posts").inherited_time.parent_column == "created"
    con.close()


def test_a_column_named_after_a_table_links_to_it_when_its_values_are_found_there():
    """``purchase.customer`` -> customer.id (the issue's own LTV naming); a same-named column whose values
    are not keys there (``customer.status`` text vs ``status.id``) and a table's own label column are not."""
    import duckdb

    con = duckdb.connect()
    con.execute("CREATE TABLE customer (id INTEGER, status VARCHAR); "
                "INSERT INTO customer VALUES (1, 'gold'), (2, 'silver'), (3, 'gold')")
    con.execute("CREATE TABLE status (id INTEGER, status VARCHAR); INSERT INTO status VALUES (1, 'gold'), (2, 'silver')")
    con.execute("CREATE TABLE purchases (id INTEGER, customer INTEGER, amount DOUBLE); "
                "INSERT INTO purchases VALUES (10, 1, 5.0), (11, 3, 7.5), (12, 3, 1.0)")
    db = introspect(con)
    assert [(fk.name, fk.ref_columns, fk.score) for fk in db.foreign_keys] == [("purchases.customer->customer", ("id",), 0.8)]
    assert db.table("purchases").column("customer").stype is SemanticType.ID
    con.close()


def test_introspect_rejects_a_path():
    from pql.errors import SchemaError

    with pytest.raises(SchemaError, match="connectors.open"):
        introspect("data/f1")
