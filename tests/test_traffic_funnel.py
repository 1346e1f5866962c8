"""Funnel, session conversion and scroll depth: the tiny hand-built store, hand-written sessions and scroll rows,
and the real UCI Online Shoppers Intention sessions (12,330 sessions, 1,908 with a purchase)."""
from datetime import date

import pandas as pd
import pytest

from ecomops import db, metrics
from ecomops.traffic import funnel
from ecomops.filters import Filters

TWO_DAYS = Filters(date(2024, 3, 4), date(2024, 3, 5))
OSI = "online_shoppers_intention.csv"


def _stage(steps, dimension, key, stage, column):
    part = steps[(steps["dimension"] == dimension) & (steps["key"] == key) & (steps["stage"] == stage)]
    return part[column].iloc[0]


def test_daily_funnel_hand_computed(tiny_con):
    steps = funnel.daily_funnel(tiny_con, TWO_DAYS)
    counts = steps[steps["dimension"] == "all"]["count"].tolist()
    # UV 40+10+30+20, product views 60+12+50+15, add to cart 10+3+8+4, checkouts 4+2+3+2, buyers A and B
    assert counts == [100, 137, 25, 11, 2]
    assert _stage(steps, "all", "all", "product_views", "exceeds_previous")  # views, not viewers
    assert _stage(steps, "all", "all", "add_to_cart", "step_conversion") == pytest.approx(25 / 137)
    assert _stage(steps, "all", "all", "purchases", "step_conversion") == pytest.approx(2 / 11)
    # 2/11 = 0.1818 is just below 25/137 = 0.1825: the biggest drop is checkout -> purchase
    drop = funnel.biggest_drop(steps)
    assert (drop["from"], drop["to"]) == ("Checkout", "Purchase")
    assert drop["drop"] == pytest.approx(1 - 2 / 11)
    # visit -> purchase is the Overview's conversion rate
    assert _stage(steps, "all", "all", "purchases", "share_of_visits") == pytest.approx(
        metrics.kpis(tiny_con, TWO_DAYS)["conversion_rate"])


def test_daily_funnel_by_channel_and_device(tiny_con):
    steps = funnel.daily_funnel(tiny_con, TWO_DAYS)
    # search: UV 70, buyer A; paid_ads: UV 30, buyer B (O5 is a guest)
    assert _stage(steps, "channel", "search", "visits", "count") == 70
    assert _stage(steps, "channel", "search", "purchases", "count") == 1
    assert _stage(steps, "channel", "paid_ads", "checkouts", "count") == 4
    assert _stage(steps, "channel", "paid_ads", "purchases", "share_of_visits") == pytest.approx(1 / 30)
    # devices: app UV 40+30+20 with buyer A (O1, O2; O5 guest); pc UV 10 with buyer B (O3)
    assert _stage(steps, "device", "app", "visits", "count") == 90
    assert _stage(steps, "device", "pc", "purchases", "count") == 1
    table = funnel.step_table(steps, "channel").set_index("key")
    assert table.loc["search", "Checkout → Purchase"] == pytest.approx(1 / 7)
    assert table.loc["paid_ads", "conversion"] == pytest.approx(1 / 30)
    # search steps: 110/70, 18/110 = 0.164, 7/18 = 0.389, 1/7 = 0.143 -> the lowest is checkout -> purchase
    assert table.loc["search", "biggest_drop"] == "Checkout → Purchase"
    # paid_ads: 27/30, 7/27 = 0.259, 4/7 = 0.571, 1/4 = 0.25 -> checkout -> purchase again, narrowly
    assert table.loc["paid_ads", "biggest_drop"] == "Checkout → Purchase"
    assert list(table.index) == ["search", "paid_ads"]


def test_funnel_steps_pick_the_lowest_step():
    counts = pd.DataFrame([{"dimension": "all", "key": "all", "visits": 1000, "product_views": 600,
                            "add_to_cart": 60, "checkouts": 40, "purchases": 30}])
    steps = funnel.funnel_steps(counts, list(funnel.STAGES))
    assert steps["step_conversion"].tolist()[1:] == pytest.approx([0.6, 0.1, 40 / 60, 0.75])
    assert steps["biggest_drop"].tolist() == [False, False, True, False, False]


