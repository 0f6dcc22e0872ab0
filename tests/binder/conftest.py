"""A small retail database with declared keys and a few deliberate oddities, for binder tests."""
import duckdb
import pytest

from engine.schema.introspection import introspect

SCHEMA = """
create table tier(id int primary key, name varchar, threshold double);
create table customers(customer_id int primary key, tier int references tier(id), signup timestamp,
                       segment varchar, age double, vip boolean);
create table product(product_id int primary key, category varchar, price double);
create table orders(order_id int primary key, customer_id int references customers(customer_id),
                    created_at timestamp, status varchar, total double);
create table order_lines(line_id int primary key, order_id int references orders(order_id),
                         product_id int references product(product_id), qty int, price double);
create table referral(id int primary key, referrer_id int references customers(customer_id),
                      referred_id int references customers(customer_id), created_at timestamp);
create table promotion(promo_id int primary key, kind varchar);
create table targeted(id int primary key, customer_id int references customers(customer_id),
                      promo_id int references promotion(promo_id), sent_at timestamp, channel varchar);
create table notes(body varchar);
insert into tier values (1, 'silver', 0), (2, 'gold', 100);
insert into customers select i, 1 + i % 2, timestamp '2020-01-01' + to_days(i), ['a','b','c'][1 + i % 3],
    20 + i % 50, i % 7 = 0 from range(1, 60) t(i);
insert into product select i, ['x','y'][1 + i % 2], i * 1.5 from range(1, 20) t(i);
insert into orders select i, 1 + i % 59, timestamp '2020-02-01' + to_days(i), ['open','done'][1 + i % 2], i * 3.0
    from range(1, 300) t(i);
insert into order_lines select i, 1 + i % 299, 1 + i % 19, 1 + i % 3, 2.5 from range(1, 900) t(i);
insert into referral select i, 1 + i % 59, 1 + (i * 7) % 59, timestamp '2020-03-01' + to_days(i) from range(1, 40) t(i);
insert into promotion values (1, 'points_bonus'), (2, 'free_shipping');
insert into targeted select i, 1 + i % 59, 1 + i % 2, timestamp '2020-04-01' + to_days(i), 'email' from range(1, 80) t(i);
insert into notes values ('hello');
"""


@pytest.fixture(scope="session")
def retail_db():
    con = duckdb.connect()
    con.execute(SCHEMA)
    db = introspect(con)
    yield db
    con.close()
