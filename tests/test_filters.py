"""The one filter builder: filters in -> exact SQL fragment and parameters out (one table of cases, as datasette
tests its filters), the date arithmetic of Filters, the default view, and a fragment run in DuckDB."""
from __future__ import annotations

from datetime import date, datetime

import duckdb
import pytest

from ecomops.filters import Filters, default_filters, where

MAR4, MAR5 = date(2024, 3, 4), date(2024, 3, 5)
PLAIN = Filters(MAR4, MAR5)
CHOSEN = Filters(MAR4, MAR5, channels=("search", "wecom"), categories=("Pet",))

WHERE_CASES = [
    # (filters, keyword arguments of where, expected SQL, expected parameters)
    pytest.param(PLAIN, {}, "TRUE", {}, id="no columns: always true"),
    pytest.param(CHOSEN, {}, "TRUE", {}, id="choices but no columns: nothing to filter"),
    pytest.param(PLAIN, {"date_col": "order_date"},
                 "TRUE AND order_date BETWEEN $start AND $end", {"start": MAR4, "end": MAR5}, id="date column"),
    pytest.param(PLAIN, {"date_col": "o.order_date"},
                 "TRUE AND o.order_date BETWEEN $start AND $end", {"start": MAR4, "end": MAR5},
                 id="qualified date column"),
    pytest.param(PLAIN, {"date_col": "o.order_ts"},
                 "TRUE AND CAST(o.order_ts AS DATE) BETWEEN $start AND $end", {"start": MAR4, "end": MAR5},
                 id="timestamp column compared by day"),
    pytest.param(PLAIN, {"date_col": "created_ts"},
                 "TRUE AND CAST(created_ts AS DATE) BETWEEN $start AND $end", {"start": MAR4, "end": MAR5},
                 id="unqualified timestamp column"),
    pytest.param(Filters(MAR5, MAR5), {"date_col": "t.day"},
                 "TRUE AND t.day BETWEEN $start AND $end", {"start": MAR5, "end": MAR5}, id="one-day range"),
    pytest.param(CHOSEN, {"channel_col": "o.channel"},
                 "TRUE AND list_contains($channels, o.channel)", {"channels": ["search", "wecom"]},
                 id="channels"),
    pytest.param(PLAIN, {"channel_col": "o.channel"}, "TRUE", {}, id="empty channels tuple: all channels"),
    pytest.param(CHOSEN, {"category_col": "p.category"},
                 "TRUE AND list_contains($categories, p.category)", {"categories": ["Pet"]}, id="categories"),
    pytest.param(Filters(MAR4, MAR5, channels=("search",)), {"category_col": "p.category"}, "TRUE", {},
                 id="empty categories tuple: all categories"),
    pytest.param(CHOSEN, {"date_col": "r.day", "channel_col": "r.channel", "category_col": "r.category"},
                 "TRUE AND r.day BETWEEN $start AND $end AND list_contains($channels, r.channel)"
                 " AND list_contains($categories, r.category)",
                 {"start": MAR4, "end": MAR5, "channels": ["search", "wecom"], "categories": ["Pet"]},
                 id="all three, in date-channel-category order"),
    pytest.param(CHOSEN, {"date_col": "s.day", "channel_col": "channel", "category_col": "category",
                          "prefix": "prev_"},
                 "TRUE AND s.day BETWEEN $prev_start AND $prev_end AND list_contains($prev_channels, channel)"
                 " AND list_contains($prev_categories, category)",
                 {"prev_start": MAR4, "prev_end": MAR5, "prev_channels": ["search", "wecom"],
                  "prev_categories": ["Pet"]},
                 id="prefix keeps two periods' parameters apart"),
]


@pytest.mark.parametrize("filters, kwargs, sql, params", WHERE_CASES)
def test_where(filters, kwargs, sql, params):
    assert where(filters, **kwargs) == (sql, params)


@pytest.mark.parametrize("kwargs", [
    pytest.param({"date_col": "amount"}, id="not in the whitelist"),
    pytest.param({"date_col": "o.amount"}, id="qualified, not in the whitelist"),
    pytest.param({"date_col": "ORDER_DATE"}, id="the whitelist is lower case"),
    pytest.param({"date_col": "a.b.order_date"}, id="two qualifiers"),
    pytest.param({"date_col": "order_date; DROP TABLE orders"}, id="statement injection"),
    pytest.param({"date_col": "order_date OR TRUE"}, id="boolean injection"),
    pytest.param({"date_col": "order_date--"}, id="comment injection"),
    pytest.param({"date_col": "(SELECT 1).order_date"}, id="subquery qualifier"),
    pytest.param({"date_col": "o.order_date "}, id="trailing space"),
    pytest.param({"channel_col": "o.channel) OR (TRUE"}, id="channel column injection"),
    pytest.param({"category_col": "p.title"}, id="category column not in the whitelist"),
])
def test_where_refuses_columns_outside_the_whitelist(kwargs):
    with pytest.raises(ValueError, match="is not filterable"):
        where(CHOSEN, **kwargs)


def test_where_refuses_a_bad_channel_column_even_without_a_chosen_channel():
    with pytest.raises(ValueError, match="is not filterable"):
        where(PLAIN, channel_col="o.amount")


