"""Search keywords on hand-written rows: core / long-tail rule, CTR, conversion, growth, trend and totals."""
from datetime import date

import pytest

from ecomops.traffic import search
from ecomops.filters import Filters

RANGE = Filters(date(2024, 3, 4), date(2024, 3, 5))  # previous range: 2024-03-02 .. 03-03

# (day, keyword, category, searches, clicks, orders, gmv)
ROWS = [
    ("2024-03-04", "yoga mat", "Sports", 300, 60, 6, 600.0),
    ("2024-03-05", "yoga mat", "Sports", 300, 60, 6, 600.0),
    ("2024-03-03", "yoga mat", "Sports", 200, 10, 1, 100.0),
    ("2024-03-04", "non-slip yoga mat for beginners", "Sports", 100, 50, 10, 1000.0),  # 6 words: long-tail
    ("2024-03-02", "non-slip yoga mat for beginners", "Sports", 25, 5, 1, 100.0),
    ("2024-03-05", "瑜伽垫", "Sports", 98, 49, 0, 0.0),  # 3 characters = 2 word units, 9.8% -> core
    ("2024-03-05", "防滑瑜伽垫初学者", "Sports", 200, 20, 2, 200.0),  # 8 characters = 4 units -> long-tail
    ("2024-03-04", "猫粮", "Pet", 2, 1, 1, 50.0),  # short but 0.2% of searches -> long-tail
]


@pytest.fixture
def con(tiny_con):
    tiny_con.executemany("INSERT INTO search_keywords VALUES (?, ?, ?, ?, ?, ?, ?, NULL)", ROWS)
    return tiny_con


def test_core_long_tail_rule_and_measures(con):
    table = search.keyword_table(con, RANGE).set_index("keyword")
    # range total: 600 + 100 + 98 + 200 + 2 = 1000 searches
    assert table["searches"].sum() == 1000
    assert table.loc["yoga mat", ["kind", "words"]].tolist() == ["core", 2]
    assert table.loc["瑜伽垫", ["kind", "words"]].tolist() == ["core", 2]
    assert table.loc["non-slip yoga mat for beginners", ["kind", "words"]].tolist() == ["long-tail", 6]
    assert table.loc["防滑瑜伽垫初学者", ["kind", "words"]].tolist() == ["long-tail", 4]
    assert table.loc["猫粮", ["kind", "words"]].tolist() == ["long-tail", 1]  # rare: 0.2% < 0.5%
    yoga = table.loc["yoga mat"]
    assert yoga["search_share"] == pytest.approx(0.6)
    assert yoga["ctr"] == pytest.approx(120 / 600)
    assert yoga["conversion_rate"] == pytest.approx(12 / 600)
    assert yoga["gmv"] == 1200
    assert yoga["growth"] == pytest.approx(600 / 200 - 1)
    assert table.loc["non-slip yoga mat for beginners", "growth"] == pytest.approx(100 / 25 - 1)
    assert table.loc["瑜伽垫", "growth"] != table.loc["瑜伽垫", "growth"]  # new keyword: no growth (NaN)


def test_kind_summary_and_risers(con):
    data = search.search_overview(con, RANGE)
    kinds = data["kinds"].set_index("kind")
    assert kinds.loc["core", ["keywords", "searches"]].tolist() == [2, 698]
    assert kinds.loc["long-tail", ["keywords", "searches"]].tolist() == [3, 302]
    assert kinds.loc["core", "search_share"] == pytest.approx(0.698)
    rising = data["rising"]["keyword"].tolist()
    assert rising == ["non-slip yoga mat for beginners", "yoga mat"]  # +300% before +200%; new ones excluded
    assert search.keywords_of_kind(data["keywords"], "core")["keyword"].tolist() == ["yoga mat", "瑜伽垫"]


def test_trend_and_totals(con):
    data = search.search_overview(con, RANGE)
    trend = data["trend"]
    # 03-04: core 300, long-tail 100 + 2; search-channel UV 40. 03-05: core 300 + 98, long-tail 200; UV 30
    assert trend["core_searches"].tolist() == [300, 398]
    assert trend["long_tail_searches"].tolist() == [102, 200]
    assert trend["search_uv"].tolist() == [40, 30]
    totals = data["totals"]
    assert totals["searches"] == 1000 and totals["previous_searches"] == 225
    assert totals["searches_change"] == pytest.approx(1000 / 225 - 1)
    # organic search traffic: UV of the search channel 70 now, 25 on 2024-03-03
    assert (totals["search_uv"], totals["previous_search_uv"]) == (70, 25)
    assert totals["search_uv_change"] == pytest.approx(70 / 25 - 1)


def test_category_filter(con):
    pet = search.keyword_table(con, Filters(date(2024, 3, 4), date(2024, 3, 5), categories=("Pet",)))
    assert pet["keyword"].tolist() == ["猫粮"]
    assert pet["kind"].tolist() == ["core"]  # 100% of the Pet searches


def test_no_searches_in_range(con):
    data = search.search_overview(con, Filters(date(2023, 1, 1), date(2023, 1, 2)))
    assert data["keywords"].empty and data["trend"].empty
    assert data["totals"]["searches"] is None
