"""AppTest for every traffic page: they run on the demo database and show the ecomops values, say which upload
is needed on an empty database, and the funnel page works on the real UCI Online Shoppers sessions."""
import json
import pytest

from ecomops import db
from ecomops.i18n import fmt, label, use_locale
from ecomops import traffic
from ecomops.traffic import ads as traffic_ads
from ecomops.traffic import campaigns as traffic_campaigns
from ecomops.traffic import channels
from ecomops.traffic import funnel as traffic_funnel
from ecomops.traffic import search as traffic_search
from ecomops.filters import default_filters
from ecomops.metrics import data_range
from tests.conftest import PROJECT_ROOT
from tests.test_traffic_funnel import OSI, load_online_shoppers

PAGES = ["pages/traffic.py", "pages/traffic_ads.py", "pages/traffic_search.py", "pages/traffic_campaigns.py",
         "pages/traffic_funnel.py"]


def _default_filters(path):
    """Return the process-wide connection (the one the app uses: never closed here) and the default filters."""
    con = db.connect(path)
    span = data_range(con)
    return con, default_filters(span.start, span.end)


def _metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _run(path, page, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("ECOMOPS_DB", str(path))
    monkeypatch.chdir(PROJECT_ROOT)
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=120)
    at.run()
    at.switch_page(page).run()
    return at


@pytest.mark.parametrize("page", PAGES)
def test_page_runs_on_demo_data(app_test, page):
    at = app_test(page)
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert len(at.get("plotly_chart")) >= 1
    assert len(at.dataframe) >= 1
    assert not at.info or page == "pages/traffic_search.py"  # the demo holds every traffic table (search: the rule)


def test_channels_page_shows_ecomops_values(app_test, demo_db_path):
    at = app_test("pages/traffic.py")
    con, f = _default_filters(demo_db_path)
    data = channels.channel_overview(con, f)
    review = channels.roi_review(con, f)
    shown = _metrics(at)
    assert shown["GMV"] == fmt.metric("gmv", data["total"]["gmv"], compact=True, locale="en")
    assert shown["Conversion rate"] == fmt.metric("conversion_rate", data["total"]["conversion_rate"], locale="en")
    assert shown["ROI"] == f"{data['total']['roi']:.2f}"
    table = at.dataframe[0].value
    with use_locale("en"):
        assert table["channel"].tolist() == [label("channel", c) for c in data["channels"]["channel"]]
    assert set(at.dataframe[1].value["action"]) == {a.title() for a in review["action"]}  # labels: Cut, Watch...
    # the share-of-GMV chart highlights the private domain (wecom) by default
    assert at.selectbox[0].value == "wecom"
    share = next(json.loads(c.proto.spec) for c in at.get("plotly_chart")
                 if "Share of GMV" in json.dumps(json.loads(c.proto.spec)["layout"].get("title", "")))
    widths = {t["name"]: t["line"]["width"] for t in share["data"]}
    assert widths["WeCom"] == 3  # legend by label, never the code


def test_ads_and_search_pages_show_ecomops_values(app_test, demo_db_path):
    con, f = _default_filters(demo_db_path)
    ads = traffic_ads.ads_overview(con, f)
    search = traffic_search.search_overview(con, f)
    at = app_test("pages/traffic_ads.py")
    shown = _metrics(at)
    assert shown["Ad spend"] == fmt.metric("spend", ads["total"]["spend"], compact=True, locale="en")
    assert shown["ROI"] == f"{ads['total']['roi']:.2f}"
    assert at.dataframe[0].value["rank"].tolist()[:1] == ["Best"]
    at.switch_page("pages/traffic_search.py").run()
    assert not at.exception
    shown = _metrics(at)
    assert shown["Searches"] == fmt.count(search["totals"]["searches"], compact=True, locale="en")
    assert shown["Organic search UV"] == fmt.count(search["totals"]["search_uv"], compact=True, locale="en")
    assert any("Core vs long-tail rule" in i.value for i in at.info)
    at.segmented_control[0].set_value("core").run()
    assert set(at.dataframe[-1].value["kind"]) == {"Core"}


def test_campaign_and_funnel_pages_show_ecomops_values(app_test, demo_db_path):
    con, f = _default_filters(demo_db_path)
    campaigns = traffic_campaigns.campaign_overview(con, f)
    funnel = traffic_funnel.funnel_overview(con, f)
    scroll = traffic_funnel.scroll_depth(con, f)
    at = app_test("pages/traffic_campaigns.py")
    lift = at.dataframe[-1].value
    assert lift["name"].tolist() == campaigns["lift"]["name"].tolist()
    at.switch_page("pages/traffic_funnel.py").run()
    assert not at.exception
    drop = traffic_funnel.biggest_drop(funnel["daily"])
    assert any(f"{drop['from']} → {drop['to']}" in m.value for m in at.markdown)
    summary = traffic_funnel.scroll_summary(scroll)
    assert any(f"leave at screen **{summary['screen']}**" in m.value for m in at.markdown)


@pytest.mark.parametrize("page, hint_table", [
    ("pages/traffic.py", "orders"), ("pages/traffic_ads.py", "ad_spend"),
    ("pages/traffic_search.py", "search_keywords"), ("pages/traffic_campaigns.py", "campaigns"),
    ("pages/traffic_funnel.py", "traffic_daily"),
])
def test_empty_database_says_which_upload(tmp_path, monkeypatch, page, hint_table):
    path = tmp_path / "empty.duckdb"
    db.connect(path)
    db.close(path)  # the file exists, so the app does not create the demo data set
    at = _run(path, page, monkeypatch)
    assert not at.exception, at.exception
    assert not at.error
    assert any(traffic.upload_hint(hint_table) in i.value for i in at.info), [i.value for i in at.info]


def test_funnel_page_on_online_shoppers_sessions(tmp_path, monkeypatch, shared_data):
    path = tmp_path / "sessions.duckdb"
    con = db.connect(path)
    load_online_shoppers(con, shared_data / OSI)
    db.close(path)
    at = _run(path, "pages/traffic_funnel.py", monkeypatch)
    assert not at.exception, at.exception
    shown = _metrics(at)
    assert shown["Sessions"] == "12,330"
    assert shown["Sessions with a purchase"] == "1,908"
    assert shown["Session conversion rate"] == fmt.metric("conversion_rate", 1908 / 12330, locale="en") == "15.47%"
    assert any(traffic.upload_hint("scroll_depth") in i.value for i in at.info)
