"""Command line for budgets: `budgets set|list|clear`, per person (`--user EMAIL`), per key (`--key ID`)
or as a role's default (`--role member`), in USD or credits, per UTC day or month, hard or soft."""

from __future__ import annotations

import argparse
import math
from datetime import UTC, datetime

from ai_registry.accounts_cli import CommandRefused, _migrated_session
from ai_registry.gateway.budget_math import PERIODS, UNITS, BudgetRule, format_amount, period_end, period_start
from ai_registry.identity.roles import ROLES


def _target(session, args: argparse.Namespace) -> tuple[str, str, str]:
    """(scope, subject, how it prints) from --user, --key or --role."""
    from ai_registry.store.tables import ApiKey
    from ai_registry.store.users import get_user_by_email

    if args.user:
        user = get_user_by_email(session=session, email=args.user.strip().lower())
        if user is None:
            raise CommandRefused(f"no account has the email {args.user}")
        return "user", str(user.id), user.email
    if args.key is not None:
        key = session.get(ApiKey, args.key)
        if key is None or key.revoked_at is not None:
            raise CommandRefused(f"no active key has the id {args.key} (see the Developer settings page)")
        return "key", str(key.id), f"key {key.id} ({key.name})"
    return "role", args.role, f"every {args.role} without a budget of their own"


def _cmd_set(args: argparse.Namespace) -> int:
    from ai_registry.store.budgets import set_budget

    if not math.isfinite(args.limit) or args.limit < 0:
        raise CommandRefused("the limit must be a number of at least 0")
    with _migrated_session() as session:
        scope, subject, shown = _target(session, args)
        set_budget(
            session=session, scope=scope, subject=subject, unit=args.unit, period=args.period,
            limit=args.limit, hard=not args.soft,
        )  # fmt: skip
    kind = "soft (warns at 80%)" if args.soft else "hard (refuses with 402)"
    per = "day" if args.period == "day" else "month"
    print(f"budget set: {shown}: {format_amount(args.limit, args.unit)} per {per}, {kind}")
    return 0


def _subject_label(session, scope: str, subject: str) -> str:
    from ai_registry.store.tables import ApiKey, User

    if scope == "user" and subject.isdigit() and (user := session.get(User, int(subject))):
        return user.email
    if scope == "key" and subject.isdigit() and (key := session.get(ApiKey, int(subject))):
        return f"key {key.id} ({key.name})"
    return f"role {subject}" if scope == "role" else f"{scope} {subject}"


def _cmd_list(_args: argparse.Namespace) -> int:
    from ai_registry.store.budgets import all_budgets, spent_in

    now = datetime.now(UTC)
    with _migrated_session() as session:
        rows = all_budgets(session=session)
        if not rows:
            print("no budgets")
            return 0
        for row in rows:
            rule = BudgetRule(row.scope, row.subject, row.unit, row.period, row.limit_amount, row.hard)
            label = _subject_label(session, row.scope, row.subject)
            spent = ""
            if row.scope != "role":
                counter = rule.counter(user_id=int(row.subject), key_id=int(row.subject))
                used = spent_in(session=session, counter=counter, period_start=period_start(row.period, now))
                spent = f", spent {format_amount(used, row.unit)}"
            resets = period_end(row.period, now).strftime("%Y-%m-%d %H:%M UTC")
            print(
                f"{label}: {format_amount(row.limit_amount, row.unit)} per {row.period} "
                f"({'hard' if row.hard else 'soft'}){spent}; resets {resets}"
            )
    return 0


def _cmd_clear(args: argparse.Namespace) -> int:
    from ai_registry.store.budgets import clear_budgets

    with _migrated_session() as session:
        scope, subject, shown = _target(session, args)
        removed = clear_budgets(session=session, scope=scope, subject=subject, unit=args.unit, period=args.period)
    print(f"{removed} budget{'' if removed == 1 else 's'} cleared for {shown}")
    return 0 if removed else 1


def _who(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--user", help="a person's email")
    group.add_argument("--key", type=int, help="an API key's id")
    group.add_argument("--role", choices=ROLES, help="the default for every person of this role")


def add_budget_commands(sub: argparse._SubParsersAction) -> None:
    budgets = sub.add_parser("budgets", help="spend limits per person, key or role").add_subparsers(
        dest="budgets_command", required=True
    )
    setter = budgets.add_parser("set", help="set (or replace) a budget")
    _who(setter)
    setter.add_argument("--limit", type=float, required=True, help="the amount per period, e.g. 5 or 2000")
    setter.add_argument("--unit", choices=UNITS, default="usd", help="usd (default) or credits")
    setter.add_argument("--period", choices=PERIODS, default="month", help="day or month (default), in UTC")
    setter.add_argument("--soft", action="store_true", help="only warn (at 80%%), never refuse")
    setter.set_defaults(func=_cmd_set)
    budgets.add_parser("list", help="print every budget and this period's spend").set_defaults(func=_cmd_list)
    clear = budgets.add_parser("clear", help="remove budgets")
    _who(clear)
    clear.add_argument("--unit", choices=UNITS, help="only this unit")
    clear.add_argument("--period", choices=PERIODS, help="only this period")
    clear.set_defaults(func=_cmd_clear)
