"""Cohort retention and spend, signup conversion and members vs non-members on hand-built stores."""
from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest

from ecomops import db
from ecomops.users import cohorts
from ecomops.filters import Filters
from tests.test_users import add_customer, add_order, add_products

d = date


@pytest.fixture
def cohort_con():
    con = db.connect_memory()
    add_products(con)
    # January cohort: X1, X2, X3 (first orders in January); February cohort: Y1, Y2. Every order is worth 10.
    add_order(con, "X1", d(2024, 1, 5), channel="wecom")
    add_order(con, "X1", d(2024, 1, 20))     # repeat in the acquisition month (k = 0)
    add_order(con, "X1", d(2024, 2, 10))     # k = 1
    add_order(con, "X1", d(2024, 4, 1))      # k = 3
    add_order(con, "X2", d(2024, 1, 15))
    add_order(con, "X2", d(2024, 3, 3))      # k = 2
    add_order(con, "X2", d(2024, 4, 20))     # after the reference date: ignored
    add_order(con, "X3", d(2024, 1, 31))
    add_order(con, "X3", d(2024, 2, 20))     # k = 1
    add_order(con, "Y1", d(2024, 2, 1))
    add_order(con, "Y1", d(2024, 2, 2))      # k = 0
    add_order(con, "Y1", d(2024, 3, 5))      # k = 1
    add_order(con, "Y2", d(2024, 2, 29))
    add_order(con, "Y2", d(2024, 3, 10), status="cancelled")
    add_order(con, None, d(2024, 2, 15))     # guest: no cohort
    yield con
    con.close()


def test_cohort_retention_and_cumulative_spend(cohort_con):
    frame = cohorts.cohorts(cohort_con, Filters(d(2024, 1, 1), d(2024, 4, 15)))
    jan = frame[frame["cohort"] == "2024-01"].set_index("k")
    feb = frame[frame["cohort"] == "2024-02"].set_index("k")
    assert list(frame["cohort"].unique()) == ["2024-01", "2024-02"]
    assert jan["customers"].iloc[0] == 3 and feb["customers"].iloc[0] == 2
    assert jan["repeaters"].tolist() == [1, 2, 1, 1]          # X1 | X1, X3 | X2 | X1
    assert jan["retention"].tolist() == pytest.approx([1 / 3, 2 / 3, 1 / 3, 1 / 3])
    assert feb["repeaters"].tolist() == [1, 1, 0]             # Y1 | Y1 | (Y2's March order is cancelled)
    assert list(feb.index) == [0, 1, 2]                       # February to April
    # January spend: 4 orders in January, 2 in February, 1 in March, 1 in April (X2's April order is after 04-15)
    assert jan["cumulative_spend"].tolist() == pytest.approx([40 / 3, 60 / 3, 70 / 3, 80 / 3])
    assert feb["cumulative_spend"].tolist() == pytest.approx([30 / 2, 40 / 2, 40 / 2])
    summary = cohorts.cohort_summary(frame)
    assert summary["retention_m1"] == pytest.approx(3 / 5)


def test_cohorts_by_acquisition_channel(cohort_con):
    frame = cohorts.cohorts(cohort_con, Filters(d(2024, 1, 1), d(2024, 4, 15), channels=("wecom",)))
    assert frame["cohort"].unique().tolist() == ["2024-01"]
    assert frame["retention"].tolist() == pytest.approx([1.0, 1.0, 0.0, 1.0])


def test_cohort_start_window():
    assert cohorts.cohort_start(Filters(d(2024, 3, 10), d(2024, 4, 15))) == d(2023, 5, 1)
    assert cohorts.cohort_start(Filters(d(2020, 1, 1), d(2024, 4, 15))) == d(2022, 5, 1)  # capped at 24


@pytest.fixture
def signup_con():
    con = db.connect_memory()
    add_products(con)
    add_customer(con, "S1", d(2024, 6, 1), "search")
    add_order(con, "S1", d(2024, 6, 3))                       # 2 days
    add_customer(con, "S2", d(2024, 6, 1), "search")
    add_order(con, "S2", d(2024, 6, 20))                      # 19 days
    add_customer(con, "S3", d(2024, 6, 10), "wecom")          # no order
    add_customer(con, "S4", d(2024, 6, 25), "wecom")
    add_order(con, "S4", d(2024, 6, 26))                      # 1 day
    add_customer(con, "S5", d(2024, 6, 30), "search")
    add_order(con, "S5", d(2024, 7, 1), status="cancelled")   # cancelled only: no order
    add_customer(con, "S6", d(2024, 5, 20), "search")         # signed up before the range
    add_order(con, "S6", d(2024, 5, 21))
    add_customer(con, "Z", d(2024, 1, 1), "search")
    add_order(con, "Z", d(2024, 7, 5))                        # last order day in the data: 2024-07-05
    yield con
    con.close()


