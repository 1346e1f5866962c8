"""The model outputs (customer value, churn scores) brought up to date after an import on a background thread
(ecomops.users.model_jobs.start_refresh, ui.state.update_after_import): the tables end up exactly as an in-line
refresh leaves them, a running job takes on later tables, a page reading one waits for the job instead of building
it again, and closing the database waits for the job."""
from __future__ import annotations

import shutil
import threading
import time
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest

from ecomops import db, derived
from ecomops.ingest import import_file
from ecomops.users import model_jobs
from tests.ingest_support import ORDERS_HEADER, write_csv

PROJECT_ROOT = Path(__file__).resolve().parents[1]
BACKGROUND = [t for t in derived.REGISTRY if t.background]


def _next_day_import(con, folder: Path, order_id: str = "BG-1") -> None:
    """Import one order on the day after the last: every table goes stale, the model outputs included."""
    customer, sku, last = con.execute("SELECT (SELECT min(customer_id) FROM customers), "
                                      "(SELECT min(product_id) FROM products), (SELECT max(order_date) FROM orders)"
                                      ).fetchone()
    result = import_file(con, write_csv(folder / f"{order_id}.csv", ORDERS_HEADER, [
        [order_id, f"{last + timedelta(days=1)} 09:00:00", customer, sku, "Kettle", "1", "20.00", "paid"]]))
    assert result.status == "imported"


def _slow_builds(monkeypatch, wait) -> None:
    """Make every derived-table build call ``wait()`` first (an event's wait, or a sleep)."""
    ensure = derived.ensure

    def slow_ensure(cur, table):
        wait()
        return ensure(cur, table)

    monkeypatch.setattr(derived, "ensure", slow_ensure)


@pytest.fixture
def store(demo_db_path, tmp_path):
    """Return (connection, path) of a private demo copy with every summary table fresh."""
    path = tmp_path / "demo.duckdb"
    shutil.copyfile(demo_db_path, path)
    con = db.connect(path)
    derived.refresh_all(con)
    yield con, path
    db.close(path)


def test_the_background_tables_are_the_model_outputs():
    assert {t.name for t in BACKGROUND} == {"users_customer_value", "churn_dormant_scores"}
    # Each one's inputs are brought up to date before it: the churn scores read the customer value, which reads the
    # users tables, which the upload page updates in line.
    assert derived.CHURN_SCORES.requires == ("users_customer_value",)
    assert derived.CUSTOMER_VALUE.requires == ("users_order_facts",) and not derived.USERS_ORDERS.background
    names = [t.name for t in derived.REGISTRY]
    assert names.index("users_customer_value") < names.index("churn_dormant_scores")


def test_a_background_refresh_leaves_the_tables_as_an_in_line_refresh_does(store, tmp_path):
    con, _ = store
    _next_day_import(con, tmp_path)
    inline = [t for t in derived.REGISTRY if not t.background]
    derived.refresh(con, inline)
    assert all(not derived.is_fresh(con, t) for t in BACKGROUND)
    job = model_jobs.start_refresh(con, BACKGROUND)
    assert job is not None and job.tables == [t.name for t in BACKGROUND]
    job.thread.join(300)
    assert job.state == "done" and job.error is None and job.current is None and job.fraction() == 1.0
    assert all(derived.is_fresh(con, t) for t in derived.REGISTRY)
    assert model_jobs.start_refresh(con, BACKGROUND) is None  # nothing stale: no job
    background_rows = con.execute("SELECT * EXCLUDE (ckey) FROM users_customer_value ORDER BY ckey").df()
    fit = con.execute("SELECT as_of, status, customers FROM users_clv_fit").fetchall()
    # The same tables rebuilt in line, in full, are the oracle.
    for table in BACKGROUND:
        derived.rebuild(con, table)
    pd.testing.assert_frame_equal(background_rows,
                                  con.execute("SELECT * EXCLUDE (ckey) FROM users_customer_value ORDER BY ckey").df(),
                                  check_exact=False, rtol=1e-9)
    assert fit == con.execute("SELECT as_of, status, customers FROM users_clv_fit").fetchall()
    assert fit[0][0] == con.execute("SELECT max(order_date) FROM orders").fetchone()[0]  # the imported day


