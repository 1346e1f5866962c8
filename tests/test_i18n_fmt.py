"""Display rules (ecomops.i18n.fmt): exact strings in zh_CN and en, from the catalogs and Babel's CLDR data."""
from __future__ import annotations

import math
from datetime import date, datetime

import pandas as pd
import pytest

from ecomops.i18n import fmt, use_locale

ZH, EN = "zh_CN", "en"


@pytest.mark.parametrize("value, zh, en", [
    (6_230_000, "¥623.0万", "CN¥6.23M"),
    (125_000_000, "¥1.25亿", "CN¥125.00M"),
    (12_345, "¥1.2万", "CN¥12.3K"),
    (99_999_999, "¥1.00亿", "CN¥100.00M"),  # rounding carries into the next unit
    (9_999.5, "¥9,999.50", "CN¥10.0K"),  # zh has no unit for thousands
    (-6_230_000, "-¥623.0万", "-CN¥6.23M"),
    (1_500_000_000_000, "¥1.50万亿", "CN¥1.50T"),
])
def test_compact_money(value, zh, en):
    assert fmt.money(value, "CNY", compact=True, locale=ZH) == zh
    assert fmt.money(value, "CNY", compact=True, locale=EN) == en


@pytest.mark.parametrize("currency, zh, en", [
    ("CNY", "¥1,234.50", "CN¥1,234.50"),
    ("GBP", "£1,234.50", "£1,234.50"),
    ("EUR", "€1,234.50", "€1,234.50"),
    ("BRL", "R$1,234.50", "R$1,234.50"),
    ("INR", "₹1,234.50", "₹1,234.50"),
    ("USD", "US$1,234.50", "$1,234.50"),
    ("JPY", "JP¥1,235", "¥1,235"),  # the currency's own digits (0), half up
])
def test_money_symbols_separators_and_decimals(currency, zh, en):
    assert fmt.money(1234.5, currency, locale=ZH) == zh
    assert fmt.money(1234.5, currency, locale=EN) == en


def test_money_rounding_sign_and_decimals():
    with use_locale(EN):
        assert fmt.money(10588.9225) == "CN¥10,588.92"  # never 4 decimals
        assert fmt.money(0.125) == "CN¥0.13"  # half up, not Babel's default half-even (0.12)
        assert fmt.money(2.675) == "CN¥2.68"  # the float 2.67499.. is rounded as written
        assert fmt.money(-0.001) == "CN¥0.00"  # no negative zero
        assert fmt.money(12.5, signed=True) == "+CN¥12.50"
        assert fmt.money(-12.5, signed=True) == "-CN¥12.50"
        assert fmt.money(1234.567, decimals=0) == "CN¥1,235"
        assert fmt.money(1234.5, decimals=5) == "CN¥1,234.50"  # at most 2 decimals
    assert fmt.money(1234.5, "GBP", locale=EN) == "£1,234.50"


def test_counts_numbers_and_compact_counts():
    assert fmt.count(409.0, locale=EN) == "409"
    assert fmt.count(12_345, locale=ZH) == "12,345"
    assert fmt.count(2.5, locale=EN) == "3"
    assert fmt.count(123_456, compact=True, locale=ZH) == "12.3万"
    assert fmt.count(123_456, compact=True, locale=EN) == "123.5K"
    assert fmt.count(3, signed=True, locale=EN) == "+3"
    assert fmt.count(0, signed=True, locale=EN) == "0"
    assert fmt.number(0.1343, 2, locale=EN) == "0.13"
    assert fmt.number(1234.5, locale=ZH) == "1,234.5"
    assert fmt.number(-0.04, 1, locale=EN) == "0.0"


def test_rates_changes_and_percentage_points():
    assert fmt.percent(0.1234, locale=ZH) == "12.3%"
    assert fmt.percent(0.0352, 2, locale=EN) == "3.52%"
    assert fmt.change(0.123, locale=EN) == "+12.3%"
    assert fmt.change(-0.04, locale=ZH) == "-4.0%"
    assert fmt.change(0.0, locale=EN) == "0.0%"
    assert fmt.change(math.inf, locale=EN) == "—"
    assert fmt.pp(0.012, locale=ZH) == "+1.2个百分点"
    assert fmt.pp(0.012, locale=EN) == "+1.2 pp"
    assert fmt.pp(-0.0315, locale=ZH) == "-3.2个百分点"
    assert fmt.pp(-0.0004, locale=EN) == "0.0 pp"
    assert fmt.times(7.8, locale=ZH) == "7.8倍"
    assert fmt.times(7.8, locale=EN) == "7.8×"


