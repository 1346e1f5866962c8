"""Channels, ROI review and ads on the tiny hand-built store (tests/fixtures_tiny.sql) plus hand-written ad rows."""
from datetime import date

import pandas as pd
import pytest

from ecomops import derived, metrics
from ecomops import traffic
from ecomops.traffic import ads as traffic_ads
from ecomops.traffic import channels
from ecomops.filters import Filters

TWO_DAYS = Filters(date(2024, 3, 4), date(2024, 3, 5))

# (day, channel, campaign, audience, spend, impressions, clicks, attributed_gmv)
AD_ROWS = [
    ("2024-03-04", "paid_ads", "spring", "new", 10.0, 1000, 20, 30.0),
    ("2024-03-05", "paid_ads", "spring", "old", 20.0, 1000, 10, 10.0),
    ("2024-03-04", "search", "brand", "new", 50.0, 3000, 70, 40.0),
    # February: the month before the review month
    ("2024-02-10", "paid_ads", "spring", "new", 10.0, 100, 1, 40.0),
    ("2024-02-10", "search", "brand", "new", 10.0, 100, 1, 50.0),
    ("2024-02-10", "wecom", "group", "members", 10.0, 100, 1, 40.0),
    ("2024-02-10", "douyin_live", "live", "fans", 10.0, 100, 1, 50.0),
    # March, outside the two-day range but inside the review month
    ("2024-03-01", "wecom", "group", "members", 10.0, 100, 1, 38.0),
    ("2024-03-02", "douyin_live", "live", "fans", 10.0, 100, 1, 40.0),
]


@pytest.fixture
def con(tiny_con):
    tiny_con.executemany("INSERT INTO ad_spend (day, channel, campaign, audience, spend, impressions, clicks, "
                         "attributed_gmv) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", AD_ROWS)
    return tiny_con


def test_channel_table_hand_computed(con):
    data = channels.channel_overview(con, TWO_DAYS)
    table = data["channels"].set_index("channel")
    # search: UV 40 + 30, buyer A (O4 of C is cancelled), O1 + O2 = 25 + 20
    assert table.loc["search", ["uv", "buyers", "orders", "gmv"]].tolist() == [70, 1, 2, 45]
    assert table.loc["search", "conversion_rate"] == pytest.approx(1 / 70)
    # paid_ads: UV 10 + 20, buyer B (O5 is a guest), O3 10 + O5 15
    assert table.loc["paid_ads", ["uv", "buyers", "orders", "gmv"]].tolist() == [30, 1, 2, 25]
    assert table.loc["paid_ads", "conversion_rate"] == pytest.approx(1 / 30)
    # ROI = attributed GMV / spend: paid_ads (30 + 10) / (10 + 20); search 40 / 50 -> flagged
    assert table.loc["paid_ads", "roi"] == pytest.approx(40 / 30)
    assert table.loc["search", "roi"] == pytest.approx(0.8)
    assert table.loc["search", "roi_flag"] and not table.loc["paid_ads", "roi_flag"]
    assert channels.flagged_channels(data["channels"]) == ["search"]
    assert table.loc["search", "gmv_share"] == pytest.approx(45 / 70)
    # totals: buyers are distinct (A, B), not summed per channel; they agree with the Overview KPIs
    total = data["total"]
    kpis = metrics.kpis(con, TWO_DAYS)
    assert (total["uv"], total["buyers"], total["gmv"]) == (100, 2, 70)
    assert total["conversion_rate"] == pytest.approx(kpis["conversion_rate"]) == pytest.approx(0.02)
    assert total["roi"] == pytest.approx(80 / 80)


def test_channel_trend_by_day_and_shares(con):
    trend = channels.channel_overview(con, TWO_DAYS, grain="day")["trend"]
    day1 = trend[trend["bucket"] == pd.Timestamp("2024-03-04")].set_index("channel")
    # 2024-03-04: search O1 25, paid_ads O3 10 -> shares 25/35, 10/35; paid_ads ROI 30 / 10
    assert day1.loc["search", "gmv_share"] == pytest.approx(25 / 35)
    assert day1.loc["paid_ads", "roi"] == pytest.approx(3.0)
    day2 = trend[trend["bucket"] == pd.Timestamp("2024-03-05")].set_index("channel")
    assert day2.loc["paid_ads", "roi"] == pytest.approx(0.5) and day2.loc["paid_ads", "roi_flag"]
    assert trend.groupby("bucket")["gmv_share"].sum().tolist() == pytest.approx([1.0, 1.0])


def test_channel_and_category_filters(con):
    only_search = channels.channel_overview(con, Filters(date(2024, 3, 4), date(2024, 3, 5), channels=("search",)))
    assert only_search["channels"]["channel"].tolist() == ["search"]
    kitchen = channels.channel_overview(con, Filters(date(2024, 3, 4), date(2024, 3, 5), categories=("Kitchen",)))
    table = kitchen["channels"].set_index("channel")
    # Kitchen lines: O1 20 + 5 (search); O3 10 and O5 15 (paid_ads); UV is not narrowed by category
    assert table.loc["search", "gmv"] == 25 and table.loc["paid_ads", "gmv"] == 25
    assert table.loc["search", "uv"] == 70


