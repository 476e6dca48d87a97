"""`python -m ai_registry curation export [--out F] | import F [--replace] [--dry-run]`.

The whole overlay as one JSON document (format "ai-registry-curation", version 1, entries sorted by
model id, each with only the fields it changes), so a team can keep it in git and review it.

Import checks the whole file against the catalog first: an unknown id or slug, a bad field, two
entries for one model or two defaults for one category refuse the import with every problem listed,
and nothing changes. A good file is written in one transaction:

- merge (default): each model in the file gets the file's entry (replacing its stored one); models
  the file does not mention keep theirs, except that a default in the file takes the star from them;
- `--replace`: the stored overlay becomes exactly the file's (a model not in the file loses its curation).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ai_registry.accounts_cli import CommandRefused, _migrated_session

MAX_IMPORT_BYTES = 20_000_000


def _catalog():
    """The merged catalog as the app last stored it (built-in and local models included); no fetch."""
    from ai_registry.aggregator.runtime import get_aggregator

    return get_aggregator().snapshot.models


def _cmd_export(args: argparse.Namespace) -> int:
    from ai_registry.catalog.curation import export_document
    from ai_registry.store.curation import load_curation

    with _migrated_session() as session:
        entries = load_curation(session=session)
    slugs = {m.id.casefold(): m.slug for m in _catalog()}
    text = json.dumps(export_document(entries, slugs), indent=2, ensure_ascii=False) + "\n"
    if args.out:
        try:
            Path(args.out).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise CommandRefused(f"cannot write {args.out}: {exc}") from None
        print(f"{len(entries)} curated models written to {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def _read(path: str):
    try:
        if path == "-":
            raw = sys.stdin.read(MAX_IMPORT_BYTES + 1)
        else:
            with Path(path).open(encoding="utf-8") as handle:
                raw = handle.read(MAX_IMPORT_BYTES + 1)
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandRefused(f"cannot read {path}: {exc}") from None
    if len(raw) > MAX_IMPORT_BYTES:
        raise CommandRefused(f"{path} is larger than {MAX_IMPORT_BYTES:,} bytes; nothing was changed")
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        raise CommandRefused(f"{path} is not JSON ({where}: {exc.msg}); nothing was changed") from None


def _cmd_import(args: argparse.Namespace) -> int:
    from ai_registry.catalog.curation import read_document
    from ai_registry.store.curation import import_curation
    from ai_registry.store.migrate import upgrade

    document = _read(args.file)
    upgrade("head")  # first, so the catalog below is the one the app stored
    models = _catalog()
    entries, problems = read_document(document, models)
    if problems:
        lines = "\n".join(f"  - {p}" for p in problems)
        raise CommandRefused(f"{args.file} was refused, nothing was changed ({len(problems)} problems):\n{lines}")
    categories = {m.id.casefold(): m.category for m in models}
    with _migrated_session() as session:
        counts = import_curation(
            session=session, entries=entries, replace=args.replace, categories=categories,
            source=f"curation import {Path(args.file).name}",
        )
        if args.dry_run:
            session.rollback()
    mode = "replace" if args.replace else "merge"
    verb = "would change" if args.dry_run else "changed"
    print(f"{mode}: {verb} {counts['changed']} models; the overlay holds {counts['entries']} curated models")
    return 0


def add_curation_commands(sub: argparse._SubParsersAction) -> None:
    """Register `curation export` and `curation import` on the main parser's subcommands."""
    curation = sub.add_parser("curation", help="export or import the admins' catalog curation as JSON")
    commands = curation.add_subparsers(dest="curation_command", required=True)
    export = commands.add_parser("export", help="print (or write) the whole overlay as JSON")
    export.add_argument("--out", help="file to write (default: standard output)")
    export.set_defaults(func=_cmd_export)
    imported = commands.add_parser(
        "import", help="check a file against the catalog, then apply it in one transaction (or refuse it whole)"
    )
    imported.add_argument("file", help="a file written by `curation export` (- for standard input)")
    imported.add_argument(
        "--replace", action="store_true",
        help="make the overlay exactly the file's (default: merge, models not in the file keep their curation)",
    )
    imported.add_argument("--dry-run", action="store_true", help="check and count, change nothing")
    imported.set_defaults(func=_cmd_import)
