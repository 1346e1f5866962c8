"""Weekly product review, repurchase flags with their likely reason, and the detail view (numbers by hand).

End date 2024-03-31: this week 03-25..03-31, the week before 03-18..03-24; flag window 2024-01-02..03-31.
"""
from datetime import date, datetime

import pytest

from ecomops.products import review as product_review
from ecomops.filters import Filters
from tests.test_products_fixtures import add_order, new_store

F = Filters(date(2024, 3, 1), date(2024, 3, 31))


def add_review(con, rid, pid, day, rating, text):
    con.execute("INSERT INTO reviews (review_id, product_id, rating, review_text, created_ts) VALUES (?, ?, ?, ?, ?)",
                [rid, pid, rating, text, datetime(day.year, day.month, day.day, 9)])


@pytest.fixture
def week_store():
    con = new_store([("T1", "Tee", "Apparel", 10), ("M1", "Mug", "Kitchen", 8)])
    add_order(con, "O1", date(2024, 3, 25), [("T1", 2, 10.0), ("M1", 1, 8.0)], "a")
    add_order(con, "O2", date(2024, 3, 27), [("T1", 1, 10.0)], "a")
    add_order(con, "O3", date(2024, 3, 26), [("T1", 1, 12.0)], "b", status="returned")  # valid, counts in GMV
    add_order(con, "O4", date(2024, 3, 28), [("T1", 5, 10.0)], "c", status="cancelled")
    add_order(con, "O5", date(2024, 3, 20), [("T1", 3, 10.0)], "d")  # the week before
    add_order(con, "O6", date(2024, 3, 10), [("T1", 9, 10.0)], "e")  # before both weeks
    add_review(con, "R1", "T1", date(2024, 3, 26), 5, "great")
    add_review(con, "R2", "T1", date(2024, 3, 27), 1, "bad")
    add_review(con, "R3", "T1", date(2024, 3, 28), None, "尺码偏小，退货")  # text only, complaint words: negative
    add_review(con, "R4", "T1", date(2024, 3, 29), None, "很好")  # text only, no complaint word
    add_review(con, "R5", "T1", date(2024, 3, 21), 4, "ok")
    yield con
    con.close()


def test_weekly_table_by_hand(week_store):
    t = product_review.weekly_table(week_store, F).set_index("product_id").loc["T1"]
    assert (t["gmv"], t["units"], t["orders"], t["buyers"], t["repeat_buyers"]) == (42, 4, 3, 2, 1)
    assert t["repurchase_rate"] == pytest.approx(0.5)  # a bought twice, b once
    assert t["return_rate"] == pytest.approx(2 / 4)  # O3 returned and O4 cancelled of O1..O4
    assert t["avg_price"] == pytest.approx(10.5)
    assert (t["gmv_prev"], t["units_prev"], t["orders_prev"]) == (30, 3, 1)
    assert t["gmv_wow"] == pytest.approx(42 / 30 - 1)
    assert t["avg_price_wow"] == pytest.approx(10.5 / 10 - 1)
    assert (t["reviews"], t["negative_reviews"]) == (4, 2)  # R2 by rating, R3 by its words
    assert t["negative_share"] == pytest.approx(0.5)
    assert t["rating"] == pytest.approx(3.0) and t["rating_wow"] == pytest.approx(3 / 4 - 1)


def test_weekly_table_filters(week_store):
    kitchen = product_review.weekly_table(week_store, Filters(F.start, F.end, categories=("Kitchen",)))
    assert kitchen["product_id"].tolist() == ["M1"]
    assert product_review.weekly_table(week_store, Filters(F.start, F.end, channels=("wecom",))).empty


def test_detail_view(week_store):
    daily = product_review.product_daily(week_store, F, "T1")
    assert len(daily) == 31 and daily["gmv"].sum() == 42 + 30 + 90
    assert daily.set_index("day").loc["2024-03-27", "units"] == 1
    assert product_review.product_reviews(week_store, F, "T1")["rating"].isna().sum() == 2
    also = product_review.also_bought(week_store, F, "T1")
    # T1's buyers a, b, d, e; only a also bought M1 -> 1 buyer, a quarter of T1's buyers
    assert also[["product_id", "buyers"]].values.tolist() == [["M1", 1]]
    assert also["share_of_buyers"].iloc[0] == pytest.approx(0.25)


