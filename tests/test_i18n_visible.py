"""The visible-text checker the page tests use: wrong language, debug-print numbers, raw codes, doc names."""
from __future__ import annotations

import pytest

from ecomops.i18n.visible import assert_clean, find_problems


def _found(texts, locale, **kwargs):
    return [(p.rule, p.match) for p in find_problems(texts, locale, **kwargs)]


def test_clean_chinese_text_with_the_terms_operators_use_as_is():
    texts = ["成交额 ¥623.0万", "GMV 环比 +12.3%", "访客数（UV）", "投产比 ROI 3.26", "SKU 数", "App 端转化率",
             "PC端", "导出 CSV", "下载 PDF 周报", "A类商品", "R 5 · FM 4", "2026年11月15日", "+1.2个百分点",
             "¥1,234.50", "US$1,234.50", "CN¥12.50", "Top 10 商品", ""]
    assert find_problems(texts, "zh_CN") == []


def test_english_words_in_chinese_text_are_flagged():
    assert _found(["转化率 vs 上周", "7.8x 平常间隔", "+1.2 pp", "Paid ads 渠道", "No data"], "zh_CN") == [
        ("English word in zh", "vs"), ("English word in zh", "x"), ("English word in zh", "pp"),
        ("English word in zh", "Paid"), ("English word in zh", "ads"),
        ("English word in zh", "No"), ("English word in zh", "data")]


def test_data_values_are_shown_as_stored():
    texts = ["Nike Air Zoom 跑鞋 卖得最好", "渠道 Google Ads 的投产比低于 1", "搜索词 organic cotton tee 增长最快"]
    assert find_problems(texts, "zh_CN", data=["Nike Air Zoom 跑鞋", "Google Ads", "organic cotton tee"]) == []
    assert _found(texts, "zh_CN", data=["Nike Air Zoom 跑鞋"]) == [
        ("English word in zh", "Google"), ("English word in zh", "Ads"), ("English word in zh", "organic"),
        ("English word in zh", "cotton"), ("English word in zh", "tee")]
    # In English, Chinese product titles, keywords and campaign names are data too.
    en = ["Top product: 智能宠物喂食器", "Campaign 2026年10月 周末限时秒杀 lifted GMV by +12.3%"]
    assert find_problems(en, "en", data=["智能宠物喂食器", "2026年10月 周末限时秒杀"]) == []


def test_chinese_in_english_text_is_flagged_with_full_width_punctuation():
    assert _found(["GMV ¥1,234.50", "Conversion rate：3.5%", "流失 customers", "Spend（CNY）"], "en") == [
        ("Chinese in en", "："), ("Chinese in en", "流"), ("Chinese in en", "失"), ("Chinese in en", "（"),
        ("Chinese in en", "）")]


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_debug_print_numbers_doc_names_and_raw_codes_in_both_languages(locale):
    texts = ["See METRICS.md", "2026-11-03 00:00:00", "0.1343", "10588.9225", "1,234.567", "paid_ads",
             "mobile_web 转化率", "douyin_live"]
    chinese = [("Chinese in en", "转"), ("Chinese in en", "化"), ("Chinese in en", "率")] if locale == "en" else []
    assert _found(texts, locale, allowed={"see", "metrics", "md"} if locale == "zh_CN" else ()) == [
        ("doc file name", ".md"), ("midnight time", "00:00:00"), ("3+ decimals", "0.1343"),
        ("3+ decimals", "10588.9225"), ("3+ decimals", "234.567"), ("raw code", "paid_ads"),
        *chinese, ("raw code", "mobile_web"), ("raw code", "douyin_live")]


def test_numbers_the_display_rules_produce_are_clean():
    assert find_problems(["12.34%", "1.25亿", "¥10,588.92", "3.26", "2026-11-15", "14:30", "P0001", "GB18030"],
                         "zh_CN") == []


def test_codes_can_be_given_and_words_allowed():
    assert _found(["search traffic fell"], "en", codes=["search"]) == [("raw code", "search")]
    assert find_problems(["search traffic fell"], "en") == []  # "search" is a word, not in the default codes
    assert find_problems(["WeCom 私域"], "zh_CN", allowed={"wecom"}) == []


def test_assert_clean_lists_every_problem():
    with pytest.raises(AssertionError, match=r"2 visible-text problems in en:\n  Chinese in en: '中'"):
        assert_clean(["中", "paid_ads"], "en")
    assert_clean(["All good: +1.2 pp"], "en")
