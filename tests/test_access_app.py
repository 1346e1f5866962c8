"""Sign-in and roles in the app (AppTest on a private copy of the demo database with accounts): the sign-in form,
pages and controls per role, the server-side check in every write (ecomops/ui/actions.py) and the audit trail."""
from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

from ecomops import access, db
from ecomops.access import AccessDenied, Actor
from ecomops.ingest import import_file
from tests.ingest_support import ORDERS_HEADER, write_csv

PROJECT_ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "correct horse battery"
ROWS = [["AU1", "2024-03-05 10:00", "c_au", "SKU-AU", "Audit mug", "2", "50", "paid"],
        ["AU2", "2024-03-05 11:00", "c_au", "SKU-AU", "Audit mug", "1", "50", "paid"]]



@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch):
    """Hash with argon2id at its lowest cost in these tests (the shipped parameters take ~0.1-1.6 s a hash here,
    measured in bench/bench_access.py); the code paths are the same."""
    from argon2 import PasswordHasher

    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    dummy = cheap.hash("ecomops-no-such-account")
    monkeypatch.setattr(access, "_hasher", lambda: cheap)
    monkeypatch.setattr(access, "_dummy_hash", lambda: dummy)

@pytest.fixture
def store(demo_db_path, tmp_path, monkeypatch):
    """Return (path, AppTest factory) on a copy of the demo database with a viewer, an operator and an admin, and
    one import made by the admin (from the command line, as 'ada')."""
    from streamlit.testing.v1 import AppTest

    copy = tmp_path / "demo.duckdb"
    shutil.copy(demo_db_path, copy)
    con = db.connect(copy)
    for name, role in (("vera", "viewer"), ("olga", "operator"), ("ada", "admin")):
        access.add_account(con, name, role, PASSWORD)
    csv_path = write_csv(tmp_path / "admin_orders.csv", ORDERS_HEADER, ROWS)
    admin_import = import_file(con, csv_path, imported_by="ada").import_id
    monkeypatch.setenv("ECOMOPS_DB", str(copy))
    monkeypatch.chdir(PROJECT_ROOT)

    def run(page: str | None = None, user: str | None = None):
        at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=120)
        if user:
            at.session_state["ecomops_signed_in"] = user
        at.run()
        if page:
            at.switch_page(page).run()
        return at

    yield copy, run, admin_import
    db.close(copy)


def _button(at, label: str):
    return next(b for b in at.button if b.label.startswith(label))


def _audit(path: Path) -> list[tuple]:
    return db.connect(path).execute("SELECT actor, role, via, action, target FROM audit_log ORDER BY entry_id").fetchall()


def test_an_anonymous_visitor_is_asked_to_sign_in_on_every_page(store) -> None:
    _, run, _ = store
    for page in (None, "pages/data_sql.py", "pages/data_upload.py", "pages/data_audit.py"):
        at = run(page)
        assert not at.exception
        assert [t.value for t in at.title] == ["Sign in"]
        assert not at.dataframe and not at.metric and not at.file_uploader and not at.text_area
        assert [t.label for t in at.text_input] == ["Account name", "Password"]


def test_the_sign_in_form_signs_in_and_out(store) -> None:
    _, run, _ = store
    at = run()
    at.text_input[0].set_value("Olga")
    at.text_input[1].set_value("wrong password!")
    at.button[0].click().run()
    assert [e.value for e in at.error] == ["Wrong account name or password."]
    at.text_input[0].set_value("Olga")
    at.text_input[1].set_value(PASSWORD)
    at.button[0].click().run()
    assert not at.exception
    assert "Sign in" not in [t.value for t in at.title]
    assert "Signed in as olga (operator)" in [c.value for c in at.sidebar.caption]
    _button(at, "Sign out").click().run()
    assert [t.value for t in at.title] == ["Sign in"]


