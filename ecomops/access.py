"""Who may do what: roles, their permissions, local accounts with argon2id password hashes, rate-limited sign-in.

No Streamlit here (the sign-in form is ecomops/ui/auth.py; the role check before each web write is
ecomops/ui/actions.py, which calls :func:`require`). The command line acts as the OS user and counts as an admin
(:data:`CLI_ROLE`): whoever can run it can open the database file anyway.

Why argon2id (argon2-cffi): it is the password-hashing winner recommended first by OWASP, memory-hard (GPU
guessing costs memory, not only time), its PHC strings carry their own parameters and salt so stronger settings
later re-hash on the next sign-in (:func:`authenticate`), and it has no 72-byte input cap (bcrypt silently ignores
the rest of a long pass phrase).

Why sign-in failures are counted in the database, per account: a new browser session (or a second server process)
must not reset the count. After :data:`MAX_FAILURES` consecutive failures the account accepts no attempt for
:data:`LOCKOUT_SECONDS` (doubling with each further lock, up to an hour); a success resets the count.
"""
from __future__ import annotations

import getpass
import re
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import Any

import duckdb

from ecomops import db
from ecomops.i18n import N_, _

ROLES = ("viewer", "operator", "admin")
CLI_ROLE = "admin"
MAX_FAILURES = 5
LOCKOUT_SECONDS = 60
MAX_LOCKOUT_SECONDS = 3600
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024  # hashing is deliberately slow: a megabyte "password" must not cost the server more
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._@+-]{0,127}$")

# Action -> the lowest role allowed to do it (roles are ordered: an admin may do what an operator may).
# The labels are what a refusal names ("Your role (viewer) does not allow: importing files").
PERMISSIONS: dict[str, str] = {
    "view": "viewer",
    "download": "viewer",
    "import": "operator",           # upload, check and import files, map a new status word during an import
    "undo_own_import": "operator",
    "outreach": "operator",         # record an outreach list (Churn & reactivation)
    "acknowledge_alert": "operator",
    "train_model": "operator",      # (re)train the churn model on demand (Churn & reactivation)
    "undo_any_import": "admin",     # undo an import someone else made
    "edit_settings": "admin",       # thresholds
    "edit_alert_rules": "admin",
    "edit_word_lists": "admin",     # the compliance word list
    "edit_presets": "admin",        # mapping presets of the Upload page
    "manage_accounts": "admin",
    "sql_console": "admin",
    "view_audit": "admin",
    "edit_delivery": "admin",       # destinations, subscriptions, test messages of scheduled delivery
}
ACTION_LABELS = {
    "view": N_("viewing pages"),
    "download": N_("downloading"),
    "import": N_("importing files"),
    "undo_own_import": N_("undoing your own imports"),
    "outreach": N_("recording outreach lists"),
    "acknowledge_alert": N_("acknowledging alerts"),
    "train_model": N_("training the churn model"),
    "undo_any_import": N_("undoing other people's imports"),
    "edit_settings": N_("changing settings and thresholds"),
    "edit_alert_rules": N_("editing alert rules"),
    "edit_word_lists": N_("editing word lists"),
    "edit_presets": N_("saving mapping presets"),
    "manage_accounts": N_("managing accounts"),
    "sql_console": N_("using the SQL console"),
    "view_audit": N_("reading the audit trail"),
    "edit_delivery": N_("configuring scheduled delivery"),
}
ROLE_LABELS = {"viewer": N_("viewer"), "operator": N_("operator"), "admin": N_("admin")}

@lru_cache(maxsize=None)
def _hasher():
    """Return the argon2id hasher with the library's current defaults (RFC 9106 low-memory profile). Loaded on first
    use: the import command, which only writes audit entries, need not load the library."""
    from argon2 import PasswordHasher

    return PasswordHasher()


@lru_cache(maxsize=None)
def _dummy_hash() -> str:
    """Return a hash verified against when the name is unknown, so it costs the same time as a wrong password."""
    return _hasher().hash("ecomops-no-such-account")


# At most this many password hashes are computed at once (each takes 64 MiB and a core for a while): a burst of
# sign-in attempts queues here instead of exhausting the server's memory.
_HASH_SLOTS = threading.BoundedSemaphore(2)
_unknown_failures: dict[str, tuple[int, datetime]] = {}  # unknown names: counted in memory, same limit
_unknown_lock = threading.Lock()


class AccessDenied(PermissionError):
    """Raised when the acting role may not do an action (the message says which)."""


class AccountError(ValueError):
    """Raised for a refused account change (bad name, role or password; unknown or duplicate account)."""


