"""The alert engine's stored daily counts (ecomops/ops/daily_counts.py, derived.DAILY_COUNTS): hand-computed rows on
the tiny store, the same answers as the orders on the demo store for every reader, the readers' choice of source,
and the incremental upkeep across gaps in the history."""
from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

from ecomops import db, derived, metrics
from ecomops.filters import Filters
from ecomops.ingest import import_file, undo_import
from ecomops.ops import daily_counts, monitoring
from tests.conftest import make_tiny_db
from tests.ingest_support import ORDERS_HEADER, write_csv


@pytest.fixture
def tiny():
    con = make_tiny_db()
    derived.ensure(con, derived.DAILY_COUNTS)
    yield con
    con.close()


def _rows(con, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


def test_stored_counts_on_the_tiny_store_by_hand(tiny):
    # Valid orders: O6 (C, search/pc, 40; returned still counts) on 03-03; O1 (A, search/app, 25) and O3 (B,
    # paid_ads/pc, 10) on 03-04; O2 (A, search/app, 20) and the guest's O5 (paid_ads/app, 15) on 03-05. O4 is
    # cancelled.
    assert _rows(tiny, "SELECT day, orders, buyers, gmv FROM daily_order_counts WHERE level = 0 ORDER BY day") == [
        (date(2024, 3, 3), 1, 1, 40.0), (date(2024, 3, 4), 2, 2, 35.0), (date(2024, 3, 5), 2, 1, 35.0)]
    assert _rows(tiny, "SELECT channel, orders, buyers, gmv FROM daily_order_counts "
                       "WHERE level = 1 AND day = DATE '2024-03-05' ORDER BY channel") == [
        ("paid_ads", 1, 0, 15.0), ("search", 1, 1, 20.0)]
    assert _rows(tiny, "SELECT channel, device, buyers FROM daily_order_counts "
                       "WHERE level = 2 AND day = DATE '2024-03-04' ORDER BY channel") == [
        ("paid_ads", "pc", 1), ("search", "app", 1)]
    # 30-day window: C bought on 03-03, A and B on 03-04; A bought again on 03-05.
    assert _rows(tiny, "SELECT day, window_buyers, window_repeat_buyers FROM daily_repurchase ORDER BY day") == [
        (date(2024, 3, 3), 1, 0), (date(2024, 3, 4), 3, 0), (date(2024, 3, 5), 3, 1)]


def test_readers_use_the_stored_counts_only_when_the_filters_allow(tiny):
    def reads(f: Filters, fn) -> set[str]:
        with db.recording() as rec:
            fn(tiny, f)
        text = " ".join(sql for sql, _p, _s in rec.queries)
        return {name for name in ("daily_order_counts", "daily_repurchase", "valid_orders") if name in text}

    whole = Filters(date(2024, 3, 1), date(2024, 3, 5))
    assert reads(whole, metrics.daily_trend) == {"daily_order_counts"}
    assert reads(whole, monitoring.repurchase_series) == {"daily_repurchase"}
    assert reads(Filters(whole.start, whole.end, channels=("search",)), metrics.daily_trend) == {"daily_order_counts"}
    assert reads(Filters(whole.start, whole.end, channels=("search", "paid_ads")), metrics.daily_trend) == {
        "valid_orders"}
    assert reads(Filters(whole.start, whole.end, categories=("Kitchen",)), monitoring.segment_series) == {
        "valid_orders"}
    assert reads(Filters(whole.start, whole.end, channels=("search", "paid_ads")), monitoring.segment_series) == {
        "daily_order_counts"}
    # A range past the last stored day: the window counts after it are not stored, the orders answer.
    assert "valid_orders" in reads(Filters(whole.start, date(2024, 3, 9)), monitoring.repurchase_series)
    assert reads(Filters(date(2023, 12, 1), whole.end), monitoring.repurchase_series) == {"daily_repurchase"}


def _from_orders(monkeypatch):
    """Make every reader count from the orders (the answer the stored counts must equal)."""
    monkeypatch.setattr(daily_counts, "stored_level", lambda f, cells=False: None)
    monkeypatch.setattr(daily_counts, "repurchase", lambda con, f, window: daily_counts.raw_repurchase(f, window))


def _same(stored: pd.DataFrame, raw: pd.DataFrame, keys: list[str]) -> None:
    stored = stored.sort_values(keys).reset_index(drop=True)
    raw = raw.sort_values(keys).reset_index(drop=True)
    assert len(stored) == len(raw) and len(stored) > 0
    pd.testing.assert_frame_equal(stored, raw, check_dtype=False, rtol=1e-9)


def test_every_reader_gives_the_orders_answer_on_the_demo(demo_db_path: Path, tmp_path: Path, monkeypatch):
    path = tmp_path / "demo.duckdb"
    shutil.copy(demo_db_path, path)
    con = db.connect(path)
    span = metrics.data_range(con)
    channel = con.execute("SELECT channel FROM orders GROUP BY 1 ORDER BY count(*) DESC LIMIT 1").fetchone()[0]
    # From before the first order day (the alert history reaches back past it) to the last day.
    ranges = [Filters(span.start - timedelta(days=40), span.end), Filters(span.end - timedelta(days=90), span.end,
                                                                           channels=(channel,))]
    days = [span.end - timedelta(days=k) for k in (0, 7, 14, 21, 364)]
    stored = {}
    for i, f in enumerate(ranges):
        stored[("trend", i)] = metrics.daily_trend(con, f)
        stored[("segments", i)] = monitoring.segment_series(con, f)
        stored[("cells", i)] = monitoring.segment_cells(con, f, days)
    stored["repurchase"] = monitoring.repurchase_series(con, ranges[0])
    _from_orders(monkeypatch)
    for i, f in enumerate(ranges):
        _same(stored[("trend", i)], metrics.daily_trend(con, f), ["day"])
        _same(stored[("segments", i)], monitoring.segment_series(con, f), ["day", "channel", "device"])
        _same(stored[("cells", i)], monitoring.segment_cells(con, f, days),
              ["day", "channel", "device"])
    _same(stored["repurchase"], monitoring.repurchase_series(con, ranges[0]), ["day"])
    assert stored["repurchase"]["window_buyers"].iloc[:40].eq(0).all()  # the days before the first order
    con.close()


def _import(con, tmp_path: Path, name: str, rows: list[list]) -> int:
    result = import_file(con, write_csv(tmp_path / name, ORDERS_HEADER, rows), kind="orders")
    assert result.status == "imported", result.errors
    return result.import_id


def _equals_rebuild(con) -> str:
    derived.ensure(con, derived.DAILY_COUNTS)
    mode = {name: mode for name, mode, _r, _s, _at in derived.last_updates(con)}["daily_order_counts"]
    updated = {t: sorted(_rows(con, f"SELECT * FROM {t}")) for t in derived.DAILY_COUNTS.tables}
    derived.rebuild(con, derived.DAILY_COUNTS)
    assert {t: sorted(_rows(con, f"SELECT * FROM {t}")) for t in derived.DAILY_COUNTS.tables} == updated
    return mode


def test_updates_across_gaps_in_the_history_equal_a_rebuild(tiny, tmp_path: Path):
    # 60 days after the last day (the days between now have window counts, then none), then 60 days before the
    # first (a new first day with a gap after it), then both undone.
    late = _import(tiny, tmp_path, "late.csv", [["L1", "2024-05-04 10:00:00", "A", "P1", "Cup", "1", "10.00",
                                                 "completed"]])
    assert _equals_rebuild(tiny) == "incremental"
    assert _rows(tiny, "SELECT min(day), max(day), count(*) FROM daily_repurchase") == [
        (date(2024, 3, 3), date(2024, 5, 4), 63)]
    # The window of 04-02 is 03-04..04-02 (A twice, B); of 04-03, 03-05..04-03 (A once); 04-04's holds no order.
    assert _rows(tiny, "SELECT window_buyers, window_repeat_buyers FROM daily_repurchase WHERE day IN "
                       "(DATE '2024-04-02', DATE '2024-04-03', DATE '2024-04-04', DATE '2024-05-04') ORDER BY day") == [
        (2, 1), (1, 0), (0, 0), (1, 0)]
    early = _import(tiny, tmp_path, "early.csv", [["E1", "2024-01-04 10:00:00", "B", "P1", "Cup", "1", "10.00",
                                                   "completed"]])
    assert _equals_rebuild(tiny) == "incremental"
    assert _rows(tiny, "SELECT min(day), count(*) FROM daily_repurchase") == [(date(2024, 1, 4), 122)]
    undo_import(tiny, early)
    assert _equals_rebuild(tiny) == "incremental"
    undo_import(tiny, late)
    assert _equals_rebuild(tiny) == "incremental"
    assert _rows(tiny, "SELECT min(day), max(day) FROM daily_repurchase") == [(date(2024, 3, 3), date(2024, 3, 5))]
