"""The Session API end to end on the tiny shop, with the heuristic baseline (no GNN, no LightGBM)."""
from __future__ import annotations

import re

import duckdb
import pytest

import pql
from pql.errors import PQLBindError, PQLError, PQLInputError, PQLSyntaxError
from tests.api.shop import BUYS, SPEND

SCRIPT = """-- a script: one DEFINE, then the three kinds of statement
DEFINE buys AS COUNT(purchases.*, 0, 30, days) > 0;
PREDICT buys FOR EACH customers WITH model = 'heuristic';
EVALUATE PREDICT buys FOR EACH customers WITH model = 'heuristic';
EXPLAIN PREDICT buys FOR EACH customers WITH model = 'heuristic';
"""


@pytest.fixture
def session(shop_db):
    messages: list[str] = []
    with pql.connect(str(shop_db), log=messages.append) as s:
        s.messages = messages  # what the session logged, for the progress assertions
        yield s


def _trained(messages: list[str]) -> bool:
    return any(m.startswith("training ") for m in messages)


def test_predict_returns_one_row_per_customer_with_the_binary_columns(session):
    table = session.predict(BUYS)
    assert table.column_names == ["customer_id", "anchor_time", "probability", "prediction"]
    assert table.num_rows == 40
    assert sorted(table.column("customer_id").to_pylist()) == list(range(40))
    probabilities = table.column("probability").to_pylist()
    assert all(0.0 <= p <= 1.0 for p in probabilities) and len(set(probabilities)) > 1
    assert len(set(table.column("anchor_time").to_pylist())) == 1


def test_regression_predicts_a_value(session):
    table = session.predict(SPEND)
    assert table.column_names == ["customer_id", "anchor_time", "prediction"]
    assert min(table.column("prediction").to_pylist()) >= 0.0


def test_evaluate_reports_test_and_validation_metrics(session):
    metrics = session.evaluate(BUYS)
    assert metrics.column_names == ["model", "split", "metric", "value"]
    rows = {(r["split"], r["metric"]): r["value"] for r in metrics.to_pylist()}
    assert {("test", "auroc"), ("val", "auroc")} <= set(rows)
    assert set(metrics.column("model").to_pylist()) == {"heuristic"}


def test_evaluate_keeps_the_test_predictions_beside_their_labels(session):
    (result,) = session.run(f"EVALUATE {BUYS}")
    test = result.run.training.split("test")
    table = result.run.test_predictions
    assert table.column_names == ["customer_id", "anchor_time", "probability", "prediction", "actual"]
    assert table.num_rows == test.num_rows > 0
    assert table.column("customer_id").to_pylist() == test.column("customer_id").to_pylist()
    assert table.column("actual").to_pylist() == test.column("label").to_pylist()
    assert result.run.predictions is None  # EVALUATE writes nothing INTO and allocates nothing


def test_explain_shows_the_bound_query_the_schedule_the_sql_and_the_plan(session):
    text = session.explain(BUYS)
    for header in ("PQL:", "Bound query:", "Anchors:", "Training-table SQL:", "Plan:"):
        assert header in text
    assert "binary classification" in text
    assert 'FROM "purchases"' in text
    assert "the heuristic: the target" in text
    assert not _trained(session.messages)


def test_train_table_has_labels_and_all_three_splits(session):
    table = session.train_table(BUYS)
    assert table.column_names == ["customer_id", "anchor_time", "label", "split"]
    assert set(table.column("split").to_pylist()) == {"train", "val", "test"}
    train_times = {t for t, s in zip(table.column("anchor_time").to_pylist(), table.column("split").to_pylist())
                   if s == "train"}
    test_times = {t for t, s in zip(table.column("anchor_time").to_pylist(), table.column("split").to_pylist())
                  if s == "test"}
    assert max(train_times) < min(test_times)  # time-ordered splits


def test_the_second_identical_query_reuses_the_saved_model(session):
    first = session.run(BUYS)[0].run
    assert not first.reused and _trained(session.messages)
    session.messages.clear()
    second = session.run(BUYS)[0].run
    assert second.reused and not _trained(session.messages)
    assert second.fingerprint == first.fingerprint
    assert second.table.equals(first.table)
    assert any(m.startswith(f"reusing saved model {first.fingerprint}") for m in session.messages)


