"""Real browser (Playwright + Debian Chromium): the language comes from ?lang= and the sidebar switch (issue 17).

The Overview opened with ?lang=zh shows its menu, its language switch and its KPI labels in Chinese; choosing English
in the sidebar writes ?lang=en into the URL and every one of them changes to English.
"""
import shutil

import pytest

from ecomops.i18n import label, use_locale
from ecomops.metrics import KPI_LABELS
from ecomops.ui.navigation import PAGES
from tests.browser import chromium, metric_labels, require_chromium, serve_app, wait_for_app

pytestmark = pytest.mark.browser


def _menu(locale: str) -> set[str]:
    """Return the menu's section headers and page titles in a language."""
    from ecomops.i18n import _

    with use_locale(locale):
        return {_(entry.section) for entry in PAGES} | {_(entry.title) for entry in PAGES}


def _kpi_labels(locale: str) -> list[str]:
    return [label("metric", code, locale=locale) for code in KPI_LABELS]


def _wait_for_metrics(page, count: int) -> None:
    page.locator('[data-testid="stMetric"]').first.wait_for(timeout=120000)
    page.wait_for_function("n => document.querySelectorAll('[data-testid=\"stMetricLabel\"]').length >= n",
                           arg=count, timeout=120000)


@pytest.fixture(scope="module")
def app_url(demo_db_path, tmp_path_factory):
    require_chromium()
    home = tmp_path_factory.mktemp("home_lang")
    db_copy = home / "demo.duckdb"
    shutil.copy(demo_db_path, db_copy)
    with serve_app(db_copy, home) as url:
        yield url


@pytest.fixture(scope="module")
def browser(app_url):
    with chromium() as b:
        yield b


def _open_in_chinese_and_switch(app_url, browser, page_path: str = "", metrics: int = 1):
    """Open a page with ?lang=zh, return (page, zh snapshot, en snapshot after switching in the sidebar); the
    snapshots are taken once at least ``metrics`` metrics are drawn (a cold page draws them one by one)."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="en-US")
    page.goto(f"{app_url}/{page_path}?lang=zh")
    from ecomops.i18n import _

    with use_locale("zh_CN"):
        zh_section, zh_language = _("Products"), _("Language")
    wait_for_app(page, menu_section=zh_section)
    _wait_for_metrics(page, metrics)
    sidebar = page.locator('[data-testid="stSidebar"]')
    zh = {"sidebar": sidebar.inner_text(), "metrics": metric_labels(page), "url": page.url}
    # The language switch (ecomops/ui/page.py, key ecomops_language_choice) names the languages in themselves.
    switch = page.locator(".st-key-ecomops_language_choice").get_by_role("combobox")
    switch.wait_for(timeout=60000)
    assert switch.get_attribute("aria-label") == zh_language and switch.input_value() == "中文"
    switch.click()
    page.get_by_role("option", name="English").click()
    page.wait_for_function("() => new URLSearchParams(window.location.search).get('lang') === 'en'", timeout=60000)
    wait_for_app(page, menu_section="Products")
    _wait_for_metrics(page, metrics)
    en = {"sidebar": sidebar.inner_text(), "metrics": metric_labels(page), "url": page.url}
    return page, zh, en


def test_switching_to_english_in_the_sidebar_changes_the_url_and_the_menu(app_url, browser):
    page, zh, en = _open_in_chinese_and_switch(app_url, browser)
    assert "lang=zh" in zh["url"] and "lang=en" in en["url"]
    zh_menu, en_menu = _menu("zh_CN"), _menu("en")
    assert all(title in zh["sidebar"] for title in zh_menu), zh["sidebar"]
    assert all(title in en["sidebar"] for title in en_menu), en["sidebar"]
    assert "语言" in zh["sidebar"] and "Language" in en["sidebar"]
    # What the browser asked for (en-US) did not override ?lang=zh: the Chinese menu came first.
    assert not any(title in zh["sidebar"] for title in en_menu - zh_menu - {"GMV"})
    # A reload keeps the chosen language (it is in the URL).
    page.reload()
    wait_for_app(page, menu_section="Products")
    switch = page.locator(".st-key-ecomops_language_choice").get_by_role("combobox")
    switch.wait_for(timeout=60000)
    assert switch.get_attribute("aria-label") == "Language" and switch.input_value() == "English"
    page.close()


def test_overview_metric_labels_follow_the_language(app_url, browser):
    page, zh, en = _open_in_chinese_and_switch(app_url, browser, metrics=len(KPI_LABELS))
    assert zh["metrics"][:8] == _kpi_labels("zh_CN")  # 成交额, 支付订单数, 支付买家数, 访客数 ...
    assert en["metrics"][:8] == _kpi_labels("en")
    page.close()


def test_converted_page_metric_labels_follow_the_language(app_url, browser):
    """The same switch on a converted page (Inventory): its metric labels change from Chinese to English."""
    page, zh, en = _open_in_chinese_and_switch(app_url, browser, "products_inventory", metrics=6)  # 3 classes, 2 risks, reorder
    from ecomops.i18n import _

    with use_locale("zh_CN"):
        zh_class_a = _("Class {abc_class} SKUs", abc_class=label("abc_class", "A"))
    assert zh_class_a == "A类SKU数" and zh_class_a in zh["metrics"] and "Class A SKUs" not in zh["metrics"]
    assert "Class A SKUs" in en["metrics"] and zh_class_a not in en["metrics"]
    page.close()