SESSIONS = [  # id, day, channel, visitor_type, product_pages, added_to_cart, purchased
    ("s1", date(2024, 3, 4), "search", "New", 0, None, False),
    ("s2", date(2024, 3, 4), "search", "Returning", 3, None, True),
    ("s3", date(2024, 3, 5), "ads", "New", 2, None, False),
    ("s4", date(2024, 3, 5), "ads", "Returning", 1, None, True),
    ("s5", None, "ads", "Returning", 5, None, False),  # month only: kept whatever the range
    ("s6", date(2020, 1, 1), "ads", "New", 5, None, True),  # outside the range
]


@pytest.fixture
def session_con():
    con = db.connect_memory()
    con.executemany("INSERT INTO traffic_sessions (session_id, day, month, channel, visitor_type, product_pages, "
                    "added_to_cart, purchased) VALUES (?, ?, 'Mar', ?, ?, ?, ?, ?)", SESSIONS)
    yield con
    con.close()


def test_session_funnel_and_conversion(session_con):
    conv = funnel.session_conversion(session_con, TWO_DAYS)
    assert (conv["sessions"], conv["purchases"], conv["undated_sessions"]) == (5, 2, 1)
    assert conv["conversion_rate"] == pytest.approx(0.4)
    steps = funnel.session_funnel(session_con, TWO_DAYS)
    # no add-to-cart data: stages are visit, product view (s2..s5), purchase
    assert steps[steps["dimension"] == "all"]["stage"].tolist() == ["visits", "product_views", "purchases"]
    assert steps[steps["dimension"] == "all"]["count"].tolist() == [5, 4, 2]
    assert _stage(steps, "visitor_type", "Returning", "purchases", "share_of_visits") == pytest.approx(2 / 3)
    assert _stage(steps, "channel", "ads", "purchases", "count") == 1
    only_search = funnel.session_conversion(session_con, Filters(date(2024, 3, 4), date(2024, 3, 5),
                                                                        channels=("search",)))
    assert (only_search["sessions"], only_search["purchases"]) == (2, 1)


def test_scroll_depth_reach_and_leave(tiny_con):
    tiny_con.executemany("INSERT INTO scroll_depth VALUES (?, ?, ?, ?, NULL)", [
        (date(2024, 3, 4), "app", 1, 60), (date(2024, 3, 4), "app", 2, 50), (date(2024, 3, 4), "app", 3, 20),
        (date(2024, 3, 4), "app", 4, 15), (date(2024, 3, 4), "pc", 1, 40), (date(2024, 3, 4), "pc", 2, 30),
        (date(2024, 3, 4), "pc", 3, 10), (date(2024, 3, 4), "pc", 4, 5), (date(2024, 2, 1), "pc", 1, 999),
    ])
    scroll = funnel.scroll_depth(tiny_con, TWO_DAYS)
    everyone = funnel.scroll_of_device(scroll, "all")
    # all devices: 100, 80, 30, 20 visitors reach screens 1..4
    assert everyone["visitors"].tolist() == [100, 80, 30, 20]
    assert everyone["reach_share"].tolist() == pytest.approx([1.0, 0.8, 0.3, 0.2])
    assert everyone["leave_share"].tolist() == pytest.approx([0.2, 0.5, 0.1, 0.2])
    summary = funnel.scroll_summary(scroll)
    assert (summary["screen"], summary["leave_share"], summary["reach_next"]) == (2, pytest.approx(0.5), 0.3)
    assert funnel.scroll_devices(scroll) == ["all", "app", "pc"]
    assert funnel.scroll_summary(scroll, "app")["screen"] == 2  # 50 -> 20: 30 of 60 leave


# ---------------------------------------------------------------------------------------------------------------
# Real sessions: UCI Online Shoppers Intention
# ---------------------------------------------------------------------------------------------------------------

def load_online_shoppers(con, path) -> None:
    """Import the UCI sessions through the product's own import pipeline (as an operator's upload would)."""
    from ecomops.ingest import import_file

    result = import_file(con, path, kind="traffic_sessions")
    assert result.status == "imported", result


