"""Campaign lift against comparable days and the pre-sale share, on a hand-built April 2024 store.

Every day from Mon 2024-04-01 to Sun 2024-05-05 has one order of one customer: weekdays 100, weekend days 200.
Exceptions: member day Tue 04-23 = 500, flash sale Sat/Sun 04-13..14 = 300 each, member day Tue 04-30 = 150.
UV is 50 a day, 60 on 04-30.
"""
from datetime import date, timedelta

import pytest

from ecomops import db
from ecomops.traffic import campaigns
from ecomops.filters import Filters

FIRST, LAST = date(2024, 4, 1), date(2024, 5, 5)
SPECIAL = {date(2024, 4, 23): 500.0, date(2024, 4, 13): 300.0, date(2024, 4, 14): 300.0, date(2024, 4, 30): 150.0}


def _gmv(day: date) -> float:
    return SPECIAL.get(day, 200.0 if day.weekday() >= 5 else 100.0)


@pytest.fixture
def con():
    con = db.connect_memory()
    con.execute("INSERT INTO products VALUES ('P', 'Mat', NULL, 'Sports', 1.0, 0.5, NULL, NULL)")
    day, n = FIRST, 0
    while day <= LAST:
        n += 1
        con.execute("INSERT INTO orders (order_id, customer_id, order_ts, order_date, status, channel, device) "
                    "VALUES (?, ?, ?, ?, 'completed', 'search', 'app')", [f"O{n}", f"C{n}", day, day])
        con.execute("INSERT INTO order_items VALUES (?, 1, 'P', 1, ?, NULL)", [f"O{n}", _gmv(day)])
        con.execute("INSERT INTO traffic_daily VALUES (?, 'search', 'app', ?, 0, 0, 0, 0, NULL)",
                    [day, 60 if day == date(2024, 4, 30) else 50])
        day += timedelta(days=1)
    con.executemany("INSERT INTO campaigns (campaign_id, name, kind, start_date, end_date, presale_start) "
                    "VALUES (?, ?, ?, ?, ?, ?)", [
                        ("FS-04", "flash sale", "flash_sale", date(2024, 4, 13), date(2024, 4, 14), None),
                        ("MD-0423", "member day", "member_day", date(2024, 4, 23), date(2024, 4, 23), None),
                        ("MD-0430", "member day", "member_day", date(2024, 4, 30), date(2024, 4, 30), None),
                    ])
    yield con
    con.close()


def test_member_day_lift_against_comparable_weekdays(con):
    data = campaigns.campaign_overview(con, Filters(date(2024, 4, 29), date(2024, 5, 5)))
    assert data["calendar"]["campaign_id"].tolist() == ["MD-0430"]
    row = data["lift"].set_index("campaign_id").loc["MD-0430"]
    # Baseline: 04-02 .. 04-29 without event days (04-13, 04-14, 04-23), weekdays only: 20 - 1 = 19 days of 100
    assert row["baseline_rule"] == "weekdays"
    assert row["baseline_days"] == 19
    assert (row["baseline_from"], row["baseline_to"]) == (date(2024, 4, 2), date(2024, 4, 29))
    assert row["baseline_gmv"] == pytest.approx(100.0)
    assert row["gmv_lift"] == pytest.approx(0.5)
    assert row["uv_lift"] == pytest.approx(60 / 50 - 1)
    # conversion 1/60 against 19 buyers / (19 * 50) UV
    assert row["conversion_rate_lift"] == pytest.approx((1 / 60) / (1 / 50) - 1)
    assert row["orders_lift"] == pytest.approx(0.0)


def test_flash_sale_falls_back_to_any_day(con):
    data = campaigns.campaign_overview(con, Filters(date(2024, 4, 13), date(2024, 4, 14)))
    row = data["lift"].set_index("campaign_id").loc["FS-04"]
    # Data starts 04-01, so the window is 04-01 .. 04-12: only 2 weekend days (< 3) -> any day:
    # 10 weekdays of 100 + 2 weekend days of 200 = 1400 / 12
    assert row["baseline_rule"] == "any day"
    assert row["baseline_days"] == 12
    assert row["gmv"] == pytest.approx(300.0)
    assert row["gmv_lift"] == pytest.approx(300 / (1400 / 12) - 1)