def test_where_binds_values_never_pastes_them():
    hostile = Filters(MAR4, MAR5, channels=("x') OR TRUE --",), categories=("'; DROP TABLE orders; --",))
    sql, params = where(hostile, channel_col="channel", category_col="category")
    assert "OR TRUE" not in sql and "DROP" not in sql
    assert params == {"channels": ["x') OR TRUE --"], "categories": ["'; DROP TABLE orders; --"]}


@pytest.fixture
def events():
    """A tiny table: one row per (id, day, timestamp, channel, category) around a 2024-03-04..05 range."""
    con = duckdb.connect()
    con.execute("CREATE TABLE e (id INTEGER, day DATE, order_ts TIMESTAMP, channel VARCHAR, category VARCHAR)")
    con.executemany("INSERT INTO e VALUES (?, ?, ?, ?, ?)", [
        (1, date(2024, 3, 3), datetime(2024, 3, 3, 23, 59, 59), "search", "Pet"),   # the day before
        (2, date(2024, 3, 4), datetime(2024, 3, 4, 0, 0, 0), "search", "Pet"),      # first instant of the range
        (3, date(2024, 3, 5), datetime(2024, 3, 5, 23, 59, 59), "wecom", "Home"),   # last second of the range
        (4, date(2024, 3, 5), datetime(2024, 3, 5, 12, 0, 0), "direct", "Pet"),
        (5, date(2024, 3, 6), datetime(2024, 3, 6, 0, 0, 0), "search", "Pet"),      # the day after
    ])
    yield con
    con.close()


def _ids(con, sql, params):
    return [r[0] for r in con.execute(f"SELECT id FROM e WHERE {sql} ORDER BY id", params).fetchall()]


@pytest.mark.parametrize("filters, kwargs, ids", [
    (PLAIN, {"date_col": "day"}, [2, 3, 4]),                                  # both ends inclusive
    (PLAIN, {"date_col": "e.order_ts"}, [2, 3, 4]),                           # 23:59:59 on the end day is in
    (Filters(MAR5, MAR5), {"date_col": "order_ts"}, [3, 4]),                  # one day
    (CHOSEN, {"date_col": "day", "channel_col": "channel"}, [2, 3]),          # search or wecom, in range
    (CHOSEN, {"date_col": "day", "channel_col": "channel", "category_col": "category"}, [2]),  # ... and Pet
    (Filters(MAR4, MAR5, channels=("x') OR TRUE --",)), {"channel_col": "channel"}, []),  # a value, not SQL
])
def test_fragment_selects_the_right_rows_in_duckdb(events, filters, kwargs, ids):
    sql, params = where(filters, **kwargs)
    assert _ids(events, sql, params) == ids


@pytest.mark.parametrize("filters, days", [
    (Filters(MAR5, MAR5), 1),                                  # one day
    (Filters(MAR4, MAR5), 2),
    (Filters(date(2024, 2, 1), date(2024, 2, 29)), 29),        # leap February
    (Filters(date(2024, 1, 1), date(2024, 12, 31)), 366),      # leap year
])
def test_days_counts_both_ends(filters, days):
    assert filters.days == days


@pytest.mark.parametrize("filters, start, end", [
    (Filters(MAR4, MAR5), date(2024, 3, 2), date(2024, 3, 3)),                    # 2 days before 03-04
    (Filters(MAR5, MAR5), MAR4, MAR4),                                           # one day: the day before
    (Filters(date(2024, 3, 1), date(2024, 3, 31)), date(2024, 1, 30), date(2024, 2, 29)),  # 31 days, over Feb 29
    (Filters(date(2024, 1, 1), date(2024, 1, 7)), date(2023, 12, 25), date(2023, 12, 31)),  # across a year end
])
def test_previous_is_the_period_of_equal_length_just_before(filters, start, end):
    prev = filters.previous()
    assert (prev.start, prev.end) == (start, end)
    assert prev.days == filters.days


def test_previous_and_with_range_keep_the_choices():
    prev = CHOSEN.previous()
    moved = CHOSEN.with_range(date(2023, 1, 1), date(2023, 1, 31))
    assert (prev.channels, prev.categories) == (("search", "wecom"), ("Pet",))
    assert moved == Filters(date(2023, 1, 1), date(2023, 1, 31), ("search", "wecom"), ("Pet",))
    assert (CHOSEN.start, CHOSEN.end) == (MAR4, MAR5)  # frozen: the original is unchanged


@pytest.mark.parametrize("data_start, data_end, days, start", [
    (date(2024, 1, 1), date(2024, 3, 31), 30, date(2024, 3, 2)),    # 03-31 - 29 days
    (date(2024, 3, 20), date(2024, 3, 31), 30, date(2024, 3, 20)),   # 12 days of data: starts at the data
    (date(2024, 3, 2), date(2024, 3, 31), 30, date(2024, 3, 2)),     # exactly 30 days of data
    (date(2024, 1, 1), date(2024, 3, 31), 7, date(2024, 3, 25)),     # 03-31 - 6 days
    (date(2024, 1, 1), date(2024, 3, 31), 1, date(2024, 3, 31)),     # one day: the last day
    (date(2024, 3, 31), date(2024, 3, 31), 30, date(2024, 3, 31)),   # one day of data
])
def test_default_filters_is_the_last_days_of_the_data(data_start, data_end, days, start):
    assert default_filters(data_start, data_end, days) == Filters(start, data_end)