@pytest.mark.parametrize("roi, previous, action", [
    (None, 2.0, "—"),
    (0.8, 5.0, "cut"),
    (0.99, None, "cut"),
    (1.0, None, "watch"),  # exactly at the floor is not "cut"
    (2.9, 2.0, "watch"),
    (3.0, None, "grow"),  # exactly at the grow threshold, no history
    (3.8, 4.0, "grow"),  # -5% is "holding"
    (3.0, 3.5, "watch"),  # high but down 14%
])
def test_review_action_rule(roi, previous, action):
    assert channels.review_action(roi, previous, 1.0)[0] == action


def test_roi_review_month_over_month(con):
    review = channels.roi_review(con, TWO_DAYS).set_index("channel")
    assert set(review["month"]) == {"2024-03"}
    # search: March 40 / 50 = 0.8 (Feb 5.0) -> cut; paid_ads: 40 / 30 (Feb 4.0) -> watch
    assert review.loc["search", "roi"] == pytest.approx(0.8)
    assert review.loc["search", "previous_roi"] == pytest.approx(5.0)
    assert review.loc["search", "action"] == "cut"
    assert review.loc["paid_ads", "action"] == "watch"
    # wecom 3.8 after 4.0 (-5%) -> grow; douyin_live 4.0 after 5.0 (-20%) -> watch
    assert review.loc["wecom", "roi"] == pytest.approx(3.8)
    assert review.loc["wecom", "roi_change"] == pytest.approx(3.8 / 4.0 - 1)
    assert review.loc["wecom", "action"] == "grow"
    assert review.loc["douyin_live", "action"] == "watch"
    assert review.index[0] == "search"  # "cut" first


def test_ads_by_campaign_and_audience(con):
    ads = traffic_ads.ads_overview(con, TWO_DAYS)
    total = ads["total"]
    # spend 10 + 20 + 50 = 80, clicks 20 + 10 + 70 = 100, impressions 5000, attributed 80
    assert total["spend"] == 80 and total["clicks"] == 100
    assert total["cpc"] == pytest.approx(0.8)
    assert total["ctr"] == pytest.approx(100 / 5000)
    assert total["roi"] == pytest.approx(1.0)
    audiences = ads["audience"].set_index("key")
    # audience "new": spend 10 + 50, attributed 30 + 40, clicks 90; "old": 20 -> 10
    assert audiences.loc["new", "roi"] == pytest.approx(70 / 60)
    assert audiences.loc["new", "cpc"] == pytest.approx(60 / 90)
    assert audiences.loc["old", "roi"] == pytest.approx(0.5) and audiences.loc["old", "roi_flag"]
    assert audiences.loc["new", "spend_share"] == pytest.approx(0.75)
    campaigns = ads["campaign"].set_index("key")
    assert campaigns.loc["spring", "roi"] == pytest.approx(40 / 30)
    assert ads["trend"]["spend"].tolist() == [60, 20]
    ranked = traffic_ads.best_worst_audiences(ads["audience"], n=1)
    assert ranked[["rank", "key"]].values.tolist() == [["best", "new"], ["worst", "old"]]


def test_best_worst_skips_tiny_audiences():
    frame = pd.DataFrame({"key": list("abcd"), "spend": [50.0, 30.0, 19.0, 1.0], "roi": [2.0, 1.0, 3.0, 9.0]})
    frame = frame.assign(spend_share=frame["spend"] / 100, impressions=0, clicks=0, ctr=None, cpc=None,
                         attributed_gmv=frame["spend"] * frame["roi"], roi_flag=frame["roi"] < 1)
    ranked = traffic_ads.best_worst_audiences(frame, n=1)
    # "d" (1% of spend, ROI 9) is too small to be called best
    assert ranked[["rank", "key"]].values.tolist() == [["best", "c"], ["worst", "b"]]


def test_empty_database_gives_empty_frames():
    from ecomops import db

    con = db.connect_memory()
    f = Filters(date(2024, 1, 1), date(2024, 1, 31))
    data = channels.channel_overview(con, f)
    assert data["channels"].empty and data["trend"].empty
    assert channels.roi_review(con, f).empty
    ads = traffic_ads.ads_overview(con, f)
    assert ads["total"]["spend"] is None and ads["campaign"].empty
    assert not any(traffic.availability(con).values())
    assert "Data → Upload" in traffic.upload_hint("ad_spend")


def test_gmv_rollup_follows_the_data(con):
    from ecomops import db

    before = channels.channel_overview(con, TWO_DAYS)["total"]["gmv"]
    assert derived.is_fresh(con, derived.SALES_ROLLUP)
    # a new order written straight into the tables (no version bump) is noticed through the row counts
    con.execute("INSERT INTO orders (order_id, customer_id, order_ts, order_date, status, channel, device) VALUES "
                "('O9', 'D', TIMESTAMP '2024-03-05 18:00', DATE '2024-03-05', 'paid', 'wecom', 'app')")
    con.execute("INSERT INTO order_items VALUES ('O9', 1, 'P3', 3, 20.0, NULL)")
    assert not derived.is_fresh(con, derived.SALES_ROLLUP)
    after = channels.channel_overview(con, TWO_DAYS)
    assert after["total"]["gmv"] == pytest.approx(before + 60)
    assert after["channels"].set_index("channel").loc["wecom", "gmv"] == 60
    # the rollup holds exactly the GMV of METRICS.md over the whole table
    direct = db.query_one(con, "SELECT sum(i.quantity * i.unit_price) FROM orders o JOIN order_items i USING (order_id) "
                               "WHERE o.status IN ('paid', 'shipped', 'completed', 'returned') AND i.quantity > 0")[0]
    assert db.query_one(con, "SELECT sum(gmv) FROM daily_sales_rollup")[0] == pytest.approx(direct)