@pytest.fixture
def apparel_store():
    con = new_store([(f"T{i}", f"Tee {i}", "Apparel", 10) for i in range(1, 5)])
    repeaters = {"T1": 0, "T2": 10, "T3": 8, "T4": 12}  # of 20 buyers each
    for pid, repeat in repeaters.items():
        for b in range(20):
            add_order(con, f"{pid}-{b}-1", date(2024, 2, 1), [(pid, 1, 10.0)], f"{pid}c{b}")
            if b < repeat:
                add_order(con, f"{pid}-{b}-2", date(2024, 3, 1), [(pid, 1, 10.0)], f"{pid}c{b}")
    add_review(con, "S1", "T1", date(2024, 2, 10), 2, "Runs small, size chart is wrong")
    add_review(con, "S2", "T1", date(2024, 2, 11), 1, "尺码偏小，穿不上")
    add_review(con, "S3", "T1", date(2024, 2, 12), 3, "a bit tight")
    add_review(con, "S4", "T1", date(2024, 2, 13), 2, "poor quality")
    add_review(con, "S5", "T1", date(2024, 2, 14), 5, "love the size")  # praise is not a complaint
    yield con
    con.close()


def test_repurchase_flag_with_size_reason(apparel_store):
    rates = product_review.repurchase_vs_category(apparel_store, F, min_buyers=10).set_index("product_id")
    assert rates["repurchase_rate"].to_dict() == pytest.approx({"T1": 0.0, "T2": 0.5, "T3": 0.4, "T4": 0.6})
    assert rates.loc["T1", "category_repurchase_rate"] == pytest.approx(0.45)  # median of 0, .4, .5, .6
    assert rates.loc["T1", "z_score"] == pytest.approx(-9 / (20 * 0.45 * 0.55) ** 0.5)
    flags = product_review.repurchase_flags(apparel_store, F, min_buyers=10)
    assert flags["product_id"].tolist() == ["T1"]  # T3's 0.4 is not under half of 0.45
    assert flags["reason_theme"].iloc[0] == "size / fit"
    assert flags["complaints"].iloc[0] == 4
    assert "3 of 4" in flags["likely_reason"].iloc[0]
    # too few buyers to judge: nothing is flagged
    assert product_review.repurchase_flags(apparel_store, F, min_buyers=21).empty


def test_likely_reason_needs_enough_mentions():
    assert product_review.likely_reason([])[0] is None
    assert product_review.likely_reason(["size small", "bad fit"])[0] is None  # 2 mentions < 3
    assert product_review.likely_reason(["物流太慢", "快递等了一周", "发货慢", "size"])[0] == "delivery"
    assert product_review.theme_counts(["a fitting room"])["size / fit"] == 0  # whole words only in English


def test_week_totals(week_store):
    totals = {label: (now, change) for label, _metric, now, change in
              product_review.week_totals(product_review.weekly_table(week_store, F))}
    assert totals["GMV this week"] == (42 + 8, pytest.approx((42 + 8) / 30 - 1))
    assert totals["Negative-review share"][0] == pytest.approx(2 / 4)
    assert totals["Negative-review share"][1] is None  # no negative review the week before


def test_theme_counts_match_latin_words_whole_and_chinese_words_anywhere():
    texts = ["Size too small", "misfit", "fit!", "尺码偏小", "cheapskate", "broken-ish", None, "Late delivery, slow"]
    counts = product_review.theme_counts(texts)
    # size / fit: "size too small", "fit!", "尺码偏小" ("misfit" is not the word fit); quality: "broken-ish" only
    assert counts["size / fit"] == 3 and counts["quality"] == 1 and counts["delivery"] == 1
    assert counts["service"] == 0
