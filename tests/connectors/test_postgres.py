"""A PostgreSQL database as a source, on a throw-away server (tests/fixtures/postgres_server.py)."""
from __future__ import annotations

import itertools
import os
from datetime import datetime

import pytest

import connectors
import pql
from pql.errors import ConnectorError, EngineError, PQLError
from tests.api.shop import BUYS, tables
from tests.fixtures.postgres_server import start_server

_names = itertools.count()


@pytest.fixture(scope="module")
def server():
    started = start_server()
    if isinstance(started, str):
        if os.environ.get("CI") == "true":  # CI has Debian's package (installed if missing): no server is a failure
            pytest.fail(started)
        pytest.skip(started)  # a developer machine without PostgreSQL and without root to install it
    yield started
    started.stop()


@pytest.fixture
def database(server):
    return server.create_database(f"pql_test_{next(_names)}")


def _execute(uri: str, *statements: str) -> None:
    import adbc_driver_postgresql.dbapi as pg

    with pg.connect(uri) as con, con.cursor() as cur:
        for statement in statements:
            cur.execute(statement)
        con.commit()


def _fetch(uri: str, query: str) -> list[tuple]:
    import adbc_driver_postgresql.dbapi as pg

    with pg.connect(uri) as con, con.cursor() as cur:
        cur.execute(query)
        return [tuple(r) for r in cur.fetchall()]


def _shop(uri: str) -> str:
    import adbc_driver_postgresql.dbapi as pg

    _execute(uri, "CREATE TABLE customers (customer_id integer PRIMARY KEY, joined_at timestamp)",
             "CREATE TABLE purchases (purchase_id integer PRIMARY KEY, "
             "customer_id integer REFERENCES customers (customer_id), amount double precision, bought_at timestamp)")
    with pg.connect(uri) as con, con.cursor() as cur:
        for name, table in tables().items():  # parents first: the keys are enforced
            cur.adbc_ingest(name, table, mode="append")
        con.commit()
    return uri


def test_types_keys_and_a_hidden_password(database):
    _execute(database,
             "CREATE TABLE region (code text, part int, name varchar(20), PRIMARY KEY (code, part))",
             "CREATE TABLE shop (id bigint PRIMARY KEY, code text, part int, opened timestamptz, "
             "price numeric(10, 2), tags text[], doc jsonb, stamp timestamp(3), vip boolean, "
             "FOREIGN KEY (code, part) REFERENCES region (code, part))",
             "INSERT INTO region VALUES ('N', 1, 'north')",
             "INSERT INTO shop VALUES (7, 'N', 1, '2024-01-02 03:04:05+02', 12.50, '{a,b}', '{\"k\": 1}', "
             "'2024-05-06 07:08:09.123', true)")
    secret = database.replace("postgresql://pql@", "postgresql://pql:s3cret@")
    with connectors.open(secret) as source:
        assert source.kind == "postgres" and "s3cret" not in source.name and ":***@" in source.name
        assert source.table_names() == ("region", "shop")
        keys = source.declared_keys()
        assert keys.primary_keys == {"region": ("code", "part"), "shop": ("id",)}
        assert [(fk.table, fk.columns, fk.ref_table, fk.ref_columns) for fk in keys.foreign_keys] == [
            ("shop", ("code", "part"), "region", ("code", "part"))]
        types = {r[0]: r[1] for r in source.connection.sql('DESCRIBE "shop"').fetchall()}
        assert types == {"id": "BIGINT", "code": "VARCHAR", "part": "INTEGER", "opened": "TIMESTAMP",
                         "price": "DOUBLE", "tags": "VARCHAR", "doc": "VARCHAR", "stamp": "TIMESTAMP",
                         "vip": "BOOLEAN"}
        row = source.connection.sql('SELECT "opened", "price", "tags", "doc" FROM "shop"').fetchall()[0]
        assert row == (datetime(2024, 1, 2, 1, 4, 5), 12.5, "{a,b}", '{"k": 1}')  # timestamptz as UTC


