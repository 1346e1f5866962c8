"""Streamlit's page machinery (ecomops/ui/page.py): every page draws its own frame, so it renders the same whether
Streamlit runs it through app.py's st.navigation or alone (legacy pages/ mode: a fresh server's first deep link,
every AppTest run of a switched page)."""
from __future__ import annotations

import shutil

import pytest

from ecomops.ui import navigation
from tests.browser import PROJECT_ROOT, chromium, require_chromium, serve_app, wait_for_app


def test_every_page_is_registered_and_every_file_is_a_page():
    files = {p.stem for p in (PROJECT_ROOT / "pages").glob("*.py")}
    assert files == {entry.stem for entry in navigation.PAGES}
    for entry in navigation.PAGES:
        assert "page.setup(__file__)" in entry.path.read_text(encoding="utf-8"), entry.stem


@pytest.mark.parametrize("stem", ["users_churn", "data_sql", "risk_supply"])
def test_a_page_run_alone_draws_the_menu_and_the_sidebar(app_test, stem):
    at = app_test(f"pages/{stem}.py")
    assert not at.exception
    labels = [w.label for w in at.sidebar.date_input] + [w.label for w in at.sidebar.multiselect]
    assert labels == ["Date range", "Channel", "Category"]
    links = [e for e in at.sidebar if e.type == "page_link"]
    assert len(links) == len(navigation.PAGES)
    sections = [c.value for c in at.sidebar.caption][:len(navigation.sections())]
    assert sections == list(navigation.sections())


@pytest.mark.browser
def test_deep_link_on_a_fresh_server_shows_the_sidebar_and_the_page(demo_db_path, tmp_path):
    """The first request of a new server process is a deep link (Streamlit's legacy mode runs the page alone)."""
    require_chromium()
    db_copy = tmp_path / "demo.duckdb"
    shutil.copy(demo_db_path, db_copy)
    with serve_app(db_copy, tmp_path) as url, chromium() as browser:
        page = browser.new_page(viewport={"width": 1440, "height": 1000})
        page.goto(f"{url}/risk_supply")
        wait_for_app(page)
        page.get_by_role("heading", name="Supply chain").first.wait_for(timeout=60000)
        sidebar = page.get_by_test_id("stSidebar")
        # The first run sets the filters into the URL and reruns: the sidebar is drawn again by that rerun.
        sidebar.get_by_text("Date range").first.wait_for(timeout=60000)
        assert sidebar.get_by_text("Date range").count() == 1
        assert sidebar.get_by_role("link", name="Churn & reactivation").count() == 1
        # the menu takes the user to another page, with the same sidebar
        sidebar.get_by_role("link", name="Customers", exact=True).click()
        page.get_by_role("heading", name="Customers").first.wait_for(timeout=60000)
        page.get_by_test_id("stSidebar").get_by_text("Date range").first.wait_for(timeout=60000)
        assert page.get_by_test_id("stSidebar").get_by_text("Date range").count() == 1
        assert page.locator('[data-testid="stException"]').count() == 0