def test_metric_picks_the_display_rule():
    with use_locale(ZH):
        assert [fmt.metric(name, value) for name, value in [
            ("gmv", 6_230_000.0), ("orders", 1234), ("conversion_rate", 0.0352), ("roi", 3.256), ("uv", 1e5)]] == \
            ["¥6,230,000.00", "1,234", "3.52%", "3.26", "100,000"]
        assert fmt.metric("gmv", 6_230_000.0, compact=True) == "¥623.0万"


def test_dates_weeks_and_times():
    day = date(2026, 11, 5)
    assert fmt.date(day, locale=EN) == "2026-11-05"
    assert fmt.date(day, locale=ZH) == "2026年11月5日"
    assert fmt.date(pd.Timestamp("2026-11-15 00:00:00"), locale=EN) == "2026-11-15"  # never 00:00:00
    assert fmt.date("2026-11-15", locale=ZH) == "2026年11月15日"
    assert fmt.datetime(datetime(2026, 11, 15, 14, 30, 59), locale=EN) == "2026-11-15 14:30"
    assert fmt.datetime(datetime(2026, 11, 15, 9, 3), locale=ZH) == "2026年11月15日 09:03"
    assert fmt.month(day, locale=ZH) == "2026年11月"
    assert fmt.month(day, locale=EN) == "2026-11"
    assert fmt.date_range(date(2026, 11, 9), date(2026, 11, 15), locale=ZH) == "2026年11月9日至2026年11月15日"
    assert fmt.date_range(date(2026, 11, 9), date(2026, 11, 15), locale=EN) == "2026-11-09 – 2026-11-15"
    # Weeks start on Monday: Sunday 2026-11-15 belongs to the week of Monday 2026-11-09 (ISO week 46).
    assert fmt.week_start(date(2026, 11, 15)) == date(2026, 11, 9)
    assert fmt.week_start(date(2026, 11, 16)) == date(2026, 11, 16)
    assert fmt.week(date(2026, 11, 15), locale=ZH) == "2026年第46周"
    assert fmt.week(date(2026, 2, 15), locale=EN) == "2026-W07"
    assert fmt.week(date(2027, 1, 1), locale=EN) == "2026-W53"  # ISO year of the week


def test_durations():
    assert fmt.hours(26.54, locale=EN) == "26.5 h"
    assert fmt.hours(26.54, locale=ZH) == "26.5小时"
    assert fmt.days(1, locale=EN) == "1 day"
    assert fmt.days(23, locale=EN) == "23 days"
    assert fmt.days(2.5, 1, locale=EN) == "2.5 days"
    assert fmt.days(1.04, 0, locale=EN) == "1 day"
    assert fmt.days(23, locale=ZH) == "23天"
    assert fmt.duration(hours=3, locale=ZH) == "3.0小时"
    assert fmt.duration(days=31, locale=EN) == "31 days"
    with pytest.raises(TypeError):
        fmt.duration(hours=1, days=1)


@pytest.mark.parametrize("missing", [None, float("nan"), pd.NA, pd.NaT])
def test_missing_values_show_a_dash(missing):
    for function in (fmt.money, fmt.count, fmt.number, fmt.percent, fmt.change, fmt.pp, fmt.date, fmt.datetime,
                     fmt.hours, fmt.days, fmt.month, fmt.week, fmt.times):
        assert function(missing, locale=ZH) == "—"


def test_display_width_for_aligned_terminal_output():
    assert fmt.width("支付买家数") == 10 and fmt.width("UV") == 2
    assert fmt.pad("访客数", 8) == "访客数  "


def test_the_context_locale_is_used_unless_one_is_passed():
    with use_locale("zh"):
        assert fmt.pp(0.012) == "+1.2个百分点"
        assert fmt.pp(0.012, locale="en") == "+1.2 pp"
        with use_locale("en-GB"):
            assert fmt.date(date(2026, 11, 15)) == "2026-11-15"
        assert fmt.date(date(2026, 11, 15)) == "2026年11月15日"