def test_a_locked_account_says_until_when(store) -> None:
    path, run, _ = store
    at = run()
    for _ in range(access.MAX_FAILURES):
        at.text_input[0].set_value("vera")
        at.text_input[1].set_value("not the password")
        at.button[0].click().run()
    assert "Too many failed attempts" in at.error[0].value
    at.text_input[1].set_value(PASSWORD)
    at.button[0].click().run()
    assert "Too many failed attempts" in at.error[0].value  # the right password waits too


def test_a_viewer_cannot_open_the_sql_console_or_the_audit_trail_even_directly(store) -> None:
    _, run, _ = store
    for page, needs in (("pages/data_sql.py", "using the SQL console"), ("pages/data_audit.py", "reading the audit")):
        at = run(page, user="vera")
        assert not at.exception
        assert len(at.error) == 1 and "not open to your role (viewer)" in at.error[0].value and needs in at.error[0].value
        assert not at.text_area and not at.dataframe
    menu = [link.label for link in run(user="vera").sidebar.get("page_link")]
    assert "SQL console" not in menu and "Audit trail" not in menu and "Upload" in menu


def test_a_viewer_sees_the_imports_log_but_no_import_or_undo(store) -> None:
    _, run, admin_import = store
    at = run("pages/data_upload.py", user="vera")
    assert not at.exception
    assert not at.file_uploader
    assert not [b for b in at.button if b.label.startswith("Undo")]
    assert admin_import in at.dataframe[0].value["import_id"].tolist()


def test_an_operators_import_is_recorded_under_their_name_and_they_cannot_undo_the_admins(store, tmp_path) -> None:
    path, run, admin_import = store
    at = run("pages/data_upload.py", user="olga")
    rows = [["OP1", "2024-03-06 10:00", "c_op", "SKU-OP", "Operator cup", "1", "20", "paid"]]
    data = write_csv(tmp_path / "orders.csv", ORDERS_HEADER, rows).read_bytes()
    at.file_uploader[0].set_value(("olga_orders.csv", data, "text/csv")).run()
    _button(at, "Confirm mapping").click().run()
    _button(at, "Import").click().run()
    assert not at.exception
    con = db.connect(path)
    new_id, by = con.execute("SELECT import_id, imported_by FROM imports WHERE file_name = 'olga_orders.csv'").fetchone()
    assert by == "olga"
    assert _audit(path)[-1] == ("olga", "operator", "web", "import", f"#{new_id}")
    # The undo list offers her own import only; the admin's is not hers to undo.
    undo = [s for s in at.selectbox if s.label == "Import to undo"][0]
    assert undo.options == [f"#{new_id}"]


def test_an_admins_undo_of_someone_elses_import_is_logged(store) -> None:
    path, run, admin_import = store
    con = db.connect(path)
    con.execute("UPDATE imports SET imported_by = 'olga' WHERE import_id = ?", [admin_import])
    at = run("pages/data_upload.py", user="ada")
    undo = [s for s in at.selectbox if s.label == "Import to undo"][0]
    undo.set_value(admin_import).run()
    _button(at, "Undo this import").click().run()
    assert not at.exception
    assert con.execute("SELECT status FROM imports WHERE import_id = ?", [admin_import]).fetchone()[0] == "undone"
    actor, role, via, action, target = _audit(path)[-1]
    assert (actor, role, action, target) == ("ada", "admin", "undo_import", f"#{admin_import}")
    details = con.execute("SELECT details->>'imported_by' FROM audit_log ORDER BY entry_id DESC LIMIT 1").fetchone()
    assert details == ("olga",)


