"""Scroll depth on hand-written rows: reach and leave shares per device and for all devices, and the biggest exit
on the edge cases (a first screen nobody reached, a single screen, ties, no exit before the last screen, screens
not starting at 1 or with gaps), several days summed, the date filter, an empty range."""
from __future__ import annotations

from datetime import date

import pytest

from ecomops.filters import Filters
from ecomops.traffic import funnel

NAN = float("nan")
DAY = date(2024, 3, 4)


def _scroll(con, rows, f=Filters(DAY, DAY)):
    """Insert (device, screen, visitors) rows on DAY and return scroll_depth's rows as tuples."""
    con.executemany("INSERT INTO scroll_depth VALUES (?, ?, ?, ?, NULL)", [(DAY, *r) for r in rows])
    frame = funnel.scroll_depth(con, f)
    assert list(frame.columns) == ["device", "screen", "visitors", "reach_share", "leave_share", "biggest_exit"]
    return frame


def _check(frame, expected):
    """Compare with (device, screen, visitors, reach share, leave share, biggest exit) rows; NaN = no share."""
    assert list(zip(frame["device"], frame["screen"])) == [(e[0], e[1]) for e in expected]
    assert frame["visitors"].tolist() == [e[2] for e in expected]
    assert frame["reach_share"].tolist() == pytest.approx([e[3] for e in expected], nan_ok=True)
    assert frame["leave_share"].tolist() == pytest.approx([e[4] for e in expected], nan_ok=True)
    assert frame["biggest_exit"].astype(bool).tolist() == [e[5] for e in expected]


def test_nobody_reached_a_device_first_screen(tiny_con):
    frame = _scroll(tiny_con, [("app", 1, 0), ("app", 2, 0), ("pc", 1, 10), ("pc", 2, 4)])
    # app: no first-screen visitors, so no share and no exit; all = pc: 10 -> 4, 6 of 10 leave after screen 1
    # and the remaining 4 after the last
    _check(frame, [("all", 1, 10, 1.0, 0.6, True), ("all", 2, 4, 0.4, 0.4, False),
                   ("app", 1, 0, NAN, NAN, False), ("app", 2, 0, NAN, NAN, False),
                   ("pc", 1, 10, 1.0, 0.6, True), ("pc", 2, 4, 0.4, 0.4, False)])


def test_a_single_screen_is_its_own_biggest_exit(tiny_con):
    frame = _scroll(tiny_con, [("app", 1, 50)])
    _check(frame, [("all", 1, 50, 1.0, 1.0, True), ("app", 1, 50, 1.0, 1.0, True)])


def test_ties_go_to_the_earlier_screen(tiny_con):
    frame = _scroll(tiny_con, [("app", 1, 100), ("app", 2, 60), ("app", 3, 20), ("app", 4, 10)])
    # 100 -> 60 -> 20 -> 10: 40 leave after screen 1 and 40 after screen 2; the last screen's 10 do not count
    app = frame[frame["device"] == "app"]
    _check(app, [("app", 1, 100, 1.0, 0.4, True), ("app", 2, 60, 0.6, 0.4, False), ("app", 3, 20, 0.2, 0.1, False),
                 ("app", 4, 10, 0.1, 0.1, False)])


def test_the_last_screen_is_not_an_exit_when_others_exist(tiny_con):
    frame = _scroll(tiny_con, [("app", 1, 30), ("app", 2, 30), ("app", 3, 30)])
    # nobody leaves before the last screen (where all 30 leave): the first of the zero-exit screens
    app = frame[frame["device"] == "app"]
    _check(app, [("app", 1, 30, 1.0, 0.0, True), ("app", 2, 30, 1.0, 0.0, False), ("app", 3, 30, 1.0, 1.0, False)])


def test_screens_with_gaps_and_devices_merged(tiny_con):
    frame = _scroll(tiny_con, [("app", 2, 40), ("app", 5, 10), ("pc", 3, 7)])
    # app starts at screen 2: 40 -> 10 (30 leave after screen 2). pc has one screen (3).
    # all: screens 2, 3, 5 with 40, 7, 10 visitors: leave 40 - 7 = 33 after screen 2, 7 - 10 = -3 after screen 3
    # (more visitors reach screen 5 than screen 3 across devices), 10 after screen 5
    _check(frame, [("all", 2, 40, 1.0, 33 / 40, True), ("all", 3, 7, 7 / 40, -3 / 40, False),
                   ("all", 5, 10, 10 / 40, 10 / 40, False),
                   ("app", 2, 40, 1.0, 0.75, True), ("app", 5, 10, 0.25, 0.25, False),
                   ("pc", 3, 7, 1.0, 1.0, True)])


def test_days_are_summed_and_the_range_applies(tiny_con):
    tiny_con.executemany("INSERT INTO scroll_depth VALUES (?, ?, ?, ?, NULL)", [
        (date(2024, 3, 5), "app", 1, 20), (date(2024, 3, 5), "app", 2, 5),
        (date(2024, 3, 6), "app", 1, 1000),  # after the range
    ])
    frame = _scroll(tiny_con, [("app", 1, 80), ("app", 2, 45)], Filters(DAY, date(2024, 3, 5)))
    # screen 1: 80 + 20 = 100, screen 2: 45 + 5 = 50
    _check(frame, [("all", 1, 100, 1.0, 0.5, True), ("all", 2, 50, 0.5, 0.5, False),
                   ("app", 1, 100, 1.0, 0.5, True), ("app", 2, 50, 0.5, 0.5, False)])
    one_day = funnel.scroll_depth(tiny_con, Filters(date(2024, 3, 6), date(2024, 3, 6)))
    assert one_day["visitors"].tolist() == [1000, 1000]  # all, app


def test_scroll_depth_empty_range(tiny_con):
    _scroll(tiny_con, [("app", 1, 10)])
    empty = funnel.scroll_depth(tiny_con, Filters(date(1999, 1, 1), date(1999, 1, 2)))
    assert empty.empty and list(empty.columns) == ["device", "screen", "visitors", "reach_share", "leave_share",
                                                   "biggest_exit"]