@dataclass(frozen=True)
class Actor:
    """Who is acting: a name, a role and the way in (web | cli)."""

    name: str
    role: str
    via: str = "web"


def os_user() -> str:
    """Return the login name of the OS user running this process ("unknown" where a container has none): who acts
    on the command line, and in the app's local mode."""
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "unknown"


@dataclass(frozen=True)
class SignIn:
    """The outcome of a sign-in attempt: the account's role when ok, else why not (and until when, if locked)."""

    ok: bool
    name: str
    role: str | None = None
    locked_until: datetime | None = None


def role_label(role: str) -> str:
    """Return the role's name in the current language."""
    return _(ROLE_LABELS.get(role, role))


def can(role: str | None, action: str) -> bool:
    """Return True when ``role`` may do ``action`` (an unknown role or action may do nothing)."""
    needed = PERMISSIONS.get(action)
    if role not in ROLES or needed is None:
        return False
    return ROLES.index(role) >= ROLES.index(needed)


def require(actor: Actor | None, action: str) -> Actor:
    """Return the actor when allowed to do ``action``; raise AccessDenied otherwise (no actor: not signed in)."""
    if actor is None:
        raise AccessDenied(_("Sign in first."))
    if not can(actor.role, action):
        raise AccessDenied(_("Your role ({role}) does not allow {action}.", role=role_label(actor.role),
                             action=_(ACTION_LABELS.get(action, action))))
    return actor


def may_undo(actor: Actor, imported_by: str | None) -> bool:
    """Return True when the actor may undo an import made by ``imported_by`` (own imports: operator; any: admin)."""
    own = imported_by is not None and normalise_name(imported_by) == normalise_name(actor.name)
    return can(actor.role, "undo_own_import" if own else "undo_any_import")


def normalise_name(name: str) -> str:
    """Return the stored form of an account name (trimmed, lower case)."""
    return str(name).strip().lower()


def check_name(name: str) -> str:
    """Return the normalised name, or raise AccountError when it is not a usable account name."""
    clean = normalise_name(name)
    if not NAME_PATTERN.match(clean):
        raise AccountError(_("{name} is not a usable account name: use letters, digits and . _ @ + - (at most 128).",
                             name=repr(name)))
    return clean


def check_role(role: str) -> str:
    """Return the role, or raise AccountError when it is not one of ROLES."""
    if role not in ROLES:
        raise AccountError(_("Unknown role {role}: choose one of {choices}.", role=repr(role),
                             choices=", ".join(ROLES)))
    return role


def check_password(password: str) -> str:
    """Return the password, or raise AccountError when it is too short or too long."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(_("The password is too short: use at least {n} characters.", n=MIN_PASSWORD_LENGTH))
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError(_("The password is too long: use at most {n} characters.", n=MAX_PASSWORD_LENGTH))
    return password


def hash_password(password: str) -> str:
    """Return the argon2id hash (PHC string with its salt and parameters) of an acceptable password."""
    check_password(password)
    with _HASH_SLOTS:
        return _hasher().hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Return True when ``password`` matches the stored hash (False for no hash, a bad hash or an oversized input)."""
    if not stored_hash or len(password) > MAX_PASSWORD_LENGTH:
        _safe_verify(_dummy_hash(), password[:MAX_PASSWORD_LENGTH])
        return False
    return _safe_verify(stored_hash, password)


def _safe_verify(stored_hash: str, password: str) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

    try:
        with _HASH_SLOTS:
            return _hasher().verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def has_accounts(con: duckdb.DuckDBPyConnection, with_password: bool = False) -> bool:
    """Return True when at least one account exists (then every page asks for sign-in); ``with_password``: one that
    signs in with a password (then the sign-in page shows the password form)."""
    sql = "SELECT EXISTS (SELECT 1 FROM accounts WHERE password_hash IS NOT NULL OR NOT $p)"
    return bool(db.query_one(con, sql, {"p": with_password})[0])


def list_accounts(con: duckdb.DuckDBPyConnection):
    """Return the accounts (name, role, kind password|sso, created, last sign-in, locked until) as a DataFrame."""
    return db.query_df(con, """
        SELECT name, role, CASE WHEN password_hash IS NULL THEN 'sso' ELSE 'password' END AS kind,
               created_at, last_sign_in, locked_until
        FROM accounts ORDER BY name""")


def account_role(con: duckdb.DuckDBPyConnection, name: str) -> str | None:
    """Return the role of the account ``name`` (case-insensitive), or None when there is no such account."""
    row = db.query_one(con, "SELECT role FROM accounts WHERE name = $n", {"n": normalise_name(name)})
    return row[0] if row else None


