"""Campaign lift on a hand-written daily series (weekend / weekday / any-day baselines, big sale with a pre-sale,
overlapping events, "other" campaigns that remove no day, the data's edges, days without UV), the averages per kind,
and the daily series with its day spine on the tiny store."""
from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest

from ecomops.filters import Filters
from ecomops.traffic import campaigns

NAN = float("nan")
DATA_START, DATA_END = date(2024, 5, 1), date(2024, 6, 18)  # Wed 05-01 .. Tue 06-18
PRESALE = (date(2024, 6, 1), date(2024, 6, 15))
SALE = (date(2024, 6, 16), date(2024, 6, 18))
FLASH = (date(2024, 5, 25), date(2024, 5, 26))  # Sat, Sun


def _day_values(day: date) -> tuple[float, int, int, float]:
    """Return (gmv, orders, buyers, uv) of a day of the hand-written series."""
    if SALE[0] <= day <= SALE[1]:
        return 400.0, 8, 8, (NAN if day == date(2024, 6, 18) else 50.0)  # no traffic data on 06-18
    if PRESALE[0] <= day <= PRESALE[1]:
        return 150.0, 3, 3, 50.0
    if FLASH[0] <= day <= FLASH[1]:
        return 500.0, 10, 10, 100.0
    if day.weekday() >= 5:
        return 200.0, 4, 4, 80.0  # an ordinary weekend day
    return 100.0, 2, 2, 50.0      # an ordinary weekday


def _daily() -> pd.DataFrame:
    days = [DATA_START + timedelta(days=i) for i in range((DATA_END - DATA_START).days + 1)]
    values = [_day_values(d) for d in days]
    return pd.DataFrame({"day": pd.to_datetime(days), "gmv": [v[0] for v in values], "orders": [v[1] for v in values],
                         "buyers": [v[2] for v in values], "uv": [v[3] for v in values]})


def _campaigns(rows) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["campaign_id", "name", "kind", "presale_start", "start_date", "end_date"])
    return frame.astype({"presale_start": "object"})


CAMPAIGNS = _campaigns([
    ("OUT", "win-back outreach", "other", None, date(2024, 5, 10), date(2024, 5, 20)),
    ("FS", "flash sale", "flash_sale", None, *FLASH),
    ("618", "618", "big_sale", PRESALE[0], SALE[0], date(2024, 6, 20)),  # runs 2 days past the data
    ("MD", "member day", "member_day", None, date(2024, 6, 17), date(2024, 6, 17)),  # inside the big sale
])


@pytest.fixture(scope="module")
def lift() -> pd.DataFrame:
    return campaigns.campaign_lift(_daily(), CAMPAIGNS, CAMPAIGNS, DATA_START, DATA_END).set_index("campaign_id")


def test_weekend_campaign_against_weekend_days(lift):
    fs = lift.loc["FS"]
    # 28 days before Sat 05-25 reach back to 04-27; data from 05-01: 05-01..05-24, weekend days 05-04/05, 11/12, 18/19
    assert (fs["baseline_rule"], fs["baseline_days"]) == ("weekend days", 6)
    assert (fs["baseline_from"], fs["baseline_to"]) == (date(2024, 5, 4), date(2024, 5, 19))
    assert (fs["campaign_days"], fs["overlaps"]) == (2, "")
    assert (fs["gmv"], fs["baseline_gmv"], fs["gmv_lift"]) == (500.0, 200.0, pytest.approx(1.5))  # 500 / 200 - 1
    assert fs["orders_lift"] == pytest.approx(1.5)      # 10 / 4 - 1
    assert fs["uv_lift"] == pytest.approx(0.25)         # 100 / 80 - 1
    # pooled conversion: 20 buyers / 200 UV = 0.1 against 24 / 480 = 0.05
    assert (fs["conversion_rate"], fs["baseline_conversion_rate"]) == (pytest.approx(0.1), pytest.approx(0.05))
    assert fs["conversion_rate_lift"] == pytest.approx(1.0)
    assert pd.isna(fs["presale_gmv_lift"])  # no pre-sale


