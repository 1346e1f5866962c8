"""Single sign-on through Streamlit's real ``st.login`` flow (OpenID Connect) against a local test provider
(``oidc-provider-mock``), in Chromium: a person with an SSO account gets its role; one without is let in nowhere."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ecomops import access, db
from tests.browser import chromium, require_chromium, serve_app

pytestmark = pytest.mark.browser


def _sign_in_at_provider(page, url: str, subject: str) -> None:
    page.goto(url)
    page.get_by_role("button", name="Sign in with single sign-on").click(timeout=120000)
    page.locator("input[name=sub]").fill(subject, timeout=60000)  # the provider's form: the subject is the e-mail
    page.get_by_role("button", name="Authorize").click()


def test_single_sign_on_with_the_real_login_flow(demo_db_path, tmp_path: Path) -> None:
    require_chromium()
    oidc_provider_mock = pytest.importorskip("oidc_provider_mock")
    home = tmp_path / "home"
    (home / ".streamlit").mkdir(parents=True)
    db_copy = home / "demo.duckdb"
    shutil.copy(demo_db_path, db_copy)
    con = db.connect(db_copy)
    access.add_account(con, "Boss@Example.com", "admin", None)  # an SSO person: a role, no password
    db.close(db_copy)

    with oidc_provider_mock.run_server_in_thread() as provider:
        # Streamlit reads ~/.streamlit/secrets.toml (HOME is this test's folder); {port} is the app's own port.
        (home / ".streamlit" / "secrets.toml").write_text(f"""
[auth]
redirect_uri = "http://127.0.0.1:{{port}}/oauth2callback"
cookie_secret = "{'ab' * 32}"
client_id = "ecomops-test"
client_secret = "test-secret"
server_metadata_url = "http://127.0.0.1:{provider.server_port}/.well-known/openid-configuration"
""", encoding="utf-8")
        with serve_app(db_copy, home) as url, chromium() as browser:
            # Anonymous: the sign-in page offers single sign-on (and no password form: no local account exists).
            page = browser.new_page(viewport={"width": 1400, "height": 1100})
            page.goto(f"{url}/data_sql")
            page.get_by_role("button", name="Sign in with single sign-on").wait_for(timeout=120000)
            assert page.get_by_label("Account name").count() == 0
            assert page.locator("textarea").count() == 0

            # The admin signs in at the provider and comes back signed in, with the admin's pages.
            _sign_in_at_provider(page, url, "boss@example.com")
            page.get_by_text("Signed in as boss@example.com (admin)").wait_for(timeout=120000)
            page.goto(f"{url}/data_sql")
            page.get_by_role("heading", name="SQL console").wait_for(timeout=120000)
            assert page.get_by_text("not open to your role").count() == 0
            page.close()

            # Someone the provider knows but this app does not: no role, no page (no sso_default_role is set).
            context = browser.new_context(viewport={"width": 1400, "height": 1100})
            page = context.new_page()
            _sign_in_at_provider(page, url, "stranger@example.com")
            page.get_by_text("stranger@example.com has no access to this app").wait_for(timeout=120000)
            assert page.locator('[data-testid="stMetric"]').count() == 0
            context.close()
