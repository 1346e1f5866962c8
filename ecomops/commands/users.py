"""``python -m ecomops users add|list|remove|set-role|set-password``: the accounts that may sign in to the app.

The command line acts as the OS user with the admin role (whoever can run it can open the database file anyway);
every change is written to the audit trail under that name. Passwords are read from a prompt (twice, not echoed) or
from standard input with ``--password-stdin`` (scripts), never from the command line (it would show in ``ps`` and
the shell history); they are stored only as argon2id hashes (ecomops/access.py).
"""
from __future__ import annotations

import argparse
import getpass
import sys

from ecomops import access, audit, db
from ecomops.commands import CommandError, add_db_argument
from ecomops.i18n import _


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``users`` subcommand and its actions."""
    parser = subparsers.add_parser("users", help=_("manage the accounts that may sign in (add, list, remove, set-role)"),
                                   description=_("Accounts of the web app. Roles: viewer (every page, downloads), "
                                                 "operator (imports, outreach lists), admin (everything, "
                                                 "including settings, word lists, accounts and the SQL console)."))
    actions = parser.add_subparsers(dest="users_action", required=True, metavar=_("ACTION"))

    add = actions.add_parser("add", help=_("add an account (asks for its password)"))
    add.add_argument("name", help=_("sign-in name (for single sign-on: the person's e-mail address)"))
    add.add_argument("--role", required=True, choices=access.ROLES, help=_("the account's role"))
    how = add.add_mutually_exclusive_group()
    how.add_argument("--password-stdin", action="store_true", help=_("read the password from standard input"))
    how.add_argument("--sso", action="store_true",
                     help=_("no password: the person signs in through the identity provider ([auth] in secrets.toml)"))
    add_db_argument(add)

    listing = actions.add_parser("list", help=_("list the accounts"))
    listing.add_argument("--json", action="store_true", help=_("print JSON"))
    add_db_argument(listing)

    remove = actions.add_parser("remove", help=_("remove an account"))
    remove.add_argument("name")
    add_db_argument(remove)

    role = actions.add_parser("set-role", help=_("change an account's role"))
    role.add_argument("name")
    role.add_argument("role", choices=access.ROLES)
    add_db_argument(role)

    password = actions.add_parser("set-password", help=_("set a new password (also lifts a sign-in lock)"))
    password.add_argument("name")
    password.add_argument("--password-stdin", action="store_true", help=_("read the password from standard input"))
    add_db_argument(password)
    parser.set_defaults(func=run)


def _read_password(from_stdin: bool) -> str:
    """Return a password from standard input (first line) or from a prompt asked twice."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass(_("Password: "))
    if getpass.getpass(_("Password again: ")) != first:
        raise CommandError(_("The passwords differ; nothing was changed."))
    return first


def run(args: argparse.Namespace) -> int:
    """Do the account action; return 0 (errors raise CommandError, exit 2)."""
    con = db.connect(args.db)
    actor = audit.cli_actor()
    try:
        if args.users_action == "list":
            return _list(con, args.json)
        if args.users_action == "add":
            password = None if args.sso else _read_password(args.password_stdin)
            name = access.add_account(con, args.name, args.role, password)
            audit.record(con, actor, "account_add", name, {"role": args.role, "sso": bool(args.sso)})
            print(_("Added {name} ({role}).", name=name, role=access.role_label(args.role)))
        elif args.users_action == "remove":
            access.remove_account(con, args.name)
            audit.record(con, actor, "account_remove", access.normalise_name(args.name))
            print(_("Removed {name}.", name=access.normalise_name(args.name)))
        elif args.users_action == "set-role":
            before = access.account_role(con, args.name)
            access.set_role(con, args.name, args.role)
            audit.record(con, actor, "account_set_role", access.normalise_name(args.name),
                         {"before": before, "after": args.role})
            print(_("{name} is now {role}.", name=access.normalise_name(args.name), role=access.role_label(args.role)))
        elif args.users_action == "set-password":
            access.set_password(con, args.name, _read_password(args.password_stdin))
            audit.record(con, actor, "account_set_password", access.normalise_name(args.name))
            print(_("Password changed for {name}.", name=access.normalise_name(args.name)))
    except access.AccountError as exc:
        raise CommandError(str(exc)) from None
    return 0


def _list(con, as_json: bool) -> int:
    frame = access.list_accounts(con)
    if as_json:
        from ecomops.commands import print_json
        print_json(frame.to_dict(orient="records"))
    elif frame.empty:
        print(_("No accounts: the app runs without sign-in, on this computer only (127.0.0.1)."))
    else:
        print(frame.to_string(index=False))
    return 0