def test_big_sale_baseline_before_the_presale_and_other_campaigns_remove_no_day(lift):
    big = lift.loc["618"]
    # anchored on the pre-sale start 06-01: 05-04..05-31 minus the flash sale 05-25/26 = 26 days; the "other"
    # outreach (05-10..05-20) removes none. Sale days Sun 06-16, Mon 06-17, Tue 06-18 mix types: any day.
    assert (big["baseline_rule"], big["baseline_days"]) == ("any day", 26)
    assert (big["baseline_from"], big["baseline_to"]) == (date(2024, 5, 4), date(2024, 5, 31))
    assert big["campaign_days"] == 3  # 06-19 and 06-20 are past the data
    # baseline: 20 weekdays of 100 and 6 weekend days of 200 -> 3200 / 26; the sale 400 a day -> 400 * 26 / 3200 - 1
    assert big["baseline_gmv"] == pytest.approx(3200 / 26)
    assert big["gmv_lift"] == pytest.approx(2.25)
    # UV only on the days that have it (06-16, 06-17): 50 against (20 * 50 + 6 * 80) / 26 = 1480 / 26
    assert big["uv"] == 50.0 and big["uv_lift"] == pytest.approx(50 / (1480 / 26) - 1)
    # conversion pools those days too: 16 / 100 = 0.16 against (20 * 2 + 6 * 4) / 1480 = 64 / 1480
    assert big["conversion_rate_lift"] == pytest.approx(0.16 / (64 / 1480) - 1)  # = 2.7
    # pre-sale 06-01..06-15 at 150 a day against the same baseline: 150 * 26 / 3200 - 1
    assert big["presale_gmv_lift"] == pytest.approx(0.21875)
    assert big["overlaps"] == ""  # a member day inside it ranks lower


def test_member_day_inside_a_big_sale(lift):
    md = lift.loc["MD"]
    assert md["overlaps"] == "618"
    # 05-20..06-16 minus the flash sale and the big sale's window (06-01..06-20): 05-20..05-31 without 25/26;
    # Monday 06-17 is a weekday: the 10 weekdays of 100
    assert (md["baseline_rule"], md["baseline_days"]) == ("weekdays", 10)
    assert (md["baseline_from"], md["baseline_to"]) == (date(2024, 5, 20), date(2024, 5, 31))
    assert md["gmv_lift"] == pytest.approx(3.0)  # 400 / 100 - 1


def test_other_campaign_lift(lift):
    out = lift.loc["OUT"]
    # 04-12..05-09 cut to the data: 05-01..05-09 = 7 weekdays and 2 weekend days -> 1100 / 9; its 11 days
    # (05-10..05-20) hold 7 weekdays and 4 weekend days -> 1500 / 11; mixed: any day
    assert (out["baseline_rule"], out["baseline_days"], out["campaign_days"]) == ("any day", 9, 11)
    assert out["gmv_lift"] == pytest.approx((1500 / 11) / (1100 / 9) - 1)  # 14 / 121


def test_lift_columns(lift):
    assert list(lift.reset_index().columns) == [
        "campaign_id", "name", "kind", "start_date", "end_date", "campaign_days", "baseline_days", "baseline_rule",
        "overlaps", "baseline_from", "baseline_to", "gmv", "baseline_gmv", "gmv_lift", "orders", "baseline_orders",
        "orders_lift", "buyers", "baseline_buyers", "buyers_lift", "uv", "baseline_uv", "uv_lift", "conversion_rate",
        "baseline_conversion_rate", "conversion_rate_lift", "presale_gmv_lift"]