JUNE = Filters(d(2024, 6, 1), d(2024, 6, 30))


def test_conversion_by_channel(signup_con):
    table = cohorts.conversion(signup_con, JUNE).set_index("group")
    assert list(table.index) == ["search", "wecom", "All"]
    total = table.loc["All"]
    # 7-day windows complete by 07-05 for signups up to 06-28: S1-S4; converted S1 (2 days), S4 (1 day)
    assert (total["signups"], total["ordered"], total["eligible_7"], total["converted_7"]) == (5, 3, 4, 2)
    assert total["rate_7"] == pytest.approx(0.5)
    # 30-day windows complete for signups up to 06-05: S1, S2, both converted
    assert (total["eligible_30"], total["converted_30"], total["rate_30"]) == (2, 2, 1.0)
    assert total["median_days_to_first"] == 2
    assert table.loc["search", "rate_7"] == pytest.approx(0.5) and table.loc["wecom", "rate_7"] == pytest.approx(0.5)
    assert table.loc["wecom", "eligible_30"] == 0 and table["rate_30"].isna()["wecom"]
    months = cohorts.conversion(signup_con, JUNE, by="month")
    assert months["group"].tolist() == ["2024-06", "All"]
    wecom_only = cohorts.conversion(signup_con, Filters(JUNE.start, JUNE.end, channels=("wecom",)))
    assert wecom_only["group"].tolist() == ["wecom", "All"]


def test_time_to_first_order_buckets(signup_con):
    frame = cohorts.time_to_first_order(signup_con, JUNE).set_index("bucket")
    assert frame["customers"].to_dict() == {"1–7 days": 2, "8–30 days": 1, "no order yet": 2}
    assert frame["share"].sum() == pytest.approx(1.0)


def test_signup_coverage(signup_con):
    assert cohorts.signup_coverage(signup_con) == {"registered": 7, "with_signup_date": 7, "members": 0}


@pytest.fixture
def member_con():
    con = db.connect_memory()
    add_products(con)
    add_customer(con, "M1", d(2024, 1, 1), tier="gold")
    add_customer(con, "M2", d(2024, 1, 1), tier="silver")
    add_customer(con, "M3", d(2024, 1, 1), tier="gold")
    add_customer(con, "N1", d(2024, 1, 1))
    add_customer(con, "N2", d(2024, 1, 1))
    add_customer(con, "N3", d(2024, 1, 1))
    for cid, days in {
        "M1": [d(2024, 5, 10), d(2024, 6, 1), d(2024, 6, 23)],   # gaps 22, 22 (both end in June)
        "M2": [d(2024, 6, 5), d(2024, 6, 27)],                   # gap 22
        "M3": [d(2024, 6, 10)],
        "N1": [d(2024, 5, 1), d(2024, 5, 31), d(2024, 6, 30)],   # gap 30 ends in May (outside), 30 in June
        "N2": [d(2024, 6, 1), d(2024, 7, 1)],                    # gap ends in July: outside
        "N3": [d(2024, 5, 15), d(2024, 6, 14)],                  # gap 30
        "N4": [d(2024, 6, 3), d(2024, 6, 25)],                   # not in customers: non-member; gap 22
    }.items():
        for day in days:
            add_order(con, cid, day)
    add_order(con, "M3", d(2024, 6, 12), status="cancelled")     # not an order
    add_order(con, None, d(2024, 6, 15))                         # guest: not a buyer
    yield con
    con.close()


def test_members_vs_non_members(member_con):
    table = cohorts.members(member_con, JUNE).set_index("group")
    m, n = table.loc["member"], table.loc["non-member"]
    assert (m["buyers"], m["repeat_buyers"], m["orders"], m["gaps"]) == (3, 2, 5, 3)
    assert (n["buyers"], n["repeat_buyers"], n["orders"], n["gaps"]) == (4, 1, 5, 3)
    assert (m["median_gap_days"], n["median_gap_days"]) == (22, 30)
    assert m["repurchase_rate"] == pytest.approx(2 / 3) and n["repurchase_rate"] == pytest.approx(0.25)
    assert m["spend_per_buyer"] == pytest.approx(50 / 3) and n["spend_per_buyer"] == pytest.approx(12.5)
    text = cohorts.members_statement(table.reset_index())
    assert text.startswith("Members reorder every 22 days vs 30 for non-members")
    assert "8 days sooner" in text and "66.7% vs 25.0%" in text and "CN¥16.67 vs CN¥12.50" in text
    tiers = cohorts.members(member_con, JUNE, by="tier").set_index("group")
    assert tiers["buyers"].to_dict() == {"gold": 2, "none": 4, "silver": 1}


def test_members_statement_without_members(member_con):
    member_con.execute("UPDATE customers SET membership_tier = 'none'")
    table = cohorts.members(member_con, JUNE)
    assert table["group"].tolist() == ["non-member"]
    assert cohorts.members_statement(table) is None


