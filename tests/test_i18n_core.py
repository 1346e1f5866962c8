"""Locale selection, the per-context locale, translating and formatting messages, and code labels."""
from __future__ import annotations

import threading
from datetime import date, datetime

import numpy as np
import pandas as pd
import pytest

from ecomops import i18n
from ecomops.i18n import _, label, ngettext, pgettext, use_locale


@pytest.mark.parametrize("candidates, expected", [
    ("zh", "zh_CN"),
    ("zh-CN", "zh_CN"),
    ("zh_CN", "zh_CN"),
    ("zh_Hans", "zh_CN"),
    ("zh-Hans-CN", "zh_CN"),
    ("zh-TW", "zh_CN"),  # the one Chinese catalog serves every Chinese reader
    ("zh_CN.UTF-8", "zh_CN"),
    ("zh_CN.GB18030", "zh_CN"),
    ("en-GB", "en"),
    ("en_US.UTF-8", "en"),
    ("EN", "en"),
    ("zh-CN,zh;q=0.9,en;q=0.8", "zh_CN"),
    ("en-US,en;q=0.9,zh-CN;q=0.8", "en"),
    ("fr-FR,fr;q=0.9,zh-CN;q=0.8,en;q=0.5", "zh_CN"),  # by quality, not by position
    ("en;q=0.3, zh;q=0.7", "zh_CN"),
    ("de-DE,fr;q=0.5", "en"),  # nothing supported: the default
    ("C.UTF-8", "en"),
    ("POSIX", "en"),
    ("", "en"),
    (None, "en"),
    (["", None, "zh"], "zh_CN"),
    (["fr", "en-GB", "zh"], "en"),
    ("zh;q=0, en", "en"),  # q=0 means "not this one"
])
def test_negotiate(candidates, expected):
    assert i18n.negotiate(candidates) == expected


@pytest.mark.parametrize("environ, expected", [
    ({"LANG": "zh_CN.UTF-8"}, "zh_CN"),
    ({"LANG": "C.UTF-8"}, "en"),
    ({}, "en"),
    ({"LANG": "en_US.UTF-8", "LC_ALL": "zh_CN.UTF-8"}, "zh_CN"),
    ({"LANG": "zh_CN.UTF-8", "LC_MESSAGES": "en_GB.UTF-8"}, "en"),
    ({"LANG": "de_DE.UTF-8", "LANGUAGE": "zh_CN:en"}, "zh_CN"),
    ({"LANG": "C", "LANGUAGE": "zh_CN"}, "en"),  # like gettext: LANGUAGE is ignored under the C locale
])
def test_locale_from_the_environment(environ, expected):
    assert i18n.from_environment(environ) == expected


def test_use_locale_nests_restores_and_rejects_unknown_locales():
    assert i18n.current_locale() == "en"
    with use_locale("zh") as locale:
        assert locale == "zh_CN" and i18n.current_locale() == "zh_CN"
        with use_locale("en-US"):
            assert i18n.current_locale() == "en"
        with use_locale(None):
            assert i18n.current_locale() == "zh_CN"
        assert i18n.current_locale() == "zh_CN"
    assert i18n.current_locale() == "en"
    with pytest.raises(ValueError, match="unsupported locale 'fr'"):
        i18n.set_locale("fr")
    assert [i18n.url_code(loc) for loc in i18n.SUPPORTED] == ["zh", "en"]
    assert [i18n.language_name(loc) for loc in i18n.SUPPORTED] == ["中文", "English"]