def load_online_shoppers_plain(con, path) -> None:
    """Load the UCI sessions into traffic_sessions with plain DuckDB SQL: an independent mapping to compare with."""
    con.execute("""
        INSERT INTO traffic_sessions (session_id, month, channel, visitor_type, pages_viewed, product_pages,
                                      duration_seconds, bounce_rate, exit_rate, purchased)
        SELECT 'osi-' || row_number() OVER (), Month, 'traffic_type_' || TrafficType, VisitorType,
               Administrative + Informational + ProductRelated, ProductRelated,
               Administrative_Duration + Informational_Duration + ProductRelated_Duration,
               BounceRates, ExitRates, Revenue
        FROM read_csv($path, header = true)
    """, {"path": str(path)})


@pytest.fixture(scope="module")
def osi(shared_data):
    con = db.connect_memory()
    load_online_shoppers(con, shared_data / OSI)
    yield con, pd.read_csv(shared_data / OSI)
    con.close()


def test_online_shoppers_conversion_through_the_page_functions(osi):
    con, raw = osi
    # any date range: the sessions carry a month but no day
    f = Filters(date(2024, 1, 1), date(2024, 1, 31))
    conv = funnel.session_conversion(con, f)
    assert (conv["sessions"], conv["purchases"]) == (12330, 1908) == (len(raw), int(raw["Revenue"].sum()))
    assert conv["conversion_rate"] == pytest.approx(1908 / 12330)
    assert conv["undated_sessions"] == 12330
    overview = funnel.funnel_overview(con, f)
    steps = overview["sessions"]
    overall = steps[steps["dimension"] == "all"].set_index("stage")
    assert overall.loc["purchases", "share_of_visits"] == pytest.approx(1908 / 12330)
    assert overall.loc["product_views", "count"] == int((raw["ProductRelated"] > 0).sum())


def test_online_shoppers_breakdowns_match_pandas(osi):
    con, raw = osi
    f = Filters(date(2024, 1, 1), date(2024, 1, 31))
    steps = funnel.session_funnel(con, f)
    expected = raw.groupby("VisitorType")["Revenue"].mean()
    for visitor_type, rate in expected.items():
        assert _stage(steps, "visitor_type", visitor_type, "purchases", "share_of_visits") == pytest.approx(rate)
    by_channel = raw.groupby("TrafficType")["Revenue"].agg(["size", "sum"])
    table = funnel.step_table(steps, "channel").set_index("key")
    assert len(table) == len(by_channel)
    top = by_channel["size"].idxmax()
    row = table.loc[f"traffic_type_{top}"]
    assert row["visits"] == by_channel.loc[top, "size"]
    assert row["conversion"] == pytest.approx(by_channel.loc[top, "sum"] / by_channel.loc[top, "size"])
    months = funnel.session_conversion_by_month(con, f)
    assert months["sessions"].sum() == 12330
    assert months["month"].str[:3].str.lower().tolist()[:2] == ["feb", "mar"]  # calendar order (no Jan/Apr)
    nov = months[months["month"].str.lower().str.startswith("nov")].iloc[0]
    raw_nov = raw[raw["Month"] == "Nov"]
    assert nov["conversion_rate"] == pytest.approx(raw_nov["Revenue"].mean())


def test_no_traffic_in_range_gives_no_funnel_row(tiny_con):
    steps = funnel.daily_funnel(tiny_con, Filters(date(2024, 3, 10), date(2024, 3, 20)))
    assert steps.empty
    assert funnel.biggest_drop(steps) is None
    assert funnel.step_table(steps, "channel").empty


def test_imported_sessions_match_an_independent_load(osi, shared_data):
    con, _raw = osi
    plain = db.connect_memory()
    load_online_shoppers_plain(plain, shared_data / OSI)
    f = Filters(date(2024, 1, 1), date(2024, 1, 31))
    ours, theirs = funnel.session_funnel(con, f), funnel.session_funnel(plain, f)
    key = ["dimension", "key", "stage"]
    ours = ours[ours["dimension"].isin(["all", "channel", "visitor_type"])].sort_values(key).reset_index(drop=True)
    theirs = theirs[theirs["dimension"].isin(["all", "channel", "visitor_type"])].sort_values(key).reset_index(drop=True)
    assert ours[key + ["count"]].equals(theirs[key + ["count"]])
    plain.close()
