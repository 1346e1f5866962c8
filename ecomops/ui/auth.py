"""Sign-in for the web app: local accounts (a form) and single sign-on (Streamlit's ``st.login`` / ``st.user``, OpenID
Connect, when ``[auth]`` is configured in .streamlit/secrets.toml). Called by ``page.setup`` on every page run.

Who is acting is decided here, once per run, and nowhere else (ecomops/ui/actions.py asks :func:`current`):
- single sign-on: the identity provider's e-mail address; the role is that of the account of the same name
  (``python -m ecomops users add EMAIL --sso --role R``), else ``[ecomops] sso_default_role`` from secrets.toml, else
  the person is not let in (a provider such as Google signs in anyone with an address);
- a local account: the name signed in with in this browser session; its role is read again on every run, so a role
  change or a removal applies at once;
- nobody configured (no account, no ``[auth]``): the zero-config demo, where the person at the keyboard is the OS user
  with the admin role — allowed only while the server listens on 127.0.0.1 (.streamlit/config.toml); bound to any
  other interface the app refuses to run until sign-in is set up.
"""
from __future__ import annotations

from typing import Any

import streamlit as st

from ecomops import access
from ecomops.access import Actor
from ecomops.i18n import _, fmt
from ecomops.ui import state

SESSION_KEY = "ecomops_signed_in"  # the local account name signed in in this session
LOCAL_ADDRESSES = ("127.0.0.1", "localhost", "::1")
SSO_ROLE_SECRET = "sso_default_role"


def _auth_section() -> Any | None:
    """Return the [auth] section of secrets.toml, or None when there is none (or no secrets file)."""
    try:
        if not st.secrets.load_if_toml_exists():
            return None
        section = st.secrets.get("auth")
    except Exception:  # an unreadable secrets file is "not configured", shown as such
        return None
    return section or None


def sso_providers() -> list[str] | None:
    """Return the named providers of [auth] ([auth.google], [auth.microsoft], ...; [] for a single unnamed one),
    or None when single sign-on is not configured."""
    section = _auth_section()
    if section is None:
        return None
    return [name for name, value in section.items() if hasattr(value, "items")]


def sign_in_required() -> bool:
    """Return True when pages need a signed-in person (accounts exist, or single sign-on is configured)."""
    return sso_providers() is not None or access.has_accounts(state.connection())


def bound_locally() -> bool:
    """Return True when the server listens on the loopback interface only."""
    return str(st.get_option("server.address") or "") in LOCAL_ADDRESSES


def _sso_role(email: str) -> str | None:
    """Return the role of a person signed in through the identity provider (None: not admitted)."""
    role = access.account_role(state.connection(), email)
    if role is not None:
        return role
    try:
        default = st.secrets.get("ecomops", {}).get(SSO_ROLE_SECRET)
    except Exception:
        default = None
    return default if default in access.ROLES else None


def _sso_email() -> str | None:
    """Return the e-mail (else the subject) of the person signed in through the identity provider, or None."""
    try:
        if not st.user.is_logged_in:
            return None
    except Exception:  # st.user without [auth]
        return None
    return str(st.user.get("email") or st.user.get("preferred_username") or st.user.get("sub") or "") or None


def current() -> Actor | None:
    """Return who is acting in this run (None: nobody signed in where sign-in is required)."""
    if not sign_in_required():
        return Actor(name=access.os_user(), role="admin", via="web") if bound_locally() else None
    email = _sso_email()
    if email is not None:
        role = _sso_role(email)
        return Actor(name=access.normalise_name(email), role=role, via="web") if role else None
    name = st.session_state.get(SESSION_KEY)
    if name is None:
        return None
    role = access.account_role(state.connection(), name)
    if role is None:  # removed while signed in
        st.session_state.pop(SESSION_KEY, None)
        return None
    return Actor(name=name, role=role, via="web")


def gate() -> Actor:
    """Return who is acting; otherwise draw the sign-in (or the refusal to run unprotected) and stop the run."""
    if not sign_in_required():
        if bound_locally():
            return current()
        st.error(_("Sign-in is not set up, so this app only runs on this computer (server address 127.0.0.1). "
                   "It is listening on {address}: add an account (python -m ecomops users add NAME --role admin) or "
                   "configure single sign-on in .streamlit/secrets.toml, or start it on 127.0.0.1.", address=str(st.get_option("server.address") or _("every interface"))))
        st.stop()
    actor = current()
    if actor is not None:
        return actor
    _sign_in_form()
    st.stop()


def _sign_in_form() -> None:
    """Draw the sign-in: the identity provider buttons and, when local accounts exist, the password form."""
    st.title(_("Sign in"))
    st.caption(_("ecomops needs to know who you are: every import, undo and change is recorded under your name."))
    email = _sso_email()
    if email is not None:  # signed in at the provider, but no role here
        st.warning(_("{email} has no access to this app. Ask an admin to add you: python -m ecomops users add "
                     "{email} --sso --role viewer", email=email))
        if st.button(_("Sign out"), key="auth_sso_out"):
            st.logout()
    providers = sso_providers()
    if providers is not None and email is None:
        for provider in providers or [None]:
            text = _("Sign in with {provider}", provider=provider.title()) if provider else _("Sign in with single sign-on")
            if st.button(text, key=f"auth_sso_{provider or 'default'}", type="primary"):
                if provider:
                    st.login(provider)
                else:
                    st.login()
    if access.has_accounts(state.connection(), with_password=True):
        with st.form("auth_local"):
            name = st.text_input(_("Account name"), key="auth_name")
            password = st.text_input(_("Password"), type="password", key="auth_password")
            submitted = st.form_submit_button(_("Sign in"), type="primary")
        if submitted:
            outcome = access.authenticate(state.connection(), name, password)
            if outcome.ok:
                st.session_state[SESSION_KEY] = outcome.name
                st.session_state.pop("auth_password", None)
                st.rerun()
            elif outcome.locked_until is not None:
                st.error(_("Too many failed attempts: try again after {time} (UTC).",
                           time=fmt.datetime(outcome.locked_until)))
            else:
                st.error(_("Wrong account name or password."))


def sidebar(actor: Actor) -> None:
    """Show who is signed in, with a sign-out button (not in the zero-config local mode)."""
    with st.sidebar:
        if not sign_in_required():
            st.caption(_("Local mode: no sign-in, you act as {name} (admin) on this computer only.", name=actor.name))
            return
        st.caption(_("Signed in as {name} ({role})", name=actor.name, role=access.role_label(actor.role)))
        if st.button(_("Sign out"), key="auth_sign_out"):
            if st.session_state.pop(SESSION_KEY, None) is None:
                st.logout()
            st.rerun()
