"""Access rules, password hashing, the sign-in rate limit, the accounts command and the audit trail (no Streamlit)."""
from __future__ import annotations

import io
from datetime import datetime, timedelta

import pytest

from ecomops import access, audit, db
from ecomops.__main__ import main
from ecomops.access import AccessDenied, Actor
from ecomops.ops import sqlconsole

PASSWORD = "correct horse battery"



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
def con():
    con = db.connect_memory()
    yield con
    con.close()


@pytest.mark.parametrize("role, allowed, refused", [
    ("viewer", {"view", "download"}, {"import", "undo_own_import", "outreach", "sql_console", "edit_settings",
                                      "view_audit", "undo_any_import", "edit_word_lists", "edit_presets"}),
    ("operator", {"view", "download", "import", "undo_own_import", "outreach", "acknowledge_alert",
                  "train_model"},
     {"undo_any_import", "edit_settings", "edit_alert_rules", "edit_word_lists", "edit_presets", "manage_accounts",
      "sql_console", "view_audit"}),
    ("admin", set(access.PERMISSIONS), set()),
])
def test_each_role_may_do_exactly_its_actions(role, allowed, refused) -> None:
    assert {a for a in access.PERMISSIONS if access.can(role, a)} == allowed
    assert not any(access.can(role, a) for a in refused)


def test_unknown_roles_and_actions_may_do_nothing() -> None:
    assert not access.can(None, "view")
    assert not access.can("root", "view")
    assert not access.can("admin", "drop_everything")
    with pytest.raises(AccessDenied, match="Sign in first"):
        access.require(None, "view")
    with pytest.raises(AccessDenied, match=r"viewer.*importing files"):
        access.require(Actor("v", "viewer"), "import")
    assert access.require(Actor("a", "admin"), "sql_console").name == "a"


def test_operators_undo_only_their_own_imports() -> None:
    operator, admin = Actor("olga", "operator"), Actor("ada", "admin")
    assert access.may_undo(operator, "Olga")  # names are case-insensitive
    assert not access.may_undo(operator, "ada")
    assert not access.may_undo(operator, None)
    assert access.may_undo(admin, "olga")
    assert not access.may_undo(Actor("v", "viewer"), "v")


def test_passwords_are_stored_as_argon2id_hashes_only(con) -> None:
    access.add_account(con, "Olga", "operator", PASSWORD)
    name, stored = con.execute("SELECT name, password_hash FROM accounts").fetchone()
    assert name == "olga"
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert access.verify_password(stored, PASSWORD)
    assert not access.verify_password(stored, PASSWORD + "!")
    assert not access.verify_password(None, PASSWORD)
    assert not access.verify_password("not a hash", PASSWORD)
    assert access.hash_password(PASSWORD) != stored  # a fresh salt each time


@pytest.mark.parametrize("name, role, password, message", [
    ("", "viewer", PASSWORD, "not a usable account name"),
    ("bad name", "viewer", PASSWORD, "not a usable account name"),
    ("x" * 129, "viewer", PASSWORD, "not a usable account name"),
    ("ok", "root", PASSWORD, "Unknown role"),
    ("ok", "viewer", "short", "too short"),
    ("ok", "viewer", "x" * 1025, "too long"),
])
def test_bad_accounts_are_refused_and_nothing_is_written(con, name, role, password, message) -> None:
    with pytest.raises(access.AccountError, match=message):
        access.add_account(con, name, role, password)
    assert con.execute("SELECT count(*) FROM accounts").fetchone()[0] == 0


def test_account_changes(con) -> None:
    access.add_account(con, "olga", "operator", PASSWORD)
    with pytest.raises(access.AccountError, match="exists already"):
        access.add_account(con, "OLGA", "viewer", PASSWORD)
    access.set_role(con, "Olga", "admin")
    assert access.account_role(con, "olga") == "admin"
    access.add_account(con, "sso@corp.example", "viewer", None)
    assert access.list_accounts(con)[["name", "kind"]].values.tolist() == [["olga", "password"],
                                                                            ["sso@corp.example", "sso"]]
    assert not access.authenticate(con, "sso@corp.example", "").ok  # an SSO account has no password
    access.remove_account(con, "olga")
    with pytest.raises(access.AccountError, match="no account"):
        access.remove_account(con, "olga")
    assert access.account_role(con, "olga") is None


def test_sign_in_locks_after_five_failures_and_doubles(con) -> None:
    access.add_account(con, "olga", "operator", PASSWORD)
    t0 = datetime(2026, 1, 1, 12, 0, 0)
    assert access.authenticate(con, "olga", PASSWORD, now=t0) == access.SignIn(True, "olga", role="operator")
    for i in range(4):
        outcome = access.authenticate(con, "olga", "wrong", now=t0)
        assert not outcome.ok and outcome.locked_until is None
    fifth = access.authenticate(con, "olga", "wrong", now=t0)
    assert fifth.locked_until == t0 + timedelta(seconds=access.LOCKOUT_SECONDS)
    # While locked even the right password is not accepted (nor checked).
    assert not access.authenticate(con, "Olga", PASSWORD, now=t0 + timedelta(seconds=59)).ok
    t1 = t0 + timedelta(seconds=61)
    for i in range(4):
        assert access.authenticate(con, "olga", "wrong", now=t1).locked_until is None
    assert access.authenticate(con, "olga", "wrong", now=t1).locked_until == t1 + timedelta(seconds=120)
    # After the lock, the right password signs in and resets the count.
    t2 = t1 + timedelta(seconds=121)
    assert access.authenticate(con, "olga", PASSWORD, now=t2).ok
    assert con.execute("SELECT failed_attempts, locked_until FROM accounts").fetchone() == (0, None)