def test_retrain_true_trains_again_under_the_same_fingerprint(session):
    first = session.run(BUYS)[0].run
    session.messages.clear()
    again = session.run(BUYS.replace("'heuristic'", "'heuristic', retrain = true"))[0].run
    assert not again.reused and _trained(session.messages)
    assert again.fingerprint == first.fingerprint


def test_the_fingerprint_follows_the_query(session):
    base = session.run(BUYS)[0].run.fingerprint
    assert session.run(BUYS.replace("0, 30, days", "0, 60, days"))[0].run.fingerprint != base
    assert session.run(BUYS.replace("'heuristic'", "'heuristic', seed = 7"))[0].run.fingerprint != base
    assert session.run(BUYS.replace("'heuristic'", "'heuristic', device = 'cpu'"))[0].run.fingerprint == base


def test_another_pql_version_trains_its_own_model(session, monkeypatch):
    base = session.run(BUYS)[0].run
    monkeypatch.setattr(pql, "__version__", "99.0.0")
    upgraded = session.run(BUYS)[0].run
    assert upgraded.fingerprint != base.fingerprint and not upgraded.reused


def test_the_fingerprint_follows_the_data(shop_db):
    with pql.connect(str(shop_db)) as s:
        before = s.run(BUYS)[0].run.fingerprint
    con = duckdb.connect(str(shop_db))
    con.execute("INSERT INTO purchases VALUES (100000, 3, 12.5, TIMESTAMP '2024-03-01 10:00:00')")
    con.close()
    with pql.connect(str(shop_db)) as s:
        after = s.run(BUYS)[0].run
    assert after.fingerprint != before and not after.reused


def test_predictions_written_into_the_database_do_not_change_later_fingerprints(session):
    first = session.run(BUYS + " INTO preds")[0].run
    second = session.run(BUYS)[0].run
    assert "preds" not in session.db.table_names
    assert second.reused and second.fingerprint == first.fingerprint


def test_a_script_runs_define_predict_evaluate_and_explain_in_order(session):
    results = session.run(SCRIPT)
    assert [type(r.statement).__name__ for r in results] == ["DefineStatement", *["PredictStatement"] * 3]
    define, predict, evaluate, explain = results
    assert define.text.startswith("defined buys AS COUNT(purchases.*, 0, 30, days) > 0")
    assert predict.table.column_names[-2:] == ["probability", "prediction"]
    assert evaluate.table.column_names == ["model", "split", "metric", "value"]
    assert evaluate.run.reused  # EVALUATE of the same query reuses PREDICT's model
    assert "expands to: COUNT(purchases.*, 0, 30, days) > 0" in explain.text and explain.table is None
    assert re.fullmatch(r"heuristic · binary · rows train \d+ / val \d+ / test \d+ · predicted 40 · "
                        r"val auroc \d\.\d{4} · threshold \d\.\d{4} · trained · \d+\.\ds", predict.summary)


def test_an_error_in_statement_two_points_at_its_line_before_anything_trains(session):
    script = SCRIPT.replace("PREDICT buys FOR EACH customers WITH model = 'heuristic';\nEVALUATE",
                            "PREDICT buys FOR EACH customers WITH model = 'heuristic';\n"
                            "PREDICT SUM(purchases.amout, 0, 30) FOR EACH customers;\nEVALUATE", 1)
    with pytest.raises(PQLBindError) as info:
        session.run(script)
    message = str(info.value)
    assert message.startswith("line 4, column 23: table 'purchases' has no column 'amout'; did you mean 'amount'?")
    assert "PREDICT SUM(purchases.amout, 0, 30) FOR EACH customers;" in message
    assert not _trained(session.messages)  # the typo was caught before statement 3 trained
    assert session.defines.get("buys") is None  # checking the script defined nothing for real


def test_a_syntax_error_in_a_script_names_its_line(session):
    with pytest.raises(PQLSyntaxError, match=r"^line 3, column \d+: unexpected"):
        session.run("DEFINE buys AS COUNT(purchases.*, 0, 30, days) > 0;\n\nPREDICT buys FOR EACH;\n")


def test_session_defines_carry_over_to_later_queries(session):
    session.run("DEFINE big_spender AS SUM(purchases.amount, 0, 30) > 100;")
    bound = session.bind("PREDICT big_spender FOR EACH customers")
    assert str(bound.task) == "binary"