def test_effects_by_kind(con):
    data = campaigns.campaign_overview(con, Filters(date(2024, 4, 1), date(2024, 5, 5)))
    lift = data["lift"].set_index("campaign_id")
    # MD-0423: baseline 03-26 .. 04-22 -> data from 04-01, minus 04-13/14, weekdays: 04-01 .. 04-22 = 16 weekdays
    assert lift.loc["MD-0423", "baseline_days"] == 16
    assert lift.loc["MD-0423", "gmv_lift"] == pytest.approx(4.0)
    by_kind = data["by_kind"].set_index("kind")
    assert by_kind.loc["member_day", "events"] == 2
    assert by_kind.loc["member_day", "gmv_lift"] == pytest.approx((4.0 + 0.5) / 2)
    assert by_kind.loc["flash_sale", "events"] == 1


def test_presale_share_of_big_sale(con):
    con.execute("INSERT INTO campaigns (campaign_id, name, kind, start_date, end_date, presale_start) VALUES "
                "('BIG', '618', 'big_sale', DATE '2024-06-17', DATE '2024-06-18', DATE '2024-06-01')")
    rows = [  # order, day, campaign, presale, status, amount
        ("B1", date(2024, 6, 3), "BIG", True, "paid", 30.0),
        ("B2", date(2024, 6, 17), "BIG", False, "completed", 70.0),
        ("B3", date(2024, 6, 18), None, False, "completed", 50.0),  # untagged inside the window: counts
        ("B4", date(2024, 6, 17), "OTHER", False, "completed", 1000.0),  # another campaign's order: not counted
        ("B5", date(2024, 6, 5), "BIG", True, "cancelled", 400.0),  # cancelled: never GMV
        ("B6", date(2024, 5, 30), "BIG", True, "paid", 80.0),  # before the window
    ]
    for oid, day, camp, pre, status, amount in rows:
        con.execute("INSERT INTO orders (order_id, customer_id, order_ts, order_date, status, channel, device, "
                    "campaign_id, is_presale) VALUES (?, 'X', ?, ?, ?, 'search', 'app', ?, ?)",
                    [oid, day, day, status, camp, pre])
        con.execute("INSERT INTO order_items VALUES (?, 1, 'P', 1, ?, NULL)", [oid, amount])
    presale = campaigns.presale_share(con, Filters(date(2024, 6, 10), date(2024, 6, 30)))
    row = presale.set_index("campaign_id").loc["BIG"]
    assert row["gmv"] == pytest.approx(150.0)
    assert row["presale_gmv"] == pytest.approx(30.0)
    assert row["presale_share"] == pytest.approx(0.2)
    assert (row["orders"], row["presale_orders"]) == (3, 1)


def test_no_campaigns_in_range(con):
    data = campaigns.campaign_overview(con, Filters(date(2024, 4, 2), date(2024, 4, 5)))
    assert data["calendar"].empty and data["lift"].empty and data["by_kind"].empty


@pytest.mark.parametrize("f", [
    Filters(date(2024, 3, 3), date(2024, 3, 6)),
    Filters(date(2024, 3, 3), date(2024, 3, 6), channels=("search",)),
    Filters(date(2024, 3, 3), date(2024, 3, 6), categories=("Kitchen",)),
])
def test_daily_series_matches_the_overview_trend(tiny_con, f):
    from ecomops import metrics

    ours = campaigns.daily_series(tiny_con, f)
    overview = metrics.daily_trend(tiny_con, f)
    assert len(ours) == len(overview) == 4
    for col in ("gmv", "orders", "buyers", "uv", "conversion_rate"):
        assert ours[col].tolist() == pytest.approx(overview[col].astype(float).tolist(), nan_ok=True), col