def test_a_running_job_takes_on_tables_stale_later_and_checks_them_again(store, tmp_path, monkeypatch):
    con, _ = store
    _next_day_import(con, tmp_path)
    derived.refresh(con, [t for t in derived.REGISTRY if not t.background])
    release = threading.Event()
    _slow_builds(monkeypatch, lambda: release.wait(60))  # held until the test has started a second refresh
    first = model_jobs.start_refresh(con, [derived.CUSTOMER_VALUE])
    assert first.tables == ["users_customer_value"] and first.state == "running"
    assert model_jobs.start_refresh(con, BACKGROUND) is first  # one job per database: it takes on the churn scores
    assert first.tables == ["users_customer_value", "churn_dormant_scores"]
    assert first.covers({"churn_dormant_scores"}) and not first.covers({"products_line_facts"})
    release.set()
    first.thread.join(300)
    assert first.state == "done"
    assert all(derived.is_fresh(con, t) for t in BACKGROUND)


def test_a_failed_job_says_so_and_the_next_one_starts_afresh(store, tmp_path, monkeypatch):
    con, _ = store
    _next_day_import(con, tmp_path)

    def broken(cur, table):
        raise RuntimeError("disk full")

    monkeypatch.setattr(derived, "ensure", broken)
    job = model_jobs.start_refresh(con, BACKGROUND)
    job.thread.join(60)
    assert job.state == "failed" and "disk full" in job.error and not job.covers({"users_customer_value"})
    monkeypatch.undo()
    again = model_jobs.start_refresh(con, BACKGROUND)
    assert again is not job
    again.thread.join(300)
    # (users_order_facts too: the customer value requires it)
    assert again.state == "done" and all(derived.is_fresh(con, t) for t in [derived.USERS_ORDERS, *BACKGROUND])


def test_closing_the_database_waits_for_the_job(store, tmp_path, monkeypatch):
    con, path = store
    _next_day_import(con, tmp_path)
    _slow_builds(monkeypatch, lambda: time.sleep(1.0))
    job = model_jobs.start_refresh(con, BACKGROUND)
    db.close(path)
    assert job.state == "done" and not job.thread.is_alive()
    con = db.connect(path)
    assert all(derived.is_fresh(con, t) for t in BACKGROUND)


PAGE_WAITS = """
import time
from ecomops import derived
from ecomops.ui import state
started = time.perf_counter()
state.ensure_derived(derived.CUSTOMER_VALUE)
import streamlit as st
st.write(f"waited {time.perf_counter() - started:.1f}")
"""


def test_a_page_reading_a_table_the_job_updates_waits_for_it_instead_of_building_it(store, tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    con, path = store
    _next_day_import(con, tmp_path)
    derived.refresh(con, [t for t in derived.REGISTRY if not t.background])
    monkeypatch.setenv("ECOMOPS_DB", str(path))
    monkeypatch.chdir(PROJECT_ROOT)
    release = threading.Event()
    _slow_builds(monkeypatch, lambda: release.wait(60))
    job = model_jobs.start_refresh(con, BACKGROUND)
    built_by_page = []
    monkeypatch.setattr(derived, "refresh", lambda *a, **k: built_by_page.append(a))
    threading.Timer(1.5, release.set).start()
    at = AppTest.from_string(PAGE_WAITS, default_timeout=120).run()
    assert not at.exception
    assert float(at.markdown[-1].value.split()[-1]) >= 1.0  # it waited for the job ...
    assert built_by_page == []  # ... and did not build the table itself
    job.thread.join(300)
    assert job.state == "done" and derived.is_fresh(con, derived.CUSTOMER_VALUE)
