"""One Session shared by threads: its calls take turns on the one DuckDB connection instead of breaking
each other's queries ("Attempting to execute an unsuccessful or closed pending query result")."""
from __future__ import annotations

import threading

import pytest

import pql
from tests.api.shop import BUYS, SPEND


@pytest.mark.parametrize("warm", [True, False], ids=["schema read first", "schema read by the threads"])
def test_threads_sharing_a_session_all_get_their_predictions(shop_db, warm):
    with pql.connect(str(shop_db), log=lambda m: None) as s:
        if warm:
            s.db
        start = threading.Barrier(4)
        outcomes: dict[int, object] = {}

        def predict(i: int) -> None:
            start.wait()
            try:
                outcomes[i] = [s.predict(BUYS if (i + k) % 2 else SPEND).num_rows for k in range(2)]
            except Exception as e:  # noqa: BLE001 - the assertion shows what a thread got
                outcomes[i] = f"{type(e).__name__}: {e}"

        threads = [threading.Thread(target=predict, args=(i,)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert not any(t.is_alive() for t in threads), "a thread is still waiting: deadlock"
        assert outcomes == {i: [40, 40] for i in range(4)}


def test_a_script_lets_another_thread_in_between_its_statements(shop_db):
    """run_iter holds the lock per statement, not while the caller handles a result."""
    with pql.connect(str(shop_db), log=lambda m: None) as s:
        results = s.run_iter(f"{BUYS};\n{SPEND};")
        next(results)
        other = threading.Thread(target=lambda: s.predict(SPEND))
        other.start()
        other.join(timeout=60)
        assert not other.is_alive()
        assert next(results).table.num_rows == 40