def test_median_gap_of_an_even_count_is_the_mean_of_the_middle_two(member_con):
    add_order(member_con, "M3", d(2024, 6, 13))   # gold M3: gap 3
    add_order(member_con, "M3", d(2024, 6, 30))   # gap 17
    tiers = cohorts.members(member_con, JUNE, by="tier").set_index("group")
    # gold: M1's 22, 22 and M3's 3, 17 -> 3, 17, 22, 22: (17 + 22) / 2; silver: M2's 22 alone
    assert tiers["median_gap_days"].to_dict() == {"gold": 19.5, "none": 30, "silver": 22}
    assert tiers["gaps"].to_dict() == {"gold": 4, "none": 3, "silver": 1}
    members = cohorts.members(member_con, JUNE).set_index("group")
    assert members.loc["member", "median_gap_days"] == 22      # 3, 17, 22, 22, 22


def _demo_ranges(con) -> list[Filters]:
    end = con.execute("SELECT max(order_date) FROM users_order_facts").fetchone()[0]
    channel = con.execute("SELECT channel FROM users_order_facts GROUP BY channel ORDER BY count(*) DESC").fetchone()[0]
    return [Filters(end - timedelta(days=364), end), Filters(end - timedelta(days=29), end),
            Filters(end - timedelta(days=89), end - timedelta(days=30), channels=(channel,))]


def test_members_equal_a_grouping_of_every_order_on_the_demo(demo_users):
    demo = demo_users
    """The chained counts (dates only), the grouped ones (a channel) and the histogram median against plain SQL."""
    for f in _demo_ranges(demo):
        channels = list(f.channels) or None
        expected = demo.execute("""
            WITH o AS (
                SELECT ckey, gmv, order_date, prev_order_date,
                       CASE WHEN membership_tier = 'none' THEN 'non-member' ELSE 'member' END AS grp
                FROM users_order_facts
                WHERE ckey IS NOT NULL AND order_date BETWEEN ? AND ?
                  AND (?::VARCHAR[] IS NULL OR list_contains(?::VARCHAR[], channel))
            ),
            per_buyer AS (SELECT grp, ckey, count(*) AS n FROM o GROUP BY ALL)
            SELECT grp, (SELECT count(*) FROM per_buyer b WHERE b.grp = o.grp) AS buyers,
                   (SELECT count(*) FROM per_buyer b WHERE b.grp = o.grp AND n >= 2) AS repeat_buyers,
                   sum(gmv) AS gmv, count(*) AS orders,
                   median(date_diff('day', prev_order_date, order_date)) AS median_gap_days,
                   count(prev_order_date) AS gaps
            FROM o GROUP BY grp ORDER BY grp""", [f.start, f.end, channels, channels]).df()
        got = cohorts.members(demo, f)[list(expected.columns.drop("grp").insert(0, "group"))]
        assert len(expected) == 2 and expected["gaps"].min() > 20 and expected["repeat_buyers"].min() > 2
        pd.testing.assert_frame_equal(got.rename(columns={"group": "grp"}).reset_index(drop=True), expected,
                                      check_dtype=False, rtol=1e-9)


@pytest.mark.parametrize("days_before_end", [0, 47])
def test_cohorts_equal_a_count_of_distinct_repeaters_on_the_demo(demo_users, days_before_end):
    """Repeaters per cohort and month against pandas' nunique, to the last day and to a day in mid-month with
    later orders (a buyer's last order of the month up to that day has a next one in the same month)."""
    demo = demo_users
    last = _demo_ranges(demo)[0]
    f = Filters(last.start, last.end - timedelta(days=days_before_end))
    start = cohorts.cohort_start(f)
    facts = demo.execute("SELECT ckey, order_date, prev_order_date, gmv FROM users_order_facts "
                         "WHERE ckey IS NOT NULL AND order_date <= ?", [f.end]).df()
    firsts = facts[facts["prev_order_date"].isna()]
    firsts = firsts[(firsts["order_date"] >= pd.Timestamp(start))]
    cohort_of = firsts.set_index("ckey")["order_date"].dt.to_period("M")
    facts = facts[facts["ckey"].isin(cohort_of.index)].copy()
    facts["cohort"] = facts["ckey"].map(cohort_of)
    facts["k"] = (facts["order_date"].dt.to_period("M") - facts["cohort"]).map(lambda offset: offset.n)
    repeat = facts[facts["prev_order_date"].notna()]
    repeaters = repeat.groupby(["cohort", "k"])["ckey"].nunique()
    frame = cohorts.cohorts(demo, f)
    assert len(frame) > 50 and frame["repeaters"].sum() > 1000
    for row in frame.itertuples():
        key = (pd.Period(row.cohort, "M"), row.k)
        assert row.repeaters == repeaters.get(key, 0), key
        assert row.customers == (cohort_of == key[0]).sum()
