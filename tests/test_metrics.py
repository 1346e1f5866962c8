"""KPIs on the tiny hand-built store (tests/fixtures_tiny.sql); every expected number is computed by hand."""
from datetime import date

import pytest

from ecomops import metrics
from ecomops.filters import Filters

TWO_DAYS = Filters(date(2024, 3, 4), date(2024, 3, 5))


def test_kpis_two_days(tiny_con):
    k = metrics.kpis(tiny_con, TWO_DAYS)
    # valid orders O1, O2, O3, O5 (O4 cancelled); GMV 20+5 + 20 + 10 + 15 = 70 (O3's -1 line excluded)
    assert k["gmv"] == pytest.approx(70.0)
    assert k["orders"] == 4
    # buyers A, B (guest O5 and cancelled C excluded)
    assert k["buyers"] == 2
    assert k["uv"] == 40 + 10 + 30 + 20
    assert k["conversion_rate"] == pytest.approx(2 / 100)
    assert k["spend_per_buyer"] == pytest.approx(35.0)
    assert k["aov"] == pytest.approx(17.5)
    # A has 2 valid orders in the period, B has 1
    assert k["repurchase_rate"] == pytest.approx(0.5)


def test_kpis_channel_and_category_filters(tiny_con):
    search = metrics.kpis(tiny_con, Filters(date(2024, 3, 4), date(2024, 3, 5), channels=("search",)))
    assert (search["gmv"], search["orders"], search["buyers"], search["uv"]) == (45.0, 2, 1, 70)
    kitchen = metrics.kpis(tiny_con, Filters(date(2024, 3, 4), date(2024, 3, 5), categories=("Kitchen",)))
    # Kitchen lines: O1 (20+5), O3 (10), O5 (15) -> 50 over 3 orders, buyers A and B, each with one order
    assert (kitchen["gmv"], kitchen["orders"], kitchen["buyers"]) == (50.0, 3, 2)
    assert kitchen["repurchase_rate"] == 0.0


def test_identity_gmv_equals_uv_conversion_spend(tiny_con):
    day = Filters(date(2024, 3, 4), date(2024, 3, 4))
    k = metrics.kpis(tiny_con, day)
    assert k["uv"] * k["conversion_rate"] * k["spend_per_buyer"] == pytest.approx(k["gmv"])


def test_kpis_without_traffic_are_none(tiny_con):
    tiny_con.execute("DELETE FROM traffic_daily")
    k = metrics.kpis(tiny_con, TWO_DAYS)
    assert k["uv"] is None and k["conversion_rate"] is None
    assert k["gmv"] == pytest.approx(70.0)


def test_comparison_against_previous_period(tiny_con):
    one_day = Filters(date(2024, 3, 4), date(2024, 3, 4))
    table = metrics.kpi_comparison(tiny_con, one_day).set_index("metric")
    # 2024-03-04: GMV 25 + 10 = 35; previous day 2024-03-03: GMV 40 (O6 returned but valid)
    assert table.loc["gmv", "value"] == pytest.approx(35.0)
    assert table.loc["gmv", "previous"] == pytest.approx(40.0)
    assert table.loc["gmv", "change"] == pytest.approx(35 / 40 - 1)
    assert table.loc["uv", "previous"] == 25


def test_daily_trend_and_channel_split(tiny_con):
    trend = metrics.daily_trend(tiny_con, TWO_DAYS)
    assert trend["gmv"].tolist() == [35.0, 35.0]
    assert trend["orders"].tolist() == [2, 2]
    assert trend["conversion_rate"].tolist() == pytest.approx([2 / 50, 1 / 50])
    channels = metrics.gmv_by_channel(tiny_con, TWO_DAYS).set_index("channel")
    assert channels.loc["search", "gmv"] == 45.0 and channels.loc["paid_ads", "gmv"] == 25.0
    assert channels["share"].sum() == pytest.approx(1.0)