def test_a_session_predicts_without_changing_the_database(database):
    uri = _shop(database)
    before = _fetch(uri, "SELECT md5(string_agg(p::text, ',' ORDER BY purchase_id)) FROM purchases p")
    with pql.connect(uri) as session:
        assert session.db.table("purchases").time_column == "bought_at"
        predicted = session.predict(BUYS)
    assert predicted.num_rows == 40
    assert _fetch(uri, "SELECT md5(string_agg(p::text, ',' ORDER BY purchase_id)) FROM purchases p") == before
    assert _fetch(uri, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == [(2,)]


def test_into_creates_one_marked_table_that_later_graphs_leave_out(database):
    uri = _shop(database)
    with pql.connect(uri) as session:
        predicted = session.predict(BUYS + " INTO preds")
        assert "preds" not in session.db.table_names
        with pytest.raises(EngineError, match="already exists"):
            session.predict(BUYS + " INTO preds")
    assert _fetch(uri, "SELECT count(*) FROM preds") == [(predicted.num_rows,)]
    (comment,), = _fetch(uri, "SELECT obj_description('preds'::regclass, 'pg_class')")
    assert comment.startswith("pql predictions: PREDICT")
    with pql.connect(uri) as session:  # reopened: still left out, and replaceable
        assert session.connector.table_names() == ("customers", "purchases")
        session.predict(BUYS + " INTO OR REPLACE preds")


def test_a_failed_into_leaves_no_table(database, monkeypatch):
    from engine import into_postgres

    uri = _shop(database)

    def failing(name):  # the comment comes after the rows are in: fail there
        raise RuntimeError("connection lost")

    monkeypatch.setattr(into_postgres, "table_ref", failing)
    with pql.connect(uri) as session, pytest.raises(RuntimeError, match="connection lost"):
        session.predict(BUYS + " INTO preds")
    assert _fetch(uri, "SELECT count(*) FROM pg_tables WHERE tablename = 'preds'") == [(0,)]


def test_an_unreachable_server_is_a_clear_error(server):
    bad = server.uri("no_such_database").replace("postgresql://pql@", "postgresql://pql:s3cret@")
    with pytest.raises(ConnectorError, match="cannot connect to postgresql://pql:\\*\\*\\*@") as info:
        connectors.open(bad)
    assert "s3cret" not in str(info.value)


def test_infinite_times_read_as_null(database):
    _execute(database, "CREATE TABLE ev (id int PRIMARY KEY, at timestamp, tz timestamptz, d date)",
             "INSERT INTO ev VALUES (1, 'infinity', '-infinity', 'infinity'), "
             "(2, '2024-01-02 03:04:05', '2024-01-02 03:04:05+00', '2024-01-02')")
    with connectors.open(database) as source:
        rows = source.connection.sql('SELECT * FROM "ev" ORDER BY "id"').fetchall()
    assert rows[0] == (1, None, None, None) and rows[1][1] == datetime(2024, 1, 2, 3, 4, 5)


def test_an_into_name_postgres_would_cut_is_refused_before_training(database):
    uri = _shop(database)
    with pql.connect(uri) as session, pytest.raises(PQLError, match="PostgreSQL cuts names at 63 bytes"):
        session.predict(BUYS + " INTO " + "p" * 64)


@pytest.mark.parametrize("uri,password", [
    ("postgresql://pql@h/shop?password=s3cr%23t%40pw&sslmode=disable", "s3cr#t@pw"),
    ("POSTGRESQL://pql:s3cret@h/shop", "s3cret"),
    ("postgresql://pql:s3cret@[::1/shop", "s3cret"),
])
def test_passwords_never_reach_a_message(uri, password):
    from connectors.postgres import redacted, scrubbed

    shown = redacted(uri) + " " + scrubbed(f'missing "=" after "{uri}"; {password}', uri)
    assert password not in shown and "s3cr" not in shown and "***" in shown


def test_domains_partitions_inheritance_and_odd_objects(database):
    _execute(database,
             "CREATE DOMAIN posint AS int", "CREATE DOMAIN money2 AS numeric(10, 2)",
             "CREATE TABLE d (id posint PRIMARY KEY, amt money2)", "INSERT INTO d VALUES (1, 2.5)",
             "CREATE TABLE events (id int, at timestamp NOT NULL) PARTITION BY RANGE (at)",
             "CREATE TABLE events_2023 PARTITION OF events FOR VALUES FROM ('2023-01-01') TO ('2024-01-01')",
             "CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')",
             "INSERT INTO events VALUES (1, '2023-05-01'), (2, '2024-05-01')",
             "CREATE TABLE base (id int PRIMARY KEY)", "CREATE TABLE child (extra int) INHERITS (base)",
             "INSERT INTO base VALUES (1)", "INSERT INTO child VALUES (2, 7)",
             "CREATE TABLE z ()",
             "CREATE MATERIALIZED VIEW mv_empty AS SELECT 1 AS x WITH NO DATA",
             "CREATE SCHEMA other", "CREATE TABLE other.parents (id int PRIMARY KEY)",
             "CREATE TABLE kids (id int PRIMARY KEY, parent int REFERENCES other.parents)")
    with connectors.open(database) as source:
        assert source.table_names() == ("base", "child", "d", "events", "kids")
        con = source.connection
        assert dict(con.sql('DESCRIBE "d"').fetchall()[i][:2] for i in range(2)) == {"id": "INTEGER", "amt": "DOUBLE"}
        assert con.sql('SELECT count(*) FROM "events"').fetchall() == [(2,)]
        assert con.sql('SELECT count(*) FROM "base"').fetchall() == [(1,)]  # the child's row is the child's
        assert source.declared_keys().foreign_keys == ()  # kids.parent points into another schema
        notes = " ".join(source.notes)
        assert "z: left out (it has no columns)" in notes and "mv_empty: left out (a materialized view never" in notes


def test_into_an_index_name_is_refused_before_training_and_replace_keeps_the_name(database, monkeypatch):
    uri = _shop(database)
    import engine.run

    trained = []
    real_run = engine.run.run
    monkeypatch.setattr(engine.run, "run", lambda *a, **k: trained.append(1) or real_run(*a, **k))
    with pql.connect(uri) as session:
        with pytest.raises(EngineError, match="'customers_pkey' is an index in the database"):
            session.predict(BUYS + " INTO customers_pkey")
        assert not trained
        session.predict(BUYS + " INTO preds")
        session.predict(BUYS + " INTO OR REPLACE Preds")
    assert _fetch(uri, "SELECT relname FROM pg_class WHERE lower(relname) = 'preds'") == [("preds",)]


def test_a_role_without_rights_is_refused_before_training(database, monkeypatch):
    uri, role = _shop(database), f"reader_{next(_names)}"  # roles belong to the server, not the database
    _execute(uri, "CREATE TABLE preds (x int)",  # another role's earlier INTO, which graphs leave out
             "COMMENT ON TABLE preds IS 'pql predictions: earlier'",
             f"CREATE ROLE {role} LOGIN", "REVOKE CREATE ON SCHEMA public FROM PUBLIC",
             f"GRANT USAGE ON SCHEMA public TO {role}", f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}")
    reader = uri.replace("postgresql://pql@", f"postgresql://{role}@")
    import engine.run

    trained = []
    real_run = engine.run.run
    monkeypatch.setattr(engine.run, "run", lambda *a, **k: trained.append(1) or real_run(*a, **k))
    with pql.connect(reader) as session:
        assert session.predict(BUYS).num_rows > 0  # reading is allowed
        trained.clear()
        with pytest.raises(EngineError, match="this role may not create tables in schema 'public'"):
            session.predict(BUYS + " INTO new_preds")
        _execute(uri, f"GRANT CREATE ON SCHEMA public TO {role}")
        with pytest.raises(EngineError, match="'preds' belongs to another role"):
            session.predict(BUYS + " INTO OR REPLACE preds")
        assert not trained
        session.predict(BUYS + " INTO new_preds")  # with CREATE, a new table is written
    assert _fetch(uri, "SELECT count(*) > 0 FROM new_preds") == [(True,)]
    assert _fetch(uri, "SELECT count(*) FROM preds") == [(0,)]


def test_tables_in_another_schema_are_named_with_the_url_that_reads_them(database):
    """The current schema (public) is empty and schema shop holds the tables: a note, and the unknown-table
    error's hint, say how to read them; the URL they give works."""
    _execute(database, "CREATE SCHEMA shop", "CREATE TABLE shop.customers (customer_id integer PRIMARY KEY)",
             "CREATE TABLE shop.purchases (purchase_id integer PRIMARY KEY, "
             "customer_id integer REFERENCES shop.customers (customer_id), amount double precision, bought_at timestamp)")
    option = f"{'&' if '?' in database else '?'}options=-csearch_path%3Dshop"  # the server's URI has ?host=…
    note = f"the current schema public has no tables; schema shop has 2 (customers, purchases): add {option} to the URL"
    with connectors.open(database) as source:
        assert source.table_names() == () and note in source.notes
    with pql.connect(database) as session:
        assert note in session.db.notes
        with pytest.raises(PQLError, match="unknown table 'purchases'") as info:
            session.predict(BUYS)
        assert "search_path%3Dshop" in str(info.value)
    with connectors.open(database + option) as source:  # the URL the note gives reads them
        assert source.table_names() == ("customers", "purchases") and not any("schema" in n for n in source.notes)
    from connectors.postgres import search_path_option

    _execute(database, 'CREATE SCHEMA "Big Shop"', 'CREATE TABLE "Big Shop".visits (visit_id integer PRIMARY KEY)')
    with connectors.open(database + search_path_option("Big Shop", database)) as source:
        assert source.table_names() == ("visits",)


@pytest.mark.parametrize(("schema", "uri", "option"), [
    ("shop", "postgresql://pql@h/db", "?options=-csearch_path%3Dshop"),
    ("Sales 2024", "postgresql://pql@h/db?sslmode=disable", "&options=-csearch_path%3D%22Sales%5C%202024%22"),
])
def test_the_search_path_option_a_note_gives(schema, uri, option):
    from connectors.postgres import search_path_option

    assert search_path_option(schema, uri) == option