def test_campaigns_at_the_edges_of_the_data():
    edges = _campaigns([
        ("FIRST", "member day", "member_day", None, DATA_START, DATA_START),       # nothing before it
        ("LATE", "flash sale", "flash_sale", None, date(2024, 6, 25), date(2024, 6, 26)),  # after the data
    ])
    lift = campaigns.campaign_lift(_daily(), edges, edges, DATA_START, DATA_END).set_index("campaign_id")
    first = lift.loc["FIRST"]
    assert (first["baseline_days"], first["baseline_rule"], first["baseline_from"]) == (0, "any day", None)
    assert first["gmv"] == 100.0 and pd.isna(first["baseline_gmv"]) and pd.isna(first["gmv_lift"])
    late = lift.loc["LATE"]
    # no campaign day in the data; baseline 05-28..06-24 cut at 06-18 = 22 days, no day type to match
    assert (late["campaign_days"], late["baseline_days"], late["baseline_rule"]) == (0, 22, "any day")
    assert pd.isna(late["gmv"]) and pd.isna(late["gmv_lift"])
    # the series' values on 05-28..05-31 (weekdays, 100), 06-01..06-15 (150) and 06-16..06-18 (400)
    assert late["baseline_gmv"] == pytest.approx((4 * 100 + 15 * 150 + 3 * 400) / 22)  # = 175


def test_events_of_equal_rank_overlap_each_other():
    same_day = _campaigns([
        ("MD-A", "member day", "member_day", None, date(2024, 6, 4), date(2024, 6, 4)),
        ("MD-B", "member day (app)", "member_day", None, date(2024, 6, 4), date(2024, 6, 4)),
        ("OUT", "win-back outreach", "other", None, date(2024, 6, 1), date(2024, 6, 10)),  # ranks below everything
    ])
    lift = campaigns.campaign_lift(_daily(), same_day, same_day, DATA_START, DATA_END).set_index("campaign_id")
    assert lift["overlaps"].to_dict() == {"MD-A": "MD-B", "MD-B": "MD-A", "OUT": "MD-A, MD-B"}


def test_effects_by_kind_leave_out_overlapping_campaigns(lift):
    by_kind = campaigns.effects_by_kind(lift.reset_index())
    assert list(by_kind.columns) == ["kind", "label", "events", "gmv_lift", "orders_lift", "buyers_lift", "uv_lift",
                                     "conversion_rate_lift"]
    # the member day overlaps the big sale: left out, so no member-day row at all
    assert by_kind["kind"].tolist() == ["big_sale", "flash_sale", "other"]
    assert by_kind["label"].tolist() == ["Big sale", "Flash sale", "Other campaign"]  # label("campaign_kind", ...)
    assert by_kind["events"].tolist() == [1, 1, 1]
    assert by_kind["gmv_lift"].tolist() == pytest.approx([2.25, 1.5, 14 / 121])


def test_effects_by_kind_average_and_unknown_kind_label():
    lift = pd.DataFrame({"campaign_id": ["a", "b", "c", "d"],
                         "kind": ["member_day", "member_day", "live", "member_day"],
                         "overlaps": ["", None, "", "x"], **{f"{m}_lift": [0.5, 1.5, 0.2, 9.0]
                                                             for m in campaigns.LIFT_METRICS}})
    lift.loc[1, "uv_lift"] = None  # a lift that could not be computed is left out of the mean
    by_kind = campaigns.effects_by_kind(lift).set_index("kind")
    assert by_kind["events"].to_dict() == {"live": 1, "member_day": 2}  # "d" overlaps: out; None overlaps: in
    assert by_kind.loc["member_day", "gmv_lift"] == pytest.approx(1.0)  # (0.5 + 1.5) / 2
    assert by_kind.loc["member_day", "uv_lift"] == pytest.approx(0.5)  # a's 0.5 alone: b's is unknown
    assert by_kind.loc["live", "label"] == "Live"  # no label known: the code humanised (ecomops.i18n.label)
    assert campaigns.effects_by_kind(lift.head(0)).empty


# --- on the tiny store (tests/fixtures_tiny.sql) -----------------------------------------------------------------

def _assert_series(frame: pd.DataFrame, expected: list[tuple]) -> None:
    """Compare a daily series with rows of (MM-DD, gmv, orders, buyers, uv, conversion rate); NaN = unknown."""
    assert [d.strftime("%m-%d") for d in frame["day"]] == [row[0] for row in expected]
    for i, col in enumerate(["gmv", "orders", "buyers", "uv", "conversion_rate"], start=1):
        assert frame[col].astype(float).tolist() == pytest.approx([row[i] for row in expected], nan_ok=True), col


