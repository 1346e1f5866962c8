"""Search keywords on hand-written rows placed on the rules' edges: the core / long-tail thresholds met exactly, ties,
zero and unknown denominators, the core / long-tail summary and the risers, and the trend's buckets (day, week,
month) with the period totals — including a previous period without data. Builds on the tiny store's traffic."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from ecomops.filters import Filters
from ecomops.traffic import grain_for, search

NAN = float("nan")
RANGE = Filters(date(2024, 3, 4), date(2024, 3, 5))  # previous range 03-02..03-03


def _add(con, rows):
    """Insert (day, keyword, category, searches, clicks, orders, gmv) rows."""
    con.executemany("INSERT INTO search_keywords VALUES (?, ?, ?, ?, ?, ?, ?, NULL)", rows)


# 1000 searches in the range, so shares read as per mille
RULE_ROWS = [
    ("2024-03-04", "iphone 15", "Phones", 300, 30, 3, 300.0),      # 2 words (digits count), 30%
    ("2024-03-02", "iphone 15", "Phones", 100, 5, 1, 100.0),
    ("2024-03-05", "case", "Phones", 300, 60, 6, 60.0),            # ties with "iphone 15" on 300
    ("2024-03-02", "case", "Phones", 150, 10, 1, 10.0),
    ("2024-03-01", "case", "Phones", 999, 99, 9, 99.0),            # before the previous range: ignored
    ("2024-03-04", "red phone case", "Phones", 200, 20, 1, 15.0),  # 3 words: long-tail however frequent
    ("2024-03-03", "red phone case", "Phones", 400, 40, 4, 60.0),
    ("2024-03-04", "瑜伽 mat", "Sports", 5, 1, 0, 0.0),              # 1 word + 2 Chinese characters = 2; 0.5% exactly
    ("2024-03-05", "猫", "Pet", 4, None, None, None),               # 1 unit but 0.4%; clicks, orders, GMV unknown
    ("2024-03-04", "cable", "Phones", 191, 19, 0, 0.0),
    ("2024-03-03", "cable", "Phones", 0, 0, 0, 0.0),               # searched 0 times before: no growth
]


@pytest.fixture
def rules(tiny_con):
    _add(tiny_con, RULE_ROWS)
    return tiny_con


def test_keyword_order_and_kinds(rules):
    table = search.keyword_table(rules, RANGE)
    assert list(table.columns) == search.KEYWORD_COLUMNS
    # most searched first; "case" and "iphone 15" tie on 300: by keyword
    assert table["keyword"].tolist() == ["case", "iphone 15", "red phone case", "cable", "瑜伽 mat", "猫"]
    assert table["searches"].tolist() == [300, 300, 200, 191, 5, 4]
    assert table["words"].tolist() == [1, 2, 3, 1, 2, 1]
    assert table["search_share"].tolist() == pytest.approx([0.3, 0.3, 0.2, 0.191, 0.005, 0.004])
    # core: at most 2 words and at least 0.5% of searches (both limits inclusive)
    assert table["kind"].tolist() == ["core", "core", "long-tail", "core", "core", "long-tail"]


def test_keyword_ratios_and_growth(rules):
    rows = search.keyword_table(rules, RANGE).set_index("keyword")
    # CTR and conversion per search: case 60 / 300 and 6 / 300; 猫 has unknown clicks and orders
    assert rows["ctr"].to_dict() == pytest.approx(
        {"case": 0.2, "iphone 15": 0.1, "red phone case": 0.1, "cable": 19 / 191, "瑜伽 mat": 0.2, "猫": NAN},
        nan_ok=True)
    assert rows["conversion_rate"].to_dict() == pytest.approx(
        {"case": 0.02, "iphone 15": 0.01, "red phone case": 0.005, "cable": 0.0, "瑜伽 mat": 0.0, "猫": NAN},
        nan_ok=True)
    # growth = searches / previous - 1: case 300 / 150, iphone 300 / 100, red phone case 200 / 400;
    # cable had 0 searches before (zero denominator) and the others no row at all: none
    assert rows["previous_searches"].to_dict() == pytest.approx(
        {"case": 150, "iphone 15": 100, "red phone case": 400, "cable": 0, "瑜伽 mat": NAN, "猫": NAN}, nan_ok=True)
    assert rows["growth"].to_dict() == pytest.approx(
        {"case": 1.0, "iphone 15": 2.0, "red phone case": -0.5, "cable": NAN, "瑜伽 mat": NAN, "猫": NAN},
        nan_ok=True)


def test_kind_summary(rules):
    kinds = search.kind_summary(search.keyword_table(rules, RANGE))
    assert list(kinds.columns) == ["kind", "keywords", "searches", "clicks", "orders", "gmv", "search_share", "ctr",
                                   "conversion_rate"]
    rows = kinds.set_index("kind")
    # core: case, iphone 15, cable, 瑜伽 mat = 300 + 300 + 191 + 5 = 796 searches, 60 + 30 + 19 + 1 = 110 clicks,
    # 6 + 3 = 9 orders. long-tail: red phone case and 猫 = 204 searches, 20 clicks (猫's unknown clicks add nothing)
    assert rows["keywords"].to_dict() == {"core": 4, "long-tail": 2}
    assert rows["searches"].to_dict() == {"core": 796, "long-tail": 204}
    assert rows["search_share"].to_dict() == pytest.approx({"core": 0.796, "long-tail": 0.204})
    assert rows["ctr"].to_dict() == pytest.approx({"core": 110 / 796, "long-tail": 20 / 204})
    assert rows["conversion_rate"].to_dict() == pytest.approx({"core": 9 / 796, "long-tail": 1 / 204})


def test_kind_summary_of_one_kind_without_searches():
    keywords = pd.DataFrame({"keyword": ["a", "b"], "kind": ["core", "core"], "searches": [0.0, 0.0],
                             "clicks": [0.0, 0.0], "orders": [0.0, 0.0], "gmv": [0.0, 0.0]})
    kinds = search.kind_summary(keywords)
    assert kinds["kind"].tolist() == ["core"]
    assert kinds["search_share"].tolist() == [0.0]  # no searches at all: share 0, not a division by zero
    assert kinds["ctr"].isna().all()


def test_rising_keywords():
    keywords = pd.DataFrame({"keyword": ["few", "enough", "new", "slow", "fast", "falling"],
                             "searches": [19.0, 20.0, 500.0, 30.0, 40.0, 90.0],
                             "growth": [9.0, 0.1, NAN, 0.3, 2.5, -0.4]})
    # at least 20 searches (inclusive) and a growth figure; fastest first; "few" (19) and "new" (no growth) out
    assert search.rising_keywords(keywords)["keyword"].tolist() == ["fast", "slow", "enough", "falling"]
    assert search.rising_keywords(keywords, n=2)["keyword"].tolist() == ["fast", "slow"]


@pytest.mark.parametrize("start, end, grain", [
    (date(2024, 3, 4), date(2024, 3, 4), "day"),      # one day
    (date(2024, 1, 1), date(2024, 3, 2), "day"),      # 62 days
    (date(2024, 1, 1), date(2024, 3, 3), "week"),     # 63 days
    (date(2024, 1, 1), date(2024, 12, 31), "week"),   # 366 days
    (date(2024, 1, 1), date(2025, 1, 1), "month"),    # 367 days
])
def test_grain_for(start, end, grain):
    assert grain_for(Filters(start, end)) == grain


def test_unknown_grain_is_refused(tiny_con):
    with pytest.raises(ValueError, match="grain must be one of"):
        search.search_trend(tiny_con, RANGE, grain="hour')--")


WEEKS = Filters(date(2024, 1, 1), date(2024, 3, 3))  # 63 days (Mon .. Sun): weekly buckets; previous 2023-10-30..12-31


@pytest.fixture
def weekly(tiny_con):
    _add(tiny_con, [
        ("2024-01-01", "case", "Phones", 10, 1, 0, 0.0),            # week of Mon 01-01
        ("2024-01-07", "red phone case", "Phones", 5, 1, 0, 0.0),   # Sunday: still the week of 01-01
        ("2024-01-08", "case", "Phones", 20, 2, 0, 0.0),            # week of 01-08
        ("2024-03-03", "case", "Phones", 7, 1, 0, 0.0),             # last day: week of Mon 02-26
        ("2023-12-31", "case", "Phones", 40, 4, 0, 0.0),            # last day of the previous range
        ("2023-10-29", "case", "Phones", 999, 9, 0, 0.0),           # before it: ignored
        ("2024-03-04", "case", "Phones", 999, 9, 0, 0.0),           # after the range: ignored
        ("2024-01-08", "dog bed", "Pet", 11, 1, 0, 0.0),            # another category
    ])
    tiny_con.executemany("INSERT INTO traffic_daily (day, channel, device, uv) VALUES (?, ?, ?, ?)", [
        (date(2024, 1, 2), "search", "app", 100), (date(2024, 1, 2), "search", "pc", 1),
        (date(2023, 11, 1), "search", "app", 60),          # previous range
        (date(2024, 1, 9), "paid_ads", "app", 500),        # not organic search
    ])  # the tiny store adds search UV 25 on 03-03 (in range) and 40 + 30 on 03-04/05 (after it)
    return tiny_con


def test_weekly_trend_and_totals(weekly):
    data = search.search_trend(weekly, Filters(WEEKS.start, WEEKS.end, categories=("Phones",)), ("case",))
    assert data["grain"] == "week"
    trend = data["trend"]
    assert [d.strftime("%Y-%m-%d") for d in trend["bucket"]] == ["2024-01-01", "2024-01-08", "2024-02-26"]
    # week of 01-01: core 10, long-tail 5, UV 100 + 1; 01-08: core 20, no UV (paid ads are not search),
    # dog bed (Pet) filtered out; 02-26: core 7, UV 25 (the category filter does not apply to UV)
    assert trend["core_searches"].tolist() == [10, 20, 7]
    assert trend["long_tail_searches"].tolist() == pytest.approx([5, NAN, NAN], nan_ok=True)
    assert trend["searches"].tolist() == [15, 20, 7]
    assert trend["search_uv"].tolist() == pytest.approx([101, NAN, 25], nan_ok=True)
    totals = data["totals"]
    # searches 42 now vs 40 before; core 37 vs 40; long-tail 5 vs nothing (no change); UV 126 vs 60
    assert (totals["searches"], totals["previous_searches"]) == (42, 40)
    assert totals["searches_change"] == pytest.approx(42 / 40 - 1)
    assert totals["core_searches_change"] == pytest.approx(37 / 40 - 1)
    assert (totals["long_tail_searches"], totals["previous_long_tail_searches"]) == (5, None)
    assert totals["long_tail_searches_change"] is None
    assert (totals["search_uv"], totals["previous_search_uv"]) == (126, 60)
    assert totals["search_uv_change"] == pytest.approx(126 / 60 - 1)


def test_monthly_buckets(weekly):
    trend = search.search_trend(weekly, WEEKS, ("case",), grain="month")["trend"]
    assert [d.strftime("%Y-%m-%d") for d in trend["bucket"]] == ["2024-01-01", "2024-03-01"]
    # January: case 10 + 20, long-tail 5 + dog bed 11; March: case 7. February has nothing: no row
    assert trend["core_searches"].tolist() == [30, 7]
    assert trend["long_tail_searches"].tolist() == pytest.approx([16, NAN], nan_ok=True)


def test_previous_range_without_searches(tiny_con):
    _add(tiny_con, [("2024-03-05", "case", "Phones", 8, 1, 0, 0.0), ("2024-03-04", "case", "Phones", 0, 0, 0, 0.0)])
    data = search.search_overview(tiny_con, Filters(date(2024, 3, 5), date(2024, 3, 5)))
    totals = data["totals"]
    # previous range = 03-04: a row of 0 searches (zero denominator: no change) and no long-tail row at all
    # (no figure); search UV 40 then vs 30 on 03-05
    assert (totals["searches"], totals["previous_searches"], totals["searches_change"]) == (8, 0, None)
    assert (totals["previous_long_tail_searches"], totals["long_tail_searches_change"]) == (None, None)
    assert totals["search_uv_change"] == pytest.approx(30 / 40 - 1)
    assert data["grain"] == "day" and data["trend"]["bucket"].dt.strftime("%m-%d").tolist() == ["03-05"]
    # one keyword holds 100% of a one-day range: core; 0 searches before: no growth, so not rising
    assert data["keywords"]["kind"].tolist() == ["core"] and data["rising"].empty
