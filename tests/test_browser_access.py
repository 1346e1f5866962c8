"""Real browser (Playwright + Debian Chromium) against `streamlit run` with accounts: an anonymous visitor is asked to
sign in (also on a deep link), a viewer is refused the SQL console by its URL and sees no import, an operator's import
is recorded under their name, and an admin's undo of it is in the audit trail."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ecomops import access, db
from tests.browser import chromium, require_chromium, serve_app
from tests.ingest_support import ORDERS_HEADER, write_csv

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery"


def _settled(page) -> None:
    """Wait until the script run has finished (Streamlit's running indicator is gone)."""
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=120000)
    page.wait_for_timeout(500)


def _sign_in(page, url: str, name: str) -> None:
    page.goto(url)
    page.get_by_label("Account name").wait_for(timeout=120000)
    page.get_by_label("Account name").fill(name)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text(f"Signed in as {name}").wait_for(timeout=120000)
    _settled(page)


def test_sign_in_roles_and_audit_in_a_real_browser(demo_db_path, tmp_path: Path) -> None:
    require_chromium()
    home = tmp_path / "home"
    home.mkdir()
    db_copy = home / "demo.duckdb"
    shutil.copy(demo_db_path, db_copy)
    con = db.connect(db_copy)
    for name, role in (("vera", "viewer"), ("olga", "operator"), ("ada", "admin")):
        access.add_account(con, name, role, PASSWORD)
    db.close(db_copy)
    upload = write_csv(tmp_path / "olga_orders.csv", ORDERS_HEADER,
                       [["BR1", "2024-03-06 10:00", "c_br", "SKU-BR", "Browser cup", "1", "20", "paid"]])

    with serve_app(db_copy, home) as url, chromium() as browser:
        # Anonymous: the home page and a deep link both show only the sign-in form.
        page = browser.new_page(viewport={"width": 1400, "height": 1100})
        for path in ("", "/data_sql"):
            page.goto(url + path)
            page.get_by_label("Account name").wait_for(timeout=120000)
            assert page.get_by_role("heading", name="Sign in").count() == 1
            assert page.locator('[data-testid="stMetric"]').count() == 0
            assert page.locator("textarea").count() == 0
        page.close()

        # A viewer opening the SQL console by its URL is refused; no SQL console in the menu, no uploader.
        page = browser.new_page(viewport={"width": 1400, "height": 1100})
        _sign_in(page, f"{url}/data_sql", "vera")
        page.get_by_text("This page is not open to your role (viewer)").wait_for(timeout=60000)
        assert page.locator("textarea").count() == 0
        sidebar = page.locator('[data-testid="stSidebar"]').inner_text()
        assert "SQL console" not in sidebar and "Audit trail" not in sidebar and "Upload" in sidebar
        page.locator('[data-testid="stSidebar"]').get_by_text("Upload", exact=True).click()
        page.get_by_text("can read the imports log below").wait_for(timeout=60000)
        assert page.get_by_test_id("stFileUploader").count() == 0
        page.close()

        # An operator imports a file: the import is theirs.
        page = browser.new_page(viewport={"width": 1400, "height": 1100})
        _sign_in(page, f"{url}/data_upload", "olga")
        page.get_by_test_id("stFileUploader").first.locator("input[type=file]").set_input_files(str(upload))
        page.get_by_role("button", name="Confirm mapping and check the file").click(timeout=180000)
        page.get_by_text("1 of 1 rows are valid").wait_for(timeout=180000)
        page.get_by_role("button", name="Import", exact=True).click()
        page.get_by_text("Imported 1 rows as orders").wait_for(timeout=180000)
        assert page.locator('[data-testid="stException"]').count() == 0
        page.close()

        # The admin undoes it (the operator's import is offered to the admin) and reads the audit trail.
        page = browser.new_page(viewport={"width": 1400, "height": 1100})
        _sign_in(page, f"{url}/data_upload", "ada")
        page.get_by_role("button", name="Undo this import").click(timeout=60000)
        page.get_by_text("Imports").first.wait_for(timeout=60000)
        page.wait_for_timeout(1500)
        page.locator('[data-testid="stSidebar"]').get_by_text("Audit trail", exact=True).click()
        page.get_by_role("heading", name="Audit trail").wait_for(timeout=60000)
        page.get_by_text("2 entries").wait_for(timeout=60000)
        assert page.locator('[data-testid="stException"]').count() == 0
        page.close()

    con = db.connect(db_copy)
    try:
        import_id, by, status = con.execute(
            "SELECT import_id, imported_by, status FROM imports WHERE file_name = 'olga_orders.csv'").fetchone()
        assert (by, status) == ("olga", "undone")
        assert con.execute("SELECT actor, role, via, action, target FROM audit_log ORDER BY entry_id").fetchall() == [
            ("olga", "operator", "web", "import", f"#{import_id}"),
            ("ada", "admin", "web", "undo_import", f"#{import_id}")]
    finally:
        db.close(db_copy)