def add_account(con: duckdb.DuckDBPyConnection, name: str, role: str, password: str | None) -> str:
    """Create an account (``password`` None: a single-sign-on person, no password); return its stored name."""
    clean, role = check_name(name), check_role(role)
    hashed = hash_password(password) if password is not None else None
    with db.transaction(con, bump_version=False) as cur:
        if cur.execute("SELECT 1 FROM accounts WHERE name = $n", {"n": clean}).fetchone():
            raise AccountError(_("The account {name} exists already.", name=repr(clean)))
        cur.execute("INSERT INTO accounts (name, role, password_hash, created_at) VALUES ($n, $r, $h, $t)",
                    {"n": clean, "r": role, "h": hashed, "t": _now()})
    return clean


def _change(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]) -> None:
    with db.transaction(con, bump_version=False) as cur:
        if not cur.execute("SELECT 1 FROM accounts WHERE name = $n", {"n": params["n"]}).fetchone():
            raise AccountError(_("There is no account {name}.", name=repr(params["n"])))
        cur.execute(sql, params)


def remove_account(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Delete an account; AccountError when there is none of that name."""
    _change(con, "DELETE FROM accounts WHERE name = $n", {"n": normalise_name(name)})


def set_role(con: duckdb.DuckDBPyConnection, name: str, role: str) -> None:
    """Change an account's role; AccountError for an unknown account or role."""
    _change(con, "UPDATE accounts SET role = $r WHERE name = $n", {"n": normalise_name(name), "r": check_role(role)})


def set_password(con: duckdb.DuckDBPyConnection, name: str, password: str) -> None:
    """Set a new password (and lift any lock); AccountError for an unknown account or an unusable password."""
    _change(con, "UPDATE accounts SET password_hash = $h, failed_attempts = 0, locked_until = NULL WHERE name = $n",
            {"n": normalise_name(name), "h": hash_password(password)})


def _lock_for(failures: int) -> timedelta:
    """Return how long an account stays locked after ``failures`` consecutive failures (doubling per lock)."""
    locks = failures // MAX_FAILURES
    return timedelta(seconds=min(LOCKOUT_SECONDS * 2 ** max(locks - 1, 0), MAX_LOCKOUT_SECONDS))


def authenticate(con: duckdb.DuckDBPyConnection, name: str, password: str, now: datetime | None = None) -> SignIn:
    """Check a password sign-in; return the outcome. Rate-limited: after MAX_FAILURES consecutive failures the
    account (or unknown name) is locked for a while, during which no password is even checked."""
    now = now or _now()
    clean = normalise_name(name)
    row = db.query_one(con, "SELECT role, password_hash, failed_attempts, locked_until FROM accounts WHERE name = $n",
                       {"n": clean})
    if row is None:
        return _unknown_attempt(clean, password, now)
    role, stored, failures, locked_until = row
    if locked_until is not None and locked_until > now:
        return SignIn(False, clean, locked_until=locked_until)
    if stored and verify_password(stored, password):
        rehashed = stored
        if _hasher().check_needs_rehash(stored):  # made with older parameters: upgrade it now
            with _HASH_SLOTS:
                rehashed = _hasher().hash(password)
        with db.transaction(con, bump_version=False) as cur:
            cur.execute("UPDATE accounts SET failed_attempts = 0, locked_until = NULL, last_sign_in = $t, "
                        "password_hash = $h WHERE name = $n", {"n": clean, "t": now, "h": rehashed})
        return SignIn(True, clean, role=role)
    if not stored:
        verify_password(None, password)  # same time as a wrong password
    failures += 1
    until = now + _lock_for(failures) if failures % MAX_FAILURES == 0 else None
    with db.transaction(con, bump_version=False) as cur:
        cur.execute("UPDATE accounts SET failed_attempts = $f, locked_until = $u WHERE name = $n",
                    {"n": clean, "f": failures, "u": until})
    return SignIn(False, clean, locked_until=until)


def _unknown_attempt(name: str, password: str, now: datetime) -> SignIn:
    """Count a failure for a name with no account (in memory), after the same work as a real check."""
    verify_password(None, password)
    with _unknown_lock:
        failures, until = _unknown_failures.get(name, (0, now))
        if until > now and failures and failures % MAX_FAILURES == 0:
            return SignIn(False, name, locked_until=until)
        failures += 1
        until = now + _lock_for(failures) if failures % MAX_FAILURES == 0 else now
        if len(_unknown_failures) > 10_000:  # a flood of random names must not grow memory without end
            _unknown_failures.clear()
        _unknown_failures[name] = (failures, until)
    return SignIn(False, name, locked_until=until if until > now else None)