def test_unknown_names_are_rate_limited_too(con) -> None:
    t0 = datetime(2026, 1, 1, 12, 0, 0)
    name = "nobody-" + str(id(con))
    outcomes = [access.authenticate(con, name, "guess", now=t0) for _ in range(6)]
    assert [o.locked_until is not None for o in outcomes] == [False] * 4 + [True, True]
    assert not any(o.ok for o in outcomes)


def test_set_password_lifts_a_lock(con) -> None:
    access.add_account(con, "olga", "operator", PASSWORD)
    for _ in range(5):
        access.authenticate(con, "olga", "wrong")
    access.set_password(con, "olga", "another good password")
    assert access.authenticate(con, "olga", "another good password").ok


def test_accounts_and_audit_log_are_hidden_from_the_sql_console(con) -> None:
    access.add_account(con, "olga", "operator", PASSWORD)
    for query in ("SELECT * FROM accounts", "SELECT password_hash FROM main.accounts",
                  'SELECT * FROM "ACCOUNTS"', "SELECT * FROM audit_log",
                  "WITH a AS (SELECT 1) SELECT * FROM (SELECT * FROM accounts) x"):
        with pytest.raises(sqlconsole.QueryRefused):
            sqlconsole.run(con, query)
    assert "accounts" not in sqlconsole.PUBLIC_TABLES and "audit_log" not in sqlconsole.PUBLIC_TABLES


def test_audit_entries_filter_by_person_action_and_day(con) -> None:
    olga, ada = Actor("olga", "operator"), Actor("ada", "admin", via="cli")
    audit.record(con, olga, "import", "#3", {"rows_imported": 2})
    audit.record(con, ada, "undo_import", "#3", {"imported_by": "olga"})
    audit.record(con, ada, "sql_query", None, {"sql": "SELECT 1", "rows": 1})
    everything = audit.entries(con)
    assert everything["action"].tolist() == ["sql_query", "undo_import", "import"]
    assert everything["via"].tolist() == ["cli", "cli", "web"]
    assert audit.entries(con, actor="olga")["target"].tolist() == ["#3"]
    assert audit.entries(con, action="undo_import")["details"].tolist() == ['{"imported_by": "olga"}']
    assert audit.entries(con, start=datetime(2000, 1, 1).date(), end=datetime(2000, 1, 2).date()).empty
    assert audit.choices(con) == (["ada", "olga"], ["import", "sql_query", "undo_import"])


def test_users_command_adds_lists_and_audits(tmp_path, monkeypatch, capsys) -> None:
    path = tmp_path / "u.duckdb"
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["users", "add", "Olga", "--role", "operator", "--password-stdin", "--db", str(path)]) == 0
    assert main(["users", "add", "sso@corp.example", "--role", "viewer", "--sso", "--db", str(path)]) == 0
    assert main(["users", "set-role", "olga", "admin", "--db", str(path)]) == 0
    assert main(["users", "remove", "nobody", "--db", str(path)]) == 2
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["users", "add", "x", "--role", "viewer", "--password-stdin", "--db", str(path)]) == 2
    capsys.readouterr()
    assert main(["users", "list", "--db", str(path)]) == 0
    listing = capsys.readouterr()
    assert "olga" in listing.out and "admin" in listing.out and PASSWORD not in listing.out + listing.err
    con = db.connect(path)
    assert con.execute("SELECT action, target, role, via FROM audit_log ORDER BY entry_id").fetchall() == [
        ("account_add", "olga", "admin", "cli"), ("account_add", "sso@corp.example", "admin", "cli"),
        ("account_set_role", "olga", "admin", "cli")]
    details = " ".join(r[0] for r in con.execute("SELECT CAST(details AS VARCHAR) FROM audit_log").fetchall())
    assert PASSWORD not in details
    db.close(path)


def test_the_shipped_hash_parameters_meet_owasp_minimums(monkeypatch) -> None:
    monkeypatch.undo()  # the real hasher, not the tests' cheap one
    hasher = access._hasher()
    assert hasher.type.name == "ID"
    # OWASP Password Storage Cheat Sheet: argon2id with at least 19 MiB memory and 2 iterations.
    assert hasher.memory_cost >= 19 * 1024 and hasher.time_cost >= 2
    stored = hasher.hash(PASSWORD)
    assert stored.startswith(f"$argon2id$v=19$m={hasher.memory_cost},t={hasher.time_cost}")


def test_command_line_import_and_undo_are_audited_as_the_os_user(tmp_path, capsys) -> None:
    from tests.ingest_support import ORDERS_HEADER, write_csv

    path = tmp_path / "cli.duckdb"
    csv_path = write_csv(tmp_path / "cli_orders.csv", ORDERS_HEADER,
                         [["C1", "2024-03-05 10:00", "c1", "S1", "Cup", "2", "10", "paid"]])
    assert main(["import", str(csv_path), "--currency", "CNY", "--no-progress", "--db", str(path)]) == 0
    con = db.connect(path)
    import_id, by = con.execute("SELECT import_id, imported_by FROM imports").fetchone()
    db.close(path)
    assert main(["imports", "--undo", str(import_id), "--db", str(path)]) == 0
    con = db.connect(path)
    user = audit.cli_actor().name
    assert by == user
    assert con.execute("SELECT actor, role, via, action, target FROM audit_log ORDER BY entry_id").fetchall() == [
        (user, "admin", "cli", "import", f"#{import_id}"), (user, "admin", "cli", "undo_import", f"#{import_id}")]
    assert con.execute("SELECT details->>'rows_imported' FROM audit_log WHERE action = 'import'").fetchone() == ("1",)
    db.close(path)