def test_bind_refuses_a_script(session):
    with pytest.raises(PQLInputError, match="expected one PREDICT statement, got 2"):
        session.bind(BUYS + ";\n" + SPEND)


def test_progress_messages_say_what_happens(session):
    session.predict("PREDICT COUNT(purchases.*, 0, 30, days) > 0 FOR customers WITH model = 'heuristic'")
    assert "note: FOR customers means FOR EACH customers.customer_id" in session.messages
    assert "training heuristic …" in session.messages
    assert any(re.fullmatch(r"heuristic: validation auroc = \d\.\d{4} \(\d+\.\ds\)", m) for m in session.messages)


def test_errors_are_pql_errors(session):
    with pytest.raises(PQLError, match="unknown table 'orderz'"):
        session.predict("PREDICT COUNT(orderz.*, 0, 30) > 0 FOR EACH customers")


def test_a_value_no_row_holds_points_at_itself_instead_of_training_on_nothing(shop_db):
    with duckdb.connect(str(shop_db)) as con:
        con.execute("ALTER TABLE customers ADD COLUMN channel VARCHAR")
        con.execute("UPDATE customers SET channel = CASE WHEN customer_id % 2 = 0 THEN 'email' ELSE 'organic' END")
    messages: list[str] = []
    with pql.connect(str(shop_db), log=messages.append) as session:
        typo = BUYS.replace(" WITH", " WHERE customers.channel = 'Email' WITH")
        with pytest.raises(PQLBindError) as info:
            session.run(f"{BUYS};\n{typo};")
        column = typo.index("'Email'") + 1
        assert str(info.value).startswith("statement 2 of 2 (line 2: ")  # run() names the failed statement
        assert info.value.render().startswith(f"line 2, column {column}: no training rows: customers.channel "
                                              "never holds 'Email'; did you mean 'email'?")
        assert info.value.render().splitlines()[-1].strip() == "^^^^^^^"
        either = BUYS.replace(" WITH", " WHERE customers.channel IN ('email', 'web') WITH")
        assert "Warnings:\n  customers.channel never holds 'web'; its values: 'email', 'organic'\nAnchors:" in (
            session.explain(either))
        assert session.predict(either).num_rows == 20  # the even customers: a warning, not an error
    assert "warning: customers.channel never holds 'web'; its values: 'email', 'organic'" in messages


def test_an_empty_training_table_says_whether_the_windows_or_the_filter_left_no_rows(session):
    nobody = BUYS.replace(" WITH", " WHERE COUNT(purchases.*, -30, 0, days) > 1000 WITH")
    with pytest.raises(PQLError, match=r"^no training rows: the WHERE filter keeps no customers row at any of the "
                                       r"\d+ training anchors \(anchors every"):
        session.predict(nobody)
    with pytest.raises(PQLError, match=r"^no training rows: the target looks 1000 days ahead but the data spans only "
                                       r".*: no complete window fits; a shorter target window needs less history$"):
        session.predict(BUYS.replace("0, 30, days", "0, 1000, days"))
    assert not _trained(session.messages)


def test_defaults_and_options_the_model_ignores_do_not_change_the_fingerprint(session):
    base = session.run(BUYS)[0].run.fingerprint
    assert session.run(BUYS.replace("'heuristic'", "'heuristic', seed = 0"))[0].run.fingerprint == base
    assert session.run(BUYS.replace("'heuristic'", "'heuristic', epochs = 3"))[0].run.fingerprint == base
    assert session.run(BUYS.replace("'heuristic'", "'heuristic', seed = 1"))[0].run.fingerprint != base


@pytest.mark.parametrize("option, value", [("anchor_time", "'2001-01-01'"), ("val_cutoff", "'2030-01-01'")])
def test_a_cut_off_outside_the_data_is_an_error_at_its_option(session, option, value):
    query = BUYS.replace("'heuristic'", f"'heuristic', {option} = {value}")
    column = query.index(option) + 1
    for call in (session.explain, session.predict, session.train_table):
        with pytest.raises(PQLBindError) as e:
            call(query)
        assert (e.value.span.line, e.value.span.column) == (1, column), call
        assert e.value.message.startswith(option)
