"""Command line: `python -m ai_registry sync | list | migrate | thumbnails | prune | engine | worker | web |
cluster | users ... | keys create | curation export|import |
budgets set|list|clear`."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from ai_registry.accounts_cli import add_account_commands, run_refusing
from ai_registry.budgets_cli import add_budget_commands
from ai_registry.catalog.models import CATEGORIES
from ai_registry.curation_cli import add_curation_commands


def _cmd_migrate(_args: argparse.Namespace) -> int:
    from ai_registry.identity.first_admin import startup_hint
    from ai_registry.store.migrate import upgrade

    upgrade("head")
    print("database is at the latest revision")
    hint = startup_hint()
    if hint:
        print(hint)
    from ai_registry.inference.jobs import ensure_schema, queued

    if queued() and ensure_schema():
        print("job queue tables created")
    return 0


def _cmd_worker(_args: argparse.Namespace) -> int:
    import logging

    from ai_registry.inference.job_worker import serve_worker
    from ai_registry.inference.jobs import queued

    if not queued():
        print("the job worker needs AI_REGISTRY_QUEUE=procrastinate and DATABASE_URL on PostgreSQL", file=sys.stderr)
        return 2
    from ai_registry.inference.job_worker import DatabaseLost

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        asyncio.run(serve_worker())
    except DatabaseLost as exc:
        print(f"worker stopped: {exc}; start it again (make cluster's supervisor does)", file=sys.stderr)
        return 3
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


def _cmd_prune(args: argparse.Namespace) -> int:
    from ai_registry.store.db import session_scope
    from ai_registry.store.prune import parse_age, prune_runs

    try:
        age = parse_age(args.older_than)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    with session_scope() as session:
        report = prune_runs(session=session, older_than=age, media_only=args.media_only, dry_run=args.dry_run)
    for line in report.lines():
        print(line)
    return 0


def _cmd_engine(args: argparse.Namespace) -> int:
    from ai_registry.local.service import serve_engine

    serve_engine(host=args.host, port=args.port)
    return 0


def _cmd_web(args: argparse.Namespace) -> int:
    from ai_registry.web_server import serve_web

    serve_web(port=args.port, workers=args.workers, host=args.host)
    return 0


def _cmd_cluster(args: argparse.Namespace) -> int:
    from ai_registry.cluster import run_cluster

    run_cluster(web_workers=args.web_workers)
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
    prune = sub.add_parser("prune", help="delete old runs and their media files")
    prune.add_argument("--older-than", required=True, help="age of the runs to remove: 30d, 12h, 2w")
    prune.add_argument("--media-only", action="store_true", help="delete the files, keep the runs' rows")
    prune.add_argument("--dry-run", action="store_true", help="print what would be removed, remove nothing")
    prune.set_defaults(func=_cmd_prune)
    engine = sub.add_parser("engine", help="serve the local models' OpenAI-compatible routes on their own port")
    engine.add_argument("--port", type=int, default=8001, help="port to listen on (default 8001)")
    engine.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    engine.set_defaults(func=_cmd_engine)
    sub.add_parser("worker", help="execute queued runs (AI_REGISTRY_QUEUE=procrastinate)").set_defaults(
        func=_cmd_worker
    )
    web = sub.add_parser("web", help="serve the app in production mode; dead granian workers are respawned")
    web.add_argument("--port", type=int, default=3000, help="port of the frontend and backend (default 3000)")
    web.add_argument("--workers", type=int, default=2, help="granian workers (default 2; more than 1 needs Redis)")
    web.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    web.set_defaults(func=_cmd_web)
    cluster = sub.add_parser("cluster", help="PostgreSQL, Redis, engine, job worker and web workers, supervised")
    cluster.add_argument("--web-workers", type=int, default=2, help="granian workers of the web app (default 2)")
    cluster.set_defaults(func=_cmd_cluster)
    add_account_commands(sub)
    add_curation_commands(sub)
    add_budget_commands(sub)
    args = parser.parse_args(argv)
    return run_refusing(args.func, args)


if __name__ == "__main__":
    sys.exit(main())