def test_daily_series_fills_every_day_of_the_range(tiny_con):
    series = campaigns.daily_series(tiny_con, Filters(date(2024, 3, 2), date(2024, 3, 6)))
    # 03-03: O6 40, buyer C, UV 25 -> 1 / 25; 03-04: O1 25 + O3 10 (its -1 line is no sale), A and B, UV 50;
    # 03-05: O2 20 + guest O5 15 (O4 cancelled), buyer A only, UV 50; 03-02 and 03-06: no data (0, UV unknown)
    _assert_series(series, [
        ("03-02", 0, 0, 0, NAN, NAN), ("03-03", 40, 1, 1, 25, 0.04), ("03-04", 35, 2, 2, 50, 0.04),
        ("03-05", 35, 2, 1, 50, 0.02), ("03-06", 0, 0, 0, NAN, NAN)])


@pytest.mark.parametrize("f, expected", [
    # search: O6 40 / UV 25; O1 25 / UV 40; O2 20 / UV 30
    (Filters(date(2024, 3, 3), date(2024, 3, 5), channels=("search",)),
     [("03-03", 40, 1, 1, 25, 0.04), ("03-04", 25, 1, 1, 40, 0.025), ("03-05", 20, 1, 1, 30, 1 / 30)]),
    # Kitchen (P1, P2): O1 20 + 5 and O3 10 on 03-04; the guest's O5 15 on 03-05; UV is not split by category
    (Filters(date(2024, 3, 3), date(2024, 3, 5), categories=("Kitchen",)),
     [("03-03", 0, 0, 0, 25, 0.0), ("03-04", 35, 2, 2, 50, 0.04), ("03-05", 15, 1, 0, 50, 0.0)]),
    (Filters(date(2024, 3, 4), date(2024, 3, 4)), [("03-04", 35, 2, 2, 50, 0.04)]),  # one day
    # UV recorded as 0 (a channel without traffic): no conversion rather than a division by zero
    (Filters(date(2024, 3, 4), date(2024, 3, 4), channels=("wecom",)), [("03-04", 0, 0, 0, 0, NAN)]),
])
def test_daily_series_filters(tiny_con, f, expected):
    tiny_con.execute("INSERT INTO traffic_daily VALUES (DATE '2024-03-04', 'wecom', 'app', 0, 0, 0, 0, 0, NULL)")
    _assert_series(campaigns.daily_series(tiny_con, f), expected)


@pytest.mark.parametrize("f, gmv_lift, conversion_lift", [
    # baseline = 03-03 and 03-04 (data from 03-03; 1 weekday < 3: any day): GMV (40 + 35) / 2 = 37.5 against 35;
    # conversion (1 + 2) / (25 + 50) = 0.04 against 1 / 50
    (Filters(date(2024, 3, 5), date(2024, 3, 6)), 35 / 37.5 - 1, 0.02 / 0.04 - 1),
    # search only: GMV (40 + 25) / 2 = 32.5 against 20; conversion 2 / 65 against 1 / 30
    (Filters(date(2024, 3, 5), date(2024, 3, 6), channels=("search",)), 20 / 32.5 - 1, (1 / 30) / (2 / 65) - 1),
])
def test_campaign_overview_on_the_tiny_store(tiny_con, f, gmv_lift, conversion_lift):
    tiny_con.execute("INSERT INTO campaigns (campaign_id, name, kind, start_date, end_date) "
                     "VALUES ('MD', 'member day', 'member_day', DATE '2024-03-05', DATE '2024-03-05')")
    data = campaigns.campaign_overview(tiny_con, f)
    assert data["calendar"]["campaign_id"].tolist() == ["MD"]
    # the daily series covers the range only (although the baseline reached back to 03-03), cut at the last
    # order day 03-05
    assert [d.strftime("%m-%d") for d in data["daily"]["day"]] == ["03-05"]
    row = data["lift"].set_index("campaign_id").loc["MD"]
    assert (row["baseline_days"], row["baseline_rule"]) == (2, "any day")
    assert row["gmv_lift"] == pytest.approx(gmv_lift)
    assert row["conversion_rate_lift"] == pytest.approx(conversion_lift)
    assert data["by_kind"]["events"].tolist() == [1]
