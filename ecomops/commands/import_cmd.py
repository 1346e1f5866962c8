"""``python -m ecomops import FILE [FILE ...]`` and ``python -m ecomops imports``: load an export, list and undo
imports.

Exit codes: 0 imported (or already imported, or a clean dry run); 1 the file has invalid rows and nothing was
written (use --skip-invalid to import the valid ones, --status to map unknown status words); 2 the file cannot be
read or an argument is wrong; 3 the database is open in another process.
"""
from __future__ import annotations

import argparse
import sys

from ecomops import audit, db, derived
from ecomops.commands import CommandError, add_db_argument, print_json
from ecomops.i18n import _, fmt


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``import`` and ``imports`` subcommands."""
    from ecomops.ingest.kinds import KINDS

    p = subparsers.add_parser("import", help=_("import a CSV/TSV/XLSX/Parquet export (optionally .gz)"),
                              description="Import a file: detect encoding, delimiter, kind and columns; validate; "
                                          "load all rows in one transaction (nothing is written if any row is "
                                          "invalid, unless --skip-invalid). Several files of one export (orders, "
                                          "order items, customers, products) are linked by their ids and imported "
                                          "as one.")
    p.add_argument("file", nargs="+", help="the file(s) to import")
    p.add_argument("--kind", help=f"kind of data (default: detected): {', '.join(KINDS)}")
    add_db_argument(p)
    p.add_argument("--map", dest="mapping", action="append", default=[], metavar="FIELD=COLUMN",
                   help="map a field to a column (repeatable; COLUMN a+b sums columns; FIELD= unmaps)")
    p.add_argument("--preset", help="use a saved mapping preset")
    p.add_argument("--save-preset", metavar="NAME", help="save the mapping used as a preset")
    p.add_argument("--dry-run", action="store_true", help="validate and report only; write nothing")
    p.add_argument("--skip-invalid", "--accept-valid", dest="accept_valid", action="store_true",
                   help="import the valid rows and skip the invalid ones")
    p.add_argument("--rejects", metavar="FILE", help="write the invalid rows with a reason column to this CSV")
    p.add_argument("--force", action="store_true", help="import even if this exact file was imported before")
    p.add_argument("--date-order", choices=("mdy", "dmy"), help="read dates like 3/5/2024 month first or day first")
    p.add_argument("--columns", help="names of the columns of a file without a header row, comma-separated "
                                     "(e.g. user_id,item_id,category_id,behavior_type,timestamp)")
    p.add_argument("--status", dest="statuses", action="append", default=[], metavar="WORD=STATUS",
                   help="map a platform's status word to unpaid, paid, shipped, completed, cancelled or returned "
                        "(repeatable; remembered for later imports)")
    p.add_argument("--currency", help="the currency of the amounts (ISO code such as GBP); sets the store's "
                                      "currency when it has none")
    p.add_argument("--fx-rate", type=float, metavar="R",
                   help="convert amounts in another currency than the store's: 1 unit of the file's = R of the store's")
    p.add_argument("--timezone", help="the store's time zone (IANA name, e.g. Asia/Shanghai): times with an "
                                      "offset or epoch times are converted to it")
    p.add_argument("--json", action="store_true", help="print a machine-readable summary")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run_import)

    q = subparsers.add_parser("imports", help=_("list imports, or undo one"),
                              description="List the imports log (newest first), or undo an import.")
    add_db_argument(q)
    q.add_argument("--undo", type=int, metavar="IMPORT_ID", help="undo this import (restores replaced rows)")
    q.add_argument("--limit", type=int, default=50)
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=run_imports)


def _progress_bar(enabled: bool):
    if not enabled:
        return None, None
    from tqdm import tqdm

    bar = tqdm(total=100, file=sys.stderr, unit="%", leave=False, bar_format="{desc:<45.45} {bar} {n:.0f}% [{elapsed}]")

    def report(fraction: float, message: str) -> None:
        bar.set_description_str(message[:45])
        bar.n = int(100 * min(max(fraction, 0.0), 1.0))
        bar.refresh()

    return report, bar


def run_import(args: argparse.Namespace) -> int:
    """Import one file; return the exit code."""
    from ecomops.ingest import IngestError, import_files
    from ecomops.ingest.detect import parse_map_arguments
    from ecomops.ingest.presets import load_preset, save_preset
    from ecomops.ingest.sniff import prepare
    from ecomops.ingest.statuses import parse_status_arguments, set_status_words

    con = db.connect(args.db)
    if args.statuses:
        statuses = parse_status_arguments(args.statuses)
        set_status_words(con, statuses)
        audit.record(con, audit.cli_actor(), "status_words", None, {"mapping": statuses})
    kind, mapping, options = args.kind, {}, {}
    if args.preset:
        kind_p, mapping, options = load_preset(con, args.preset)
        kind = kind or kind_p
    columns = [c.strip() for c in args.columns.split(",")] if args.columns else None
    if args.mapping:
        headers: list[str] = []
        for file in args.file:  # headers are needed to read "a+b" and to check column names
            source = prepare(file, hashing="skip", columns=columns)
            try:
                headers += source.headers
            finally:
                source.cleanup()
        mapping.update(parse_map_arguments(args.mapping, headers))
    if args.date_order:
        options["date_order"] = args.date_order
    if args.fx_rate is not None:
        if not args.fx_rate > 0:
            raise CommandError("--fx-rate must be a positive number")
        options["fx_rate"] = args.fx_rate
    report, bar = _progress_bar(not args.json and not args.no_progress)
    try:
        result = import_files(con, args.file, kind=kind, mapping=mapping or None, options=options or None,
                              accept_valid=args.accept_valid, dry_run=args.dry_run, force=args.force,
                              rejects_path=args.rejects, progress=report, columns=columns,
                              currency=args.currency, currency_required=True, timezone=args.timezone)
    except IngestError as exc:
        raise CommandError(str(exc)) from exc
    finally:
        if bar is not None:
            bar.close()
    if args.save_preset and result.kind:
        save_preset(con, args.save_preset, result.kind, result.mapping, result.options)
        audit.record(con, audit.cli_actor(), "preset_save", args.save_preset, {"kind": result.kind})
    if result.status == "imported":
        # The command line acts as the OS user, as admin (docs/security.md); the web app records the signed-in name.
        audit.record(con, audit.cli_actor(), "import", f"#{result.import_id}",
                     {"files": [str(f) for f in args.file], "kind": result.kind, "rows_imported": result.rows_imported,
                      "rows_rejected": result.rows_rejected, "inserted": result.inserted, "updated": result.updated})
        # Rebuild the pages' summary tables now, so the first page view after a scheduled import stays fast.
        rebuilt = derived.refresh_all(con)
        if rebuilt and not args.json:
            print(f"refreshed summary tables: {', '.join(rebuilt)}", file=sys.stderr)
    if args.json:
        print_json(result.as_dict())
    else:
        _print_result(result, args)
    if result.status == "rejected" or (result.status == "dry_run" and result.rows_rejected):
        return 1
    return 0


def _print_result(result, args) -> None:
    print(result.summary())
    if result.status in ("imported", "dry_run", "rejected"):
        mapped = ", ".join(f"{k}<-{'+'.join(v) if isinstance(v, list) else v}" for k, v in result.mapping.items())
        print(_("kind: {kind} ({profile}); encoding {encoding}; columns: {columns}", kind=result.kind,
                profile=result.profile, encoding=result.encoding, columns=mapped))
    for field_name, how in result.date_formats.items():
        print(_("dates: {field} read as {how}", field=field_name, how=how))
    for notice in result.notices:
        print(_("note: {notice}", notice=notice))
    for problem in result.problems:
        print(_("problem: {problem}", problem=problem.describe()))
    if result.unknown_statuses:
        words = _(", ").join(_("{word} ({n} rows)", word=repr(w), n=fmt.count(n))
                             for w, n in result.unknown_statuses.items())
        example = next(iter(result.unknown_statuses))
        print(_("unknown status words: {words}. Map each once, e.g. --status '{example}=completed' (statuses: unpaid, "
                "paid, shipped, completed, cancelled, returned); the mapping is remembered.", words=words,
                example=example))
    if result.rejects_path:
        print(_("rejected rows with reasons: {path}", path=str(result.rejects_path)))
    if result.status == "rejected":
        if result.rows_valid:
            print(_("Nothing was written. Fix the file and import it again, or use --skip-invalid to import the "
                    "{n} valid rows.", n=fmt.count(result.rows_valid)))
        else:
            print(_("Nothing was written: no row is valid. Fix the problems above (a wrong column mapping, unknown "
                    "status words) and import the file again."))


def run_imports(args: argparse.Namespace) -> int:
    """List imports or undo one; return the exit code."""
    from ecomops.ingest import UndoRefused, list_imports, undo_import

    con = db.connect(args.db)
    if args.undo is not None:
        try:
            result = undo_import(con, args.undo)
        except UndoRefused as exc:
            raise CommandError(str(exc)) from exc
        audit.record(con, audit.cli_actor(), "undo_import", f"#{result.import_id}",
                     {"removed": result.removed, "restored": result.restored})
        derived.refresh_all(con)
        payload = {"import_id": result.import_id, "removed": result.removed, "restored": result.restored}
        if args.json:
            print_json(payload)
        else:
            removed = ", ".join(f"{t} -{n}" for t, n in result.removed.items()) or "nothing"
            restored = ", ".join(f"{t} +{n}" for t, n in result.restored.items()) or "nothing"
            print(f"Undid import #{result.import_id}: removed {removed}; restored {restored}.")
        return 0
    frame = list_imports(con, args.limit)
    if args.json:
        print_json(frame.drop(columns=["note"]).to_dict(orient="records"))
    elif frame.empty:
        print("No imports yet.")
    else:
        for row in frame.itertuples():
            print(f"#{row.import_id:<4} {str(row.imported_at)[:16]}  {row.status:<6} {row.kind:<17} "
                  f"{row.rows_loaded:>9,} rows  {row.rows_rejected:>6,} rejected  {row.file_name}")
    return 0