def test_the_admin_reads_the_audit_trail_with_filters(store) -> None:
    path, run, _ = store
    at = run("pages/data_sql.py", user="ada")
    at.text_area[0].set_value("SELECT count(*) AS n FROM orders")
    _button(at, "Run").click().run()
    assert not at.exception
    at.switch_page("pages/data_audit.py").run()
    assert not at.exception
    log = at.dataframe[0].value
    assert log["actor"].tolist() == ["ada"] and log["action"].tolist() == ["SQL query run"]
    assert "SELECT count(*) AS n FROM orders" in log["details"][0]
    # A second person's entry, then the filters: by person, by action, and a day range without entries.
    from ecomops import audit
    audit.record(db.connect(path), Actor("olga", "operator"), "outreach_record", "2024-03-01", {"customers": 3})
    at.run()
    assert at.dataframe[0].value["actor"].tolist() == ["olga", "ada"]
    at.selectbox(key="audit_actor").set_value("olga").run()
    assert at.dataframe[0].value["action"].tolist() == ["Outreach list recorded"]
    at.selectbox(key="audit_actor").set_value("(everyone)").run()
    at.selectbox(key="audit_action").set_value("sql_query").run()
    assert at.dataframe[0].value["actor"].tolist() == ["ada"]
    tomorrow = date.today() + timedelta(days=2)  # a day range without entries (UTC today is at most a day away)
    at.date_input(key="audit_days").set_value((tomorrow, tomorrow + timedelta(days=3))).run()
    assert not at.dataframe and at.info[0].value == "No entry matches these filters."
    assert not at.exception


@pytest.mark.parametrize("role, call", [
    ("viewer", lambda a, p, i: a.import_file(p, kind="orders")),
    ("viewer", lambda a, p, i: a.import_file(p, kind="orders", dry_run=True)),
    ("viewer", lambda a, p, i: a.undo_import(i)),
    ("viewer", lambda a, p, i: a.save_upload("x.csv", b"a,b\n")),
    ("viewer", lambda a, p, i: a.set_status_words({"weird": "paid"})),
    ("viewer", lambda a, p, i: a.train_churn_model(90)),
    ("viewer", lambda a, p, i: a.record_outreach(pd.DataFrame({"customer_id": ["c1"]}), date(2024, 1, 1), 0.5, 1, "x")),
    ("operator", lambda a, p, i: a.undo_import(i)),  # someone else's import
    ("operator", lambda a, p, i: a.run_sql("SELECT 1")),
    ("operator", lambda a, p, i: a.save_thresholds({"active_days": 100})),
    ("operator", lambda a, p, i: a.restore_default_thresholds()),
    ("operator", lambda a, p, i: a.save_banned_words(pd.DataFrame({"word": ["x"]}))),
    ("operator", lambda a, p, i: a.restore_default_words()),
    ("operator", lambda a, p, i: a.save_alert_rules(pd.DataFrame())),
    ("operator", lambda a, p, i: a.save_preset("p", "orders", {})),
])
def test_every_write_checks_the_role_on_the_server(store, monkeypatch, tmp_path, role, call) -> None:
    """Called directly (as a forged request would), each write refuses the role and changes nothing."""
    from ecomops.ui import actions, auth, state

    path, _, admin_import = store
    con = db.connect(path)
    monkeypatch.setattr(auth, "current", lambda: Actor("someone", role))
    monkeypatch.setattr(state, "connection", lambda: con)
    csv_path = write_csv(tmp_path / "forged.csv", ORDERS_HEADER, [["F1", "2024-03-05", "c", "S", "x", "1", "1", "paid"]])
    tables = ("imports", "orders", "settings", "banned_words", "alert_rules", "mapping_presets",
              "reactivation_outreach", "status_map", "audit_log", "model_registry")
    before = {t: con.execute(f"SELECT count(*), hash(string_agg(CAST(x AS VARCHAR), '|' ORDER BY CAST(x AS VARCHAR))) "
                             f"FROM {t} x").fetchone() for t in tables}
    with pytest.raises(AccessDenied):
        call(actions, csv_path, admin_import)
    after = {t: con.execute(f"SELECT count(*), hash(string_agg(CAST(x AS VARCHAR), '|' ORDER BY CAST(x AS VARCHAR))) "
                            f"FROM {t} x").fetchone() for t in tables}
    assert after == before