def test_each_thread_has_its_own_locale():
    """Streamlit runs each session in its own thread: one session switching to zh must not switch another."""
    barrier = threading.Barrier(2)
    seen: dict[str, list[str]] = {}

    def session(name: str, locale: str) -> None:
        i18n.set_locale(locale)
        barrier.wait()  # both sessions have set their locale before either reads
        seen[name] = [i18n.current_locale(), label("device", "mobile_web")]

    threads = [threading.Thread(target=session, args=("a", "zh")), threading.Thread(target=session, args=("b", "en"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == {"a": ["zh_CN", "手机网页"], "b": ["en", "Mobile web"]}
    assert i18n.current_locale() == "en"  # the test's own thread was never touched


def test_messages_translate_then_format():
    with use_locale("zh"):
        assert _("error: {message}", message="文件为空") == "错误：文件为空"
        assert pgettext("percentage points", "{value} pp", value="+1.2") == "+1.2个百分点"
        with pytest.raises(KeyError):  # a field the code does not fill is a bug, not a blank
            _("error: {message}", msg="x")
        assert i18n.npgettext("duration", "{value} day", "{value} days", 3, value="3") == "3天"
        # Dates passed to a message are formatted by the display rules; a midnight timestamp (a pandas DATE) is a date.
        assert _("--start {start} is after --end {end}", start=date(2026, 11, 15), end=datetime(2026, 1, 1, 9, 5)) \
            == "--start 2026年11月15日 晚于 --end 2026年1月1日 09:05"
        assert _("error: {message}", message=pd.Timestamp("2026-11-03")) == "错误：2026年11月3日"
        assert _("Not in any catalog {x}", x="1") == "Not in any catalog 1"
    with use_locale("en"):
        assert i18n.npgettext("duration", "{value} day", "{value} days", 1, value="1") == "1 day"
        assert ngettext("{n} order", "{n} orders", 12345) == "12,345 orders"  # {n} is fmt.count(n) by default
        assert ngettext("{n} order", "{n} orders", 1) == "1 order"


@pytest.mark.parametrize("number", [0.5, np.float64(0.5), np.float32(0.5)])
def test_a_float_must_go_through_fmt_first(number):
    with pytest.raises(TypeError, match="ecomops.i18n.fmt"):
        _("{rate} of buyers", rate=number)


def test_marking_does_not_translate():
    assert i18n.N_("Paid ads") == "Paid ads"
    assert i18n.NP_("channel", "Paid ads") == "Paid ads"
    assert i18n.gettext("error: {message}") == "error: {message}"


@pytest.mark.parametrize("kind, code, zh, en", [
    ("channel", "paid_ads", "付费广告", "Paid ads"),
    ("device", "mobile_web", "手机网页", "Mobile web"),
    ("lifecycle", "new", "新客", "New"),
    ("rfm_segment", "New", "一般发展客户", "New"),  # one English word, two Chinese labels (context)
    ("lifecycle", "lost", "流失客户", "Lost"),
    ("rfm_segment", "Lost", "低价值流失客户", "Lost"),
    ("rfm_segment", "Champions", "重要价值客户", "Champions"),
    ("metric", "aov", "笔单价", "AOV"),
    ("metric", "roi", "投产比", "ROI"),
    ("abc_class", "A", "A类", "A"),
    ("campaign_kind", "big_sale", "大促", "Big sale"),
    ("order_status", "completed", "交易成功", "Completed"),
    ("period", "week", "周报", "Weekly review"),
    ("channel", "tmall_flagship", "Tmall flagship", "Tmall flagship"),  # unknown code: humanised
    ("channel", "天猫旗舰店", "天猫旗舰店", "天猫旗舰店"),  # imported data: as is
    ("channel", "Google Ads", "Google Ads", "Google Ads"),
    ("channel", None, "—", "—"),
])
def test_labels(kind, code, zh, en):
    assert label(kind, code, locale="zh_CN") == zh
    assert label(kind, code, locale="en") == en


def test_labels_tables_and_raw_codes():
    # "all": traffic exports without a device split (the importer's default device)
    assert list(i18n.labels("device", locale="zh")) == ["app", "mobile_web", "pc", "all"]
    assert i18n.labels("device", locale="zh") == {"app": "App", "mobile_web": "手机网页", "pc": "PC端", "all": "全部终端"}
    from ecomops.i18n.labels import raw_codes

    assert {"paid_ads", "mobile_web", "douyin_live", "big_sale"} <= set(raw_codes())
    assert "app" not in raw_codes() and "search" not in raw_codes()  # also ordinary words
    with pytest.raises(KeyError):
        label("no_such_kind", "x")
