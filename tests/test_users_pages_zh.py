"""The Cohorts & members and Lost customers pages in Simplified Chinese (``?lang=zh``) and English: the operators'
terms and the domain's numbers in zh, findings and the members sentence in Chinese, and no English word, raw code or
debug-print number in zh (no Chinese outside the data in en), checked with ecomops.i18n.visible."""
from __future__ import annotations

import pytest

from ecomops import db, metrics
from ecomops.exports import escape_markdown
from ecomops.filters import default_filters
from ecomops.i18n import fmt, use_locale
from ecomops.i18n.visible import assert_clean
from ecomops.users import cohorts as users_cohorts
from ecomops.users import lost
from tests.page_text import visible_texts
from tests.page_text import ACTING_USER

PAGES = ["pages/users_cohorts.py", "pages/users_lost.py"]
# Imported values shown as stored (categories, survey reasons): data in any language.
DATA_COLUMNS = ("category", "reason")


@pytest.fixture
def demo_filters(demo_db_path):
    con = db.connect(demo_db_path)
    span = metrics.data_range(con)
    return con, default_filters(span.start, span.end)


def run_in(app_test, page: str, lang: str):
    """Return the AppTest of ``page`` opened with ``?lang=`` (as a shared link would)."""
    at = app_test()
    at.query_params["lang"] = lang
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    return at


def data_values(at) -> set[str]:
    values: set[str] = set()
    for table in at.dataframe:
        for column in DATA_COLUMNS:
            if column in table.value.columns:
                values |= {v for v in table.value[column] if isinstance(v, str)}
    return values | {ACTING_USER}  # the sidebar names who is acting: the OS user in local mode


def metrics_of(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("lang, locale", [("zh", "zh_CN"), ("en", "en")])
def test_page_text_is_clean(app_test, demo_filters, page, lang, locale):
    con, f = demo_filters
    at = run_in(app_test, page, lang)
    categories = set(lost.last_categories(con, f)["category"])  # the last-order chart's bars: imported names
    assert_clean(visible_texts(at), locale, data=data_values(at) | categories)


def test_cohorts_page_in_chinese(app_test, demo_filters):
    con, f = demo_filters
    at = run_in(app_test, "pages/users_cohorts.py", "zh")
    assert at.title[0].value == "同期群与会员"
    cohorts = users_cohorts.cohorts(con, f, 12)
    shown = metrics_of(at)
    assert shown["第1个月复购"] == fmt.percent(users_cohorts.cohort_summary(cohorts)["retention_m1"], 2, locale="zh_CN")
    total = users_cohorts.conversion(con, users_cohorts.trailing(f, 90)).iloc[-1]
    assert shown["注册人数"] == fmt.count(total["signups"], locale="zh_CN")
    with use_locale("zh_CN"):
        statement = users_cohorts.members_statement(users_cohorts.members(con, users_cohorts.trailing(f, 365)))
    assert statement.startswith("会员每 ") and "客单价 ¥" in statement
    assert at.success[0].value == escape_markdown(statement)  # shown as text
    members = at.dataframe[-2].value
    assert set(members["group"]) == {"会员", "非会员"}
    assert set(at.dataframe[-1].value["group"]) <= {"非会员", "银卡会员", "金卡会员"}


def test_lost_page_in_chinese(app_test, demo_filters):
    con, f = demo_filters
    at = run_in(app_test, "pages/users_lost.py", "zh")
    assert at.title[0].value == "流失客户"
    profile = lost.behaviour_profile(con, f).set_index("segment")
    shown = metrics_of(at)
    assert shown["流失客户"] == fmt.count(profile.loc["lost", "customers"], locale="zh_CN")
    rate = lost.winback(con, f).set_index("segment").loc["lost", "rate"]
    assert shown["流失客户召回率"] == fmt.percent(rate, 2, locale="zh_CN")
    table = at.dataframe[-1].value
    assert list(table.columns)[:2] == ["指标", "流失客户"] and "笔单价" in set(table["指标"])
    assert table.set_index("指标").loc["笔单价", "流失客户"].startswith("¥")
    assert all(w.value.startswith("流失客户") for w in at.warning)  # the findings, in Chinese
