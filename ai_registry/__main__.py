"""Command line: `python -m ai_registry sync | list | migrate | thumbnails | users ... | keys create`."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from ai_registry.accounts_cli import add_account_commands, run_refusing
from ai_registry.catalog.models import CATEGORIES


def _cmd_migrate(_args: argparse.Namespace) -> int:
    from ai_registry.identity.first_admin import startup_hint
    from ai_registry.store.migrate import upgrade

    upgrade("head")
    print("database is at the latest revision")
    hint = startup_hint()
    if hint:
        print(hint)
    return 0


def _cmd_sync(_args: argparse.Namespace) -> int:
    from ai_registry.aggregator.runtime import refresh_catalog

    snapshot = asyncio.run(refresh_catalog(force=True))
    print(f"{len(snapshot.models)} models stored")
    for status in snapshot.statuses:
        line = f"  {status.name:<11} {status.state:<7} {status.model_count} records"
        print(line + (f"  ({status.error})" if status.error else ""))
    return 1 if any(s.state == "failed" for s in snapshot.statuses) else 0


def _cmd_list(args: argparse.Namespace) -> int:
    from ai_registry.aggregator.runtime import catalog_index
    from ai_registry.catalog.pricing import price_label
    from ai_registry.catalog.query import parse_category

    category = parse_category(args.category)
    if args.category and category == "All" and args.category.casefold() != "all":
        print(f"unknown category {args.category!r}; choose one of {', '.join(CATEGORIES)}", file=sys.stderr)
        return 2
    models = catalog_index().query(category=category, q=args.search or "", sort=args.sort)
    if args.json:
        json.dump([m.model_dump(mode="json", exclude={"readme"}) for m in models], sys.stdout, indent=2)
        print()
        return 0
    for m in models:
        star = "*" if m.is_default else " "
        print(f"{star} {m.slug:<34} {m.category:<9} {m.provider:<12} {price_label(m.pricing)}")
    print(f"{len(models)} models")
    return 0


def _cmd_thumbnails(_args: argparse.Namespace) -> int:
    from ai_registry.local.thumbnails import generate_thumbnails
    from ai_registry.settings import PROJECT_ROOT

    for path in generate_thumbnails(PROJECT_ROOT / "assets" / "thumbnails"):
        print(path)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ai_registry", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="apply database migrations").set_defaults(func=_cmd_migrate)
    sub.add_parser("sync", help="fetch every source and store the catalog").set_defaults(func=_cmd_sync)
    listing = sub.add_parser("list", help="print the catalog")
    listing.add_argument("--category", help="All, Image, Video, Audio, Coding or Embedding")
    listing.add_argument("--search", help="words that must all occur")
    listing.add_argument("--sort", default="newest", choices=["newest", "oldest", "name"])
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(func=_cmd_list)
    sub.add_parser("thumbnails", help="regenerate the local models' thumbnails").set_defaults(
        func=_cmd_thumbnails
    )
    add_account_commands(sub)
    args = parser.parse_args(argv)
    return run_refusing(args.func, args)


if __name__ == "__main__":
    sys.exit(main())
