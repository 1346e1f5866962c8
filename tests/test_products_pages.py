"""AppTest for the four products pages: on the demo database (numbers match ecomops) and on orders-only data."""
from datetime import date

import pytest

from ecomops import db, metrics
from ecomops.i18n import fmt
from ecomops.products import bundles
from ecomops.products import demand
from ecomops.products import inventory
from ecomops.products import review as product_review
from ecomops.filters import default_filters
from tests.conftest import PROJECT_ROOT
from tests.retail import load_online_retail

PAGES = ("pages/products.py", "pages/products_inventory.py", "pages/products_bundles.py", "pages/products_review.py")


def default_view(path):
    con = db.connect(path)
    span = metrics.data_range(con)
    return con, default_filters(span.start, span.end)


def shown(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def assert_clean(at, page):
    assert not at.exception, f"{page}: {at.exception}"
    assert not at.error, f"{page}: {[e.value for e in at.error]}"


def test_demand_page(app_test, demo_db_path):
    at = app_test(PAGES[0])
    assert_clean(at, PAGES[0])
    con, f = default_view(demo_db_path)
    keywords = demand.search_growth(con, f, "keyword", min_searches=50)
    table = at.dataframe[0].value
    assert table["keyword"].iloc[0] == keywords["keyword"].iloc[0] == "智能宠物喂食器"  # the demo's planted riser
    assert len(at.get("plotly_chart")) == 3
    assert not any("Upload" in i.value for i in at.info)  # the demo has search data: no upload hint
    at.number_input(key="demand_min_searches").set_value(100000).run()
    assert_clean(at, PAGES[0])
    assert at.dataframe[0].value.empty


def test_inventory_page(app_test, demo_db_path):
    at = app_test(PAGES[1])
    assert_clean(at, PAGES[1])
    con, f = default_view(demo_db_path)
    abc = inventory.abc_table(con, f)
    values = shown(at)
    for cls in "ABC":
        assert values[f"Class {cls} SKUs"] == f"{(abc['abc_class'] == cls).sum():,}"
    alerts = inventory.stock_alerts(abc, 14, 90, 28)  # the default settings
    assert values["A items at stock-out risk"] == f"{(alerts['alert'] != 'Overstock').sum():,}"
    plan = inventory.replenishment_list(abc, inventory.lead_times(con))
    assert values["SKUs to reorder"] == f"{len(plan):,}"
    at.number_input(key="inv_a_min_cover").set_value(60).run()
    wider = inventory.stock_alerts(abc, 60, 90, 28)
    assert shown(at)["A items at stock-out risk"] == f"{(wider['alert'] != 'Overstock').sum():,}"
    assert len(at.get("download_button")) == 2


def test_bundles_page(app_test, demo_db_path):
    at = app_test(PAGES[2])
    assert_clean(at, PAGES[2])
    con, f = default_view(demo_db_path)
    pairs = bundles.pairs(con, f)
    values = shown(at)
    assert values["Orders in range"] == f"{int(pairs['n_orders'].iloc[0]):,}"
    assert values["Highest lift"] == f"{pairs['lift'].max():.2f}"
    at.number_input(key="bundle_min_pair").set_value(50).run()
    assert_clean(at, PAGES[2])
    assert shown(at)["Pairs found"].rstrip("+") == f"{len(bundles.pairs(con, f, min_pair_orders=50)):,}"
    at.radio(key="bundle_view").set_value("Network").run()
    assert_clean(at, PAGES[2])


def test_review_page(app_test, demo_db_path):
    at = app_test(PAGES[3])
    assert_clean(at, PAGES[3])
    con, f = default_view(demo_db_path)
    weekly = product_review.weekly_table(con, f)
    assert shown(at)["GMV this week"] == fmt.metric("gmv", float(weekly["gmv"].sum()), compact=True)
    at.select_slider(key="review_flag_days").set_value(365).run()
    assert_clean(at, PAGES[3])
    flags = product_review.repurchase_flags(con, f, 365)
    # the demo's T-shirt with the unclear size chart is flagged, and the reason names size
    assert "P0001" in set(flags["product_id"])
    assert flags.set_index("product_id").loc["P0001", "reason_theme"] == "size / fit"
    page_flags = at.dataframe[1].value
    assert page_flags["product_id"].tolist() == flags["product_id"].tolist()
    assert "size / fit" in page_flags.set_index("product_id").loc["P0001", "likely_reason"]
    assert at.selectbox(key="review_product").options[0].endswith(f"({flags['product_id'].iloc[0]}) ⚑")
    other = weekly["product_id"].iloc[0]
    at.selectbox(key="review_product").set_value(other).run()
    assert_clean(at, PAGES[3])


@pytest.fixture(scope="module")
def retail_db(shared_data, tmp_path_factory):
    path = tmp_path_factory.mktemp("retail") / "retail.duckdb"
    con = db.connect(path)
    load_online_retail(con, shared_data / "online_retail.csv.gz")
    db.close(path)
    return path


def test_pages_on_orders_only_data_say_which_upload(retail_db, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("ECOMOPS_DB", str(retail_db))
    monkeypatch.chdir(PROJECT_ROOT)
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=120)
    at.run()
    hints = {}
    for page in PAGES:
        at.switch_page(page).run()
        assert_clean(at, page)
        hints[page] = " ".join(i.value for i in at.info)
    assert "search keywords export" in hints["pages/products.py"]
    assert "inventory snapshot" in hints["pages/products_inventory.py"]
    assert "reviews export" in hints["pages/products_review.py"]
    # orders alone still give ABC classes and pairs
    at.switch_page("pages/products_inventory.py").run()
    assert int(shown(at)["Class A SKUs"].replace(",", "")) > 0
    at.switch_page("pages/products_bundles.py").run()
    assert int(shown(at)["Orders in range"].replace(",", "")) > 1000
    assert date(2011, 12, 9).isoformat() in " ".join(c.value for c in at.caption)


def test_pages_on_an_empty_database(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    path = tmp_path / "empty.duckdb"
    db.connect(path)
    db.close(path)
    monkeypatch.setenv("ECOMOPS_DB", str(path))
    monkeypatch.chdir(PROJECT_ROOT)
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=120)
    at.run()
    for page in PAGES:
        at.switch_page(page).run()
        assert_clean(at, page)
        assert any("upload an orders export" in i.value for i in at.info), page