def test_without_sign_in_the_app_refuses_to_listen_beyond_this_computer(demo_db_path, tmp_path, monkeypatch) -> None:
    from streamlit import config as st_config
    from streamlit.testing.v1 import AppTest

    copy = tmp_path / "open.duckdb"
    shutil.copy(demo_db_path, copy)
    monkeypatch.setenv("ECOMOPS_DB", str(copy))
    monkeypatch.chdir(PROJECT_ROOT)
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=120)
    at.run()
    assert not at.error and "Local mode" in " ".join(c.value for c in at.sidebar.caption)
    previous = st_config.get_option("server.address")
    st_config.set_option("server.address", "0.0.0.0")
    try:
        at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=120)
        at.run()
    finally:
        st_config.set_option("server.address", previous)
        db.close(copy)
    assert len(at.error) == 1 and "only runs on this computer" in at.error[0].value and "0.0.0.0" in at.error[0].value
    assert not at.metric and not at.dataframe


def test_an_admin_manages_accounts_on_the_settings_page(store) -> None:
    path, run, _ = store
    at = run("pages/data_settings.py", user="ada")
    assert not at.exception
    assert at.dataframe[1].value["name"].tolist() == ["ada", "olga", "vera"]
    form = [t for t in at.text_input if t.label == "Account name"][0]
    form.set_value("Sam")
    [t for t in at.text_input if t.label.startswith("Password")][0].set_value("a good long password")
    [s for s in at.selectbox if s.label == "Role"][0].set_value("operator")
    _button(at, "Add account").click().run()
    assert not at.exception and not at.error
    con = db.connect(path)
    stored = con.execute("SELECT role, password_hash FROM accounts WHERE name = 'sam'").fetchone()
    assert stored[0] == "operator" and stored[1].startswith("$argon2id$")
    at.selectbox(key="settings_account").set_value("vera")
    at.selectbox(key="settings_account_role").set_value("admin")
    _button(at, "Change role").click().run()
    assert access.account_role(con, "vera") == "admin"
    at.selectbox(key="settings_account").set_value("ada").run()
    _button(at, "Remove account").click().run()
    assert "cannot change or remove your own account" in at.error[0].value
    assert access.account_role(con, "ada") == "admin"
    assert [r[3:] for r in _audit(path)[-2:]] == [("account_add", "sam"), ("account_set_role", "vera")]
    assert "a good long password" not in str(con.execute("SELECT * FROM audit_log").fetchall())


def test_operators_see_no_accounts_and_cannot_add_one(store, monkeypatch) -> None:
    from ecomops.ui import actions, auth, state

    path, run, _ = store
    at = run("pages/data_settings.py", user="olga")
    assert not [t for t in at.text_input if t.label == "Account name"]
    assert "Changing thresholds needs the admin role." in [i.value for i in at.info]
    con = db.connect(path)
    monkeypatch.setattr(auth, "current", lambda: Actor("olga", "operator"))
    monkeypatch.setattr(state, "connection", lambda: con)
    with pytest.raises(AccessDenied):
        actions.add_account("mallory", "admin", "a good long password")
    assert access.account_role(con, "mallory") is None


def test_the_first_account_made_in_the_app_must_be_an_admin(demo_db_path, tmp_path, monkeypatch) -> None:
    from ecomops.ui import actions, auth, state

    copy = tmp_path / "first.duckdb"
    shutil.copy(demo_db_path, copy)
    con = db.connect(copy)
    monkeypatch.setattr(auth, "current", lambda: Actor("root", "admin"))  # the local mode's person
    monkeypatch.setattr(state, "connection", lambda: con)
    with pytest.raises(access.AccountError, match="first account must be an admin"):
        actions.add_account("vera", "viewer", "a good long password")
    assert actions.add_account("ada", "admin", "a good long password") == "ada"
    assert actions.add_account("vera", "viewer", None) == "vera"
    db.close(copy)
