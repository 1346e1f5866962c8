"""Banned-word rules (issue 7): true and false positives in Chinese and English, the word list as data."""
import pandas as pd
import pytest

from ecomops import db
from ecomops.risk import compliance

RULES = compliance.rules_from_frame(compliance.default_rules_frame())


def words(text: str) -> list[str]:
    return [m.text for m in compliance.find_claims(text, RULES)]


@pytest.mark.parametrize("text, expected", [
    ("销量第一的面膜", ["第一"]),
    ("全网最低价", ["全网最低"]),              # overlap 最 / 最低价 / 全网最低: longest first match wins
    ("最佳选择，顶级工艺", ["最佳", "顶级"]),
    ("最舒适的国家级面料", ["最", "国家级"]),
    ("效果100%有效", ["100%"]),
    ("本店唯一首个极致永久绝对好用", ["唯一", "首个", "极致", "永久", "绝对"]),
])
def test_chinese_claims_fire(text, expected):
    assert words(text) == expected


@pytest.mark.parametrize("text", [
    "最近上新，第一次购买送礼品",
    "最后三天，最终解释权归本店",
    "第一步清洁，第一时间发货",
    "100%纯棉T恤，100%羊毛围巾",
    "最好在阴凉处保存",
])
def test_chinese_compounds_that_are_not_claims(text):
    assert words(text) == []


def test_exception_only_excuses_the_occurrence_it_covers():
    # 最近 is allowed, 最佳 in the same sentence still fires; 第一次 allowed, 销量第一 fires.
    assert words("最近的最佳选择") == ["最佳"]
    assert words("第一次买就销量第一") == ["第一"]
    match = compliance.find_claims("第一次买就销量第一", RULES)[0]
    assert (match.start, match.end) == (7, 9)


@pytest.mark.parametrize("text, expected", [
    ("Best seller of the year", ["Best"]),
    ("The #1 pick, results guaranteed!", ["#1", "guaranteed"]),
    ("Our number one and the only serum", ["number one", "the only"]),
    ("100% effective", ["100%"]),
    ("best款 夏季新品", ["best"]),                    # English word inside Chinese text still fires
    ("Cheapest price. A miracle cure", ["Cheapest", "miracle", "cure"]),
])
def test_english_claims_fire_as_whole_words(text, expected):
    assert words(text) == expected


@pytest.mark.parametrize("text", [
    "He would bestow a gift",       # best inside a word
    "Size #10 and #12",             # #1 followed by a digit
    "1100% bigger",                 # 100% preceded by a digit
    "100% cotton tee",              # material composition is an exception
    "Best before 2025-01-01",
    "A curated secure box",         # cure inside curated / secure
    "the onlyone",
])
def test_english_false_positives_avoided(text):
    assert words(text) == []


def test_highlight_and_rewrite():
    text = "Best 面膜，销量第一"
    matches = compliance.find_claims(text, RULES)
    assert compliance.highlight(text, matches) == "【Best】 面膜，销量【第一】"
    assert compliance.suggest_rewrite(text, matches) == "Great 面膜，销量领先"
    assert compliance.highlight_markdown("a 最佳(1)", compliance.find_claims("a 最佳(1)", RULES)) == "a :red-background[**最佳**]\\(1\\)"
    # an empty suggestion removes the word
    assert compliance.suggest_rewrite("100%有效", compliance.find_claims("100%有效", RULES)) == "有效"


def test_disabled_rule_does_not_fire_and_custom_exception_works():
    frame = compliance.default_rules_frame()
    frame.loc[frame["word"] == "顶级", "enabled"] = False
    frame.loc[frame["word"] == "第一", "exceptions"] = "第一名"
    rules = compliance.rules_from_frame(frame)
    assert [m.text for m in compliance.find_claims("顶级好物 第一名 第一次", rules)] == ["第一"]


