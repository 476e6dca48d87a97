"""Command line for people and keys: `users create|list|disable|enable|reset-password`, `keys create`.

Every command migrates the database first (a no-op when it is current), so the first administrator
can be made on a fresh data folder before the app has ever started.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from ai_registry.identity.errors import IdentityError
from ai_registry.identity.roles import ROLES

# A password file may end in a newline (`echo pw > file`); that newline is not part of the password.
_MAX_PASSWORD_FILE_BYTES = 4096


class CommandRefused(Exception):
    """A command that cannot go ahead; the message is printed as it is and the exit code is 1."""


def read_password(password_file: str | None, *, confirm: bool) -> str:
    """The password from `password_file` (`-` for standard input), else typed twice at a hidden prompt."""
    if password_file:
        try:
            if password_file == "-":
                data = sys.stdin.read(_MAX_PASSWORD_FILE_BYTES + 1)
            else:
                with Path(password_file).open(encoding="utf-8") as handle:
                    data = handle.read(_MAX_PASSWORD_FILE_BYTES + 1)
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandRefused(f"cannot read the password file {password_file}: {exc}") from None
        if len(data) > _MAX_PASSWORD_FILE_BYTES:
            raise CommandRefused(f"the password file {password_file} is larger than {_MAX_PASSWORD_FILE_BYTES} bytes")
        return data.removesuffix("\n").removesuffix("\r")
    if not sys.stdin.isatty():
        raise CommandRefused("no terminal to ask for a password: pass --password-file FILE (or - for stdin)")
    password = getpass.getpass("Password: ")
    if confirm and getpass.getpass("Password again: ") != password:
        raise CommandRefused("the two passwords differ; nothing was changed")
    return password


def _migrated_session():
    from ai_registry.store.db import session_scope
    from ai_registry.store.migrate import upgrade

    upgrade("head")
    return session_scope()


def _when(moment) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else "never"


def _cmd_users_create(args: argparse.Namespace) -> int:
    from ai_registry.identity.accounts import create_user

    password = read_password(args.password_file, confirm=True)
    with _migrated_session() as session:
        user = create_user(
            session=session, email=args.email, password=password, role=args.role,
            display_name=args.name or "", via="command line",
        )
        email, role = user.email, user.role
    print(f"created {role} {email}; sign in at /sign-in")
    return 0


def _cmd_users_list(_args: argparse.Namespace) -> int:
    from ai_registry.store.users import list_users

    with _migrated_session() as session:
        users = list_users(session=session)
        print(f"{'email':<40} {'role':<7} {'state':<8} {'created':<16} last sign-in")
        for user in users:
            state = "active" if user.active else "disabled"
            created, seen = _when(user.created_at), _when(user.last_sign_in_at)
            print(f"{user.email:<40} {user.role:<7} {state:<8} {created:<16} {seen}")
    print(f"{len(users)} users")
    return 0


def _cmd_users_disable(args: argparse.Namespace) -> int:
    from ai_registry.identity.accounts import disable_user, find_user

    with _migrated_session() as session:
        user = find_user(session=session, email=args.email)
        sessions, keys = disable_user(session=session, user=user)
        email = user.email
    print(f"disabled {email}: {sessions} sessions ended, {keys} keys revoked")
    return 0


def _cmd_users_enable(args: argparse.Namespace) -> int:
    from ai_registry.identity.accounts import enable_user, find_user

    with _migrated_session() as session:
        user = find_user(session=session, email=args.email)
        enable_user(session=session, user=user)
        email = user.email
    print(f"enabled {email}; their old sessions and keys stay ended")
    return 0


def _cmd_users_reset_password(args: argparse.Namespace) -> int:
    from ai_registry.identity.accounts import find_user, set_password

    with _migrated_session() as session:
        user = find_user(session=session, email=args.email)  # before the prompt: say "no account" first
        password = read_password(args.password_file, confirm=True)
        ended = set_password(session=session, user=user, password=password)
        email = user.email
    print(f"password of {email} replaced; {ended} sessions ended")
    return 0


def _cmd_keys_create(args: argparse.Namespace) -> int:
    from ai_registry.identity.accounts import find_user
    from ai_registry.identity.keys import create_key_for

    with _migrated_session() as session:
        owner = find_user(session=session, email=args.user)
        if not owner.active:
            raise CommandRefused(f"{owner.email} is disabled; enable the account first")
        try:
            row, raw = create_key_for(session=session, owner=owner, name=args.name)
        except ValueError as exc:
            raise CommandRefused(str(exc)) from None
        prefix, email = row.prefix, owner.email
    # The key alone on stdout, so `KEY=$(python -m ai_registry keys create ...)` captures it.
    print(raw)
    print(f"key {prefix}… for {email}: shown once, only its hash is stored", file=sys.stderr)
    return 0


def add_account_commands(sub: argparse._SubParsersAction) -> None:
    """Register `users` and `keys` on the main parser's subcommands."""
    users = sub.add_parser("users", help="create, list, disable and enable people").add_subparsers(
        dest="users_command", required=True
    )
    create = users.add_parser("create", help="create an account (the first admin, for example)")
    create.add_argument("--email", required=True)
    create.add_argument("--role", required=True, choices=ROLES)
    create.add_argument("--name", help="display name (default: the email's local part)")
    create.add_argument("--password-file", help="file holding the password (- for stdin); else a prompt")
    create.set_defaults(func=_cmd_users_create)
    users.add_parser("list", help="print every account").set_defaults(func=_cmd_users_list)
    for name, func, text in (
        ("disable", _cmd_users_disable, "disable an account: its sessions and keys end at once"),
        ("enable", _cmd_users_enable, "enable a disabled account again"),
    ):
        command = users.add_parser(name, help=text)
        command.add_argument("email")
        command.set_defaults(func=func)
    reset = users.add_parser("reset-password", help="set a new password; the account's sessions end")
    reset.add_argument("email")
    reset.add_argument("--password-file", help="file holding the password (- for stdin); else a prompt")
    reset.set_defaults(func=_cmd_users_reset_password)

    keys = sub.add_parser("keys", help="API keys for automation").add_subparsers(dest="keys_command", required=True)
    key_create = keys.add_parser("create", help="print a new API key for a person, once")
    key_create.add_argument("--user", required=True, help="the owner's email; the key acts with their role")
    key_create.add_argument("--name", required=True, help="what the key is for")
    key_create.set_defaults(func=_cmd_keys_create)


def run_refusing(func, args: argparse.Namespace) -> int:
    """Run a command; a refusal prints `error: ...` on stderr and exits 1 with nothing changed."""
    try:
        return func(args)
    except (CommandRefused, IdentityError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
