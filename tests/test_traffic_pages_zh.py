"""The traffic pages in Simplified Chinese (``?lang=zh``) and English: the operators' terms in zh, the same numbers as
ecomops in both languages' display rules, and no English word, raw code or debug-print number in zh (no Chinese
outside the data in en), checked with ecomops.i18n.visible on every text the page shows."""
import json

import pytest

from ecomops import db
from ecomops.filters import default_filters
from ecomops.i18n import fmt
from ecomops.i18n.visible import assert_clean
from ecomops.metrics import data_range
from ecomops.traffic import ads as traffic_ads
from ecomops.traffic import channels
from ecomops.traffic import search as traffic_search
from tests.page_text import visible_texts
from tests.page_text import ACTING_USER

PAGES = ["pages/traffic.py", "pages/traffic_ads.py", "pages/traffic_search.py", "pages/traffic_campaigns.py",
         "pages/traffic_funnel.py"]
# Columns holding imported values (campaign and audience names, keywords, categories, campaign ids): data, shown
# as stored in any language.
DATA_COLUMNS = ("key", "name", "keyword", "category", "overlaps", "campaign_id")


def run_in(app_test, page: str, lang: str):
    """Return the AppTest of ``page`` opened with ``?lang=`` (as a shared link would)."""
    at = app_test()  # the app on the demo database (conftest), then the language and the page
    at.query_params["lang"] = lang
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    return at


def data_values(at) -> set[str]:
    """Return the imported values the page's tables show (and its charts repeat)."""
    values: set[str] = set()
    for table in at.dataframe:
        frame = table.value
        for column in DATA_COLUMNS:
            if column in frame.columns:
                values |= {v for v in frame[column] if isinstance(v, str)}
    values |= {part for v in list(values) for part in v.split(", ")}
    return values | {ACTING_USER}  # the sidebar names who is acting: the OS user in local mode


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


@pytest.mark.parametrize("page", PAGES)
def test_page_in_chinese_is_clean(app_test, page):
    at = run_in(app_test, page, "zh")
    assert_clean(visible_texts(at), "zh_CN", data=data_values(at))


@pytest.mark.parametrize("page", PAGES)
def test_page_in_english_has_no_chinese_outside_data(app_test, page):
    at = run_in(app_test, page, "en")
    assert_clean(visible_texts(at), "en", data=data_values(at))


def test_channels_page_speaks_the_operators_terms(app_test, demo_db_path):
    at = run_in(app_test, "pages/traffic.py", "zh")
    con = db.connect(demo_db_path)
    span = data_range(con)
    data = channels.channel_overview(con, default_filters(span.start, span.end))
    shown = metrics(at)
    assert at.title[0].value == "渠道与投产比"
    # 生意参谋's names, and the same numbers in the Chinese display rules (¥…万 for money)
    assert shown["成交额"] == fmt.money(data["total"]["gmv"], compact=True, locale="zh_CN")
    assert shown["成交额"].startswith("¥") and shown["成交额"].endswith("万")
    assert shown["支付转化率"] == fmt.percent(data["total"]["conversion_rate"], 2, locale="zh_CN")
    assert shown["投产比"] == f"{data['total']['roi']:.2f}"
    assert {"访客数", "支付买家数", "花费"} <= set(shown)
    table = at.dataframe[0].value
    assert "企业微信" in set(table["channel"]) and "wecom" not in set(table["channel"])
    review = at.dataframe[1].value
    assert set(review["action"]) <= {"削减", "观察", "加投", "—"}


def test_ads_and_search_pages_in_chinese(app_test, demo_db_path):
    con = db.connect(demo_db_path)
    span = data_range(con)
    f = default_filters(span.start, span.end)
    ads = traffic_ads.ads_overview(con, f)
    search = traffic_search.search_overview(con, f)
    at = run_in(app_test, "pages/traffic_ads.py", "zh")
    shown = metrics(at)
    assert shown["花费"] == fmt.money(ads["total"]["spend"], compact=True, locale="zh_CN")
    assert shown["平均点击花费"] == fmt.money(ads["total"]["cpc"], locale="zh_CN")
    assert {"点击量", "引导成交额", "投产比"} <= set(shown)
    assert at.dataframe[0].value["rank"].tolist()[:1] == ["最佳"]
    at.switch_page("pages/traffic_search.py").run()
    shown = metrics(at)
    assert shown["搜索次数"] == fmt.count(search["totals"]["searches"], compact=True, locale="zh_CN")
    assert any("核心词与长尾词规则" in i.value for i in at.info)
    at.segmented_control[0].set_value("长尾词").run()  # AppTest picks an option by the text it shows
    assert set(at.dataframe[-1].value["kind"]) == {"长尾词"}


def test_campaign_and_funnel_pages_in_chinese(app_test):
    at = run_in(app_test, "pages/traffic_campaigns.py", "zh")
    lanes = {trace["name"] for trace in json.loads(at.get("plotly_chart")[0].proto.spec)["data"]}
    assert {"大促", "会员日", "限时秒杀"} & lanes and not {"big_sale", "member_day", "flash_sale"} & lanes
    assert set(at.dataframe[-1].value["kind"]) <= {"大促", "会员日", "限时秒杀", "其他活动"}
    at.switch_page("pages/traffic_funnel.py").run()
    assert any("最大流失环节" in m.value for m in at.markdown)
    assert any("详情页访客在第" in m.value for m in at.markdown)


def test_funnel_page_on_online_shoppers_sessions_in_chinese(tmp_path, monkeypatch, shared_data):
    from streamlit.testing.v1 import AppTest

    from tests.conftest import PROJECT_ROOT
    from tests.test_traffic_funnel import OSI, load_online_shoppers

    path = tmp_path / "sessions.duckdb"
    con = db.connect(path)
    load_online_shoppers(con, shared_data / OSI)
    db.close(path)
    monkeypatch.setenv("ECOMOPS_DB", str(path))
    monkeypatch.chdir(PROJECT_ROOT)
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=120)
    at.query_params["lang"] = "zh"
    at.run()
    at.switch_page("pages/traffic_funnel.py").run()
    assert not at.exception, at.exception
    shown = metrics(at)
    assert shown["会话数"] == "12,330" and shown["会话转化率"] == "15.47%"
    at.segmented_control[0].set_value("访客类型").run()  # the visitor types of the UCI data, by their labels
    assert set(at.dataframe[0].value["key"]) == {"新访客", "老访客", "其他"}
    assert_clean(visible_texts(at), "zh_CN", data=data_values(at))


def test_empty_database_in_chinese_says_which_upload(tmp_path, monkeypatch):
    """On an empty database every page of this area says, in Chinese, which upload it needs."""
    from streamlit.testing.v1 import AppTest

    from tests.conftest import PROJECT_ROOT

    path = tmp_path / "empty.duckdb"
    db.connect(path)
    db.close(path)
    monkeypatch.setenv("ECOMOPS_DB", str(path))
    monkeypatch.chdir(PROJECT_ROOT)
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=120)
    at.query_params["lang"] = "zh"
    at.run()
    for page in [*PAGES, "pages/users_cohorts.py", "pages/users_lost.py"]:
        at.switch_page(page).run()
        assert not at.exception, (page, at.exception)
        assert any("数据 → 数据上传" in i.value for i in at.info), (page, [i.value for i in at.info])
        assert_clean(visible_texts(at), "zh_CN", data=["UCI"])  # the data set's source, a name