def test_word_list_seeded_once_edited_and_restored():
    con = db.connect_memory()
    shipped = compliance.default_rules_frame()
    listed = compliance.banned_words(con)
    assert len(listed) == len(shipped) and set(listed["word"]) == set(shipped["word"])
    new_rule = pd.DataFrame([["爆款之王", "zh", "absolute", "绝对化用语", "热销", False, "", True]],
                            columns=compliance.RULE_COLUMNS)
    edited = pd.concat([listed[listed["word"] != "最"], new_rule], ignore_index=True)
    assert compliance.save_banned_words(con, edited) == len(shipped)
    again = compliance.banned_words(con)  # not re-seeded: the operator's deletion of 最 stays
    assert "最" not in set(again["word"]) and "爆款之王" in set(again["word"])
    assert compliance.check_copy(con, "爆款之王，最舒适")["findings"]["matched"].tolist() == ["爆款之王"]
    assert compliance.restore_default_words(con) == len(shipped)
    assert "最" in set(compliance.banned_words(con)["word"])


def test_invalid_word_list_is_rejected_whole():
    con = db.connect_memory()
    before = compliance.banned_words(con)
    bad = pd.concat([before, before.head(1)])
    with pytest.raises(ValueError, match="listed twice"):
        compliance.save_banned_words(con, bad)
    wrong_language = before.copy()
    wrong_language.loc[0, "language"] = "fr"
    with pytest.raises(ValueError, match="language"):
        compliance.save_banned_words(con, wrong_language)
    assert len(compliance.banned_words(con)) == len(before)


def test_scan_products_per_product_with_highlight():
    con = db.connect_memory()
    con.execute("""INSERT INTO products (product_id, title, description, category) VALUES
        ('P1', '顶级保湿面膜', '最近上新，销量第一', 'Beauty'),
        ('P2', '纯棉T恤', '第一次购买送袜子，100%纯棉', 'Apparel'),
        ('P3', 'Best yoga mat', NULL, 'Sports')""")
    table = compliance.scan_products(con).set_index("product_id")
    assert list(table.index) == ["P1", "P3"]            # P2 holds only traps
    assert table.loc["P1", "claims"] == 2
    assert table.loc["P1", "title_highlighted"] == "【顶级】保湿面膜"
    assert table.loc["P1", "description_highlighted"] == "最近上新，销量【第一】"
    assert table.loc["P1", "suggested_title"] == "高端保湿面膜"
    assert table.loc["P3", "suggested_title"] == "Great yoga mat"
    summary = compliance.compliance_summary(con)
    assert (summary["products_scanned"], summary["products_flagged"], summary["claims"]) == (3, 2, 3)
    from datetime import date
    from ecomops.filters import Filters
    beauty = compliance.scan_products(con, Filters(date(2024, 1, 1), date(2024, 1, 2), categories=("Beauty",)))
    assert beauty["product_id"].tolist() == ["P1"]


def test_stored_scan_follows_product_and_word_list_edits():
    """The scan is stored (derived.RISK_CLAIMS): edits in place to products or to the word list rescan it."""
    con = db.connect_memory()
    con.execute("INSERT INTO products (product_id, title, description, category) VALUES "
                "('P1', '顶级保湿面膜', NULL, 'Beauty'), ('P2', '保湿霜', NULL, 'Beauty')")
    assert compliance.scan_products(con)["product_id"].tolist() == ["P1"]
    con.execute("UPDATE products SET title = '销量第一保湿霜' WHERE product_id = 'P2'")  # no version bump
    assert compliance.scan_findings(con)[["product_id", "matched"]].values.tolist() == [["P1", "顶级"], ["P2", "第一"]]
    words = compliance.banned_words(con)
    words.loc[words["word"] == "顶级", "enabled"] = False
    compliance.save_banned_words(con, words)
    assert compliance.scan_products(con)["product_id"].tolist() == ["P2"]
    summary = compliance.compliance_summary(con)
    assert (summary["products_flagged"], summary["claims"]) == (1, 1)
    assert sum(summary["by_category"].values()) == 1
