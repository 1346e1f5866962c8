"""The import pipeline: file -> encoding/delimiter -> kind + mapping -> validation -> one-transaction load.

Everything after reading the file runs inside one ``db.transaction`` on one cursor (the staging tables are
temporary tables of that cursor): a rejected file, a dry run or any error rolls back, so the database is either
unchanged or holds the whole import; a committed import bumps the data version. Parsing and validation are SQL
over a staging table that DuckDB's ``read_csv`` filled, so memory stays flat for files of millions of rows.
"""
from __future__ import annotations

import json
import os
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from typing import TYPE_CHECKING

import duckdb

from ecomops import config, db, derived
from ecomops.access import os_user
from ecomops.i18n import N_, _, fmt, label, use_locale
from ecomops.ingest import currency, detect, identity, load, statuses, validate
from ecomops.ingest.detect import Proposal
from ecomops.ingest.kinds import get_kind
from ecomops.ingest.sniff import IngestError, Source, prepare
from ecomops.ingest.stage import stage
from ecomops.ingest.stage import csv_error as stage_csv_error
from ecomops.ingest.validate import Plan, Problem

if TYPE_CHECKING:
    import pandas as pd

Progress = Callable[[float, str], None]


@dataclass
class ImportResult:
    """The outcome of one import (or dry run)."""

    status: str  # imported | rejected | dry_run | already_imported
    file_name: str
    kind: str = ""
    profile: str = "generic"
    mapping: dict = field(default_factory=dict)
    options: dict = field(default_factory=dict)
    file_hash: str = ""
    encoding: str = ""
    delimiter: str = ""
    headers: list[str] = field(default_factory=list)
    rows_read: int = 0
    rows_valid: int = 0
    rows_rejected: int = 0
    rows_imported: int = 0
    import_id: int | None = None
    problems: list[Problem] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    inserted: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    existing_keys: int = 0  # rows of the database this file would replace
    rejects_path: str | None = None
    previous_import: dict | None = None
    seconds: float = 0.0
    platform: str = ""  # the export layout recognised (Shopify, 淘宝/天猫, ...)
    unknown_statuses: dict[str, int] = field(default_factory=dict)  # status word -> rows (map them once)
    date_formats: dict[str, str] = field(default_factory=dict)  # field -> how its dates were read
    currency: str = ""  # the currency the amounts were stored in
    store_changes: dict[str, str] = field(default_factory=dict)  # store settings this import set
    store_reasons: dict[str, str] = field(default_factory=dict)  # where each came from
    identity_candidates: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)  # the files of a multi-file import
    event_steps: dict[str, tuple[str, int]] = field(default_factory=dict)  # event name -> (funnel step, rows)

    @property
    def ok(self) -> bool:
        """Return True when the import was written or would be (dry run without problems)."""
        return self.status in ("imported", "already_imported") or (self.status == "dry_run" and not self.rows_rejected)

    @property
    def errors(self) -> list[str]:
        """Return one line per problem, in English (machine output: ``--json``)."""
        with use_locale("en"):
            return [p.describe() for p in self.problems]

    def summary(self) -> str:
        """Return a one-paragraph human summary in the current language."""
        if self.status == "already_imported":
            prev = self.previous_import or {}
            return _("{file} was already imported on {when} as import #{id} ({rows} rows); nothing written.",
                     file=self.file_name, when=str(prev.get("imported_at")), id=str(prev.get("import_id")),
                     rows=fmt.count(prev.get("rows_loaded")))
        kind = label("import_kind", self.kind)
        head = {"imported": _("Imported {rows} rows as {kind} (import #{id})", rows=fmt.count(self.rows_imported),
                              kind=kind, id=str(self.import_id)),
                "rejected": _("Nothing imported: {bad} of {rows} rows are invalid", bad=fmt.count(self.rows_rejected),
                              rows=fmt.count(self.rows_read)),
                "dry_run": _("Dry run: {valid} of {rows} rows valid as {kind}", valid=fmt.count(self.rows_valid),
                             rows=fmt.count(self.rows_read), kind=kind)}[self.status]
        parts = [head]
        tables = _(", ").join(f"{t} +{fmt.count(n)}" for t, n in self.inserted.items() if n)
        updated = _(", ").join(f"{t} {fmt.count(n)}" for t, n in self.updated.items() if n)
        if tables:
            parts.append(_("tables: {tables}", tables=tables))
        if updated:
            parts.append(_("replaced: {tables}", tables=updated))
        if self.status == "imported" and self.rows_rejected:
            parts.append(_("{n} invalid rows skipped", n=fmt.count(self.rows_rejected)))
        return _("{summary}.", summary=_("; ").join(parts))

    def as_dict(self) -> dict:
        """Return the machine-readable summary printed by ``--json``."""
        return {"kind": self.kind, "status": self.status, "file": self.file_name, "profile": self.profile,
                "rows_read": self.rows_read, "rows_imported": self.rows_imported,
                "rows_rejected": self.rows_rejected, "import_id": self.import_id, "errors": self.errors,
                "problems": [p.as_dict() for p in self.problems], "notices": self.notices,
                "mapping": self.mapping, "inserted": self.inserted, "updated": self.updated,
                "encoding": self.encoding, "delimiter": self.delimiter, "rejects_path": self.rejects_path,
                "previous_import": self.previous_import, "seconds": round(self.seconds, 3),
                "platform": self.platform, "unknown_statuses": self.unknown_statuses, "dates": self.date_formats,
                "currency": self.currency, "files": self.files, "headers": self.headers}


class _Rollback(Exception):
    """Internal: leave the transaction without committing."""


def previous_import(con: duckdb.DuckDBPyConnection, file_hash: str) -> dict | None:
    """Return the last active import of a file with this hash, or None."""
    found = db.query_one(con, "SELECT import_id, kind, file_name, rows_loaded, imported_at FROM imports "
                              "WHERE file_hash = $h AND status = 'done' ORDER BY import_id DESC LIMIT 1", {"h": file_hash})
    if found is None:
        return None
    row = dict(zip(("import_id", "kind", "file_name", "rows_loaded", "imported_at"), found))
    row["imported_at"] = str(row["imported_at"])[:16]
    return row


@dataclass
class Request:
    """What the caller asked for (see :func:`import_file`)."""

    kind: str | None = None
    mapping: dict | None = None
    options: dict = field(default_factory=dict)
    accept_valid: bool = False
    dry_run: bool = False
    force: bool = False
    rejects_path: str | os.PathLike | None = None
    imported_by: str | None = None
    currency: str | None = None  # the file's currency as the user says (sets the store's when none is set)
    currency_required: bool = False  # refuse when neither the store, the file nor the user names a currency
    timezone: str | None = None  # the store's time zone, when the user sets it with this import


def import_file(con: duckdb.DuckDBPyConnection, path: str | os.PathLike, kind: str | None = None,
                mapping: dict | None = None, accept_valid: bool = False, progress: Progress | None = None,
                dry_run: bool = False, force: bool = False, options: dict | None = None,
                rejects_path: str | os.PathLike | None = None, file_name: str | None = None,
                imported_by: str | None = None, columns: list[str] | None = None, currency: str | None = None,
                currency_required: bool = False, timezone: str | None = None,
                source: Source | None = None) -> ImportResult:
    """Import one file; return what happened. Nothing is written unless every row is valid or ``accept_valid``.

    ``mapping`` (field -> column, or a list of columns to sum) corrects the detected mapping; ``kind`` skips kind
    detection; ``columns`` names the columns of a file without a header row (else they are proposed from their
    content). A file whose hash matches an active import is not imported again unless ``force``. Rejected rows
    go to ``rejects_path`` (else a temp file) as CSV with a ``reason`` column. ``currency`` is the file's currency
    as the user states it; ``options["fx_rate"]`` converts a file in another currency than the store's.
    Raises IngestError (or FileNotFoundError) when the file cannot be read at all. Imports are one at a time per
    process (a second one waits for the first, and says so through ``progress``).
    """
    started = time.perf_counter()
    report = progress or (lambda _f, _m: None)
    request = Request(kind=kind, mapping=mapping, options=dict(options or {}), accept_valid=accept_valid,
                      dry_run=dry_run, force=force, rejects_path=rejects_path, imported_by=imported_by,
                      currency=currency, currency_required=currency_required, timezone=timezone)
    # The file's SHA-256 is computed on a second thread while DuckDB reads the file (0.2-0.3 s less for a 380 MB
    # file); "already imported" is therefore decided once the rows are read, and the transaction rolled back.
    owned = source is None
    if source is None:
        source = prepare(path, file_name=file_name, progress=report, hashing="background", columns=columns)
    try:
        result = ImportResult(status="dry_run", file_name=source.file_name, encoding=source.encoding,
                              delimiter=source.delimiter)
        result.notices.extend(source.notes)
        with exclusive(con, report):
            try:
                # The sales version (which the summary tables follow) moves only when order data were written: an
                # import of ad spend or traffic leaves them fresh (rebuilding them all took 27 s at 1M customers).
                with db.transaction(con, sales_data=lambda: derived.touches_sources(result.inserted,
                                                                                    result.updated)) as cur:
                    before = derived.source_counts(cur)
                    _run(cur, con, source, request, result, report)
                    if result.status == "imported" and derived.touches_sources(result.inserted, result.updated):
                        # What the summary tables need to update themselves from this import alone.
                        derived.record_change(cur, before, result.import_id, "import",
                                              captured=result.kind == "orders")
            except _Rollback:
                pass
            except duckdb.TransactionException as exc:
                raise IngestError("Another change to the same data was written at the same moment, so nothing "
                                  "was imported. Import the file again.") from exc
            except duckdb.Error as exc:
                # A file the reader cannot parse (or any other database error): a clear message, never a traceback.
                raise stage_csv_error(exc) from exc
        _store_notices(result)
        result.seconds = time.perf_counter() - started
        report(1.0, result.summary())
        return result
    finally:
        if owned:
            source.cleanup()


_LOCKS: dict[int, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


@contextmanager
def exclusive(con: duckdb.DuckDBPyConnection, report: Progress | None = None) -> Iterator[None]:
    """Run the block as the only import or undo on this database in this process: a second one waits (queued).

    Two app sessions importing at once would otherwise both write in one database and one of them fail with
    DuckDB's write-write conflict. (Another process cannot open the database at all: DuckDB's file lock.)
    """
    with _LOCKS_GUARD:
        lock = _LOCKS.setdefault(id(con), threading.Lock())
    if not lock.acquire(blocking=False):
        if report is not None:
            report(0.0, _("Waiting for another import to finish (imports run one at a time)"))
        lock.acquire()
    try:
        yield
    finally:
        lock.release()


def _plan_for(source: Source, request: Request) -> tuple[Plan, Proposal]:
    proposal = detect.propose(source.headers, request.kind)
    mapping = dict(request.mapping) if request.mapping else None
    if mapping:
        replace_all = bool(mapping.pop("__replace__", False))
        if replace_all:
            proposal.mapping = {}
        detect.merge_mapping(proposal, mapping, source.headers)
    if request.options:
        proposal.options.update(request.options)
    if proposal.missing_required:
        k = get_kind(proposal.kind)
        missing = _(", ").join(f"{m} ({k.field(m).describe()})" for m in proposal.missing_required)
        shown = dict(kind=label("import_kind", proposal.kind), missing=missing,
                     columns=_(", ").join(source.headers))
        if request.kind:
            raise IngestError(_("Cannot import as {kind}: no column for {missing}. The file's columns are: {columns}. "
                                "Map them with --map field=column (or on the Upload page).", **shown))
        raise IngestError(_("Cannot import as {kind}: no column for {missing}. It looks most like {kind} data. The "
                            "file's columns are: {columns}. Map them with --map field=column (or on the Upload "
                            "page).", **shown))
    return Plan(kind=proposal.kind, mapping=proposal.mapping, options=proposal.options, profile=proposal.profile), proposal


def _run(cur, con, source: Source, request: Request, result: ImportResult, report: Progress) -> None:
    report(0.2, _("Reading the columns"))
    staged = stage(cur, source)
    result.headers = list(staged.headers)
    plan, proposal = _plan_for(source, request)
    user_mapped = set((request.mapping or {}).keys())
    if plan.kind == "orders" and "customer_id" not in user_mapped:
        choice = identity.choose(cur, staged, plan.mapping["order_id"], plan.mapping.get("customer_id"))
        if choice.column and choice.column != plan.mapping.get("customer_id"):
            plan.mapping["customer_id"] = choice.column
            result.notices.append(choice.note)
        result.identity_candidates = choice.candidates
    plan.status_words = statuses.status_words(cur)
    _zones(cur, con, plan, request, result)
    result.kind, result.profile, result.mapping, result.options = plan.kind, plan.profile, plan.mapping, plan.options
    result.platform = detect.PLATFORMS.get(plan.profile, "")
    if plan.kind == "events":
        from ecomops.ingest import events

        events.run(cur, con, source, staged, plan, request, result, report, _log_import, _Rollback)
        return
    report(0.4, _("Reading and checking the rows as {kind}", kind=label("import_kind", plan.kind)))
    styles = validate.build_typed(cur, plan, staged, source.digest)
    result.file_hash = source.digest()
    prev = previous_import(con, result.file_hash)
    if prev and not request.force and not request.dry_run:
        result.status = "already_imported"
        result.previous_import = prev
        result.kind = prev.get("kind", "")
        raise _Rollback()
    if prev:
        result.previous_import = prev
        result.notices.append(_("This file was already imported on {when} as import #{id}; importing it again "
                                "replaces the same rows (no duplicates).", when=str(prev["imported_at"]),
                                id=str(prev["import_id"])))
    result.rows_read = staged.rows
    _describe_styles(plan, staged, styles, result)
    if plan.footer_rows:
        result.notices.append(_("{n} summary line(s) at the end of the file (e.g. 'N record(s) downloaded') were "
                                "not read as data.", n=fmt.count(plan.footer_rows)))
    _check_currency(cur, con, plan, source, request, result)
    result.rows_valid, result.rows_rejected = validate.count_valid(cur)
    result.problems = validate.problems(cur, plan, staged)
    result.unknown_statuses = validate.unknown_statuses(cur, plan)
    result.existing_keys = _existing_keys(cur, plan)
    if result.existing_keys:
        result.notices.append(f"{result.existing_keys:,} {get_kind(plan.kind).table} rows already in the database "
                              "will be replaced by this file's version (undo restores them).")
    if plan.kind == "orders":
        _identity_warning(cur, plan, result)
    if result.rows_rejected:
        target = Path(request.rejects_path) if request.rejects_path else Path(tempfile.mkdtemp(
            prefix="ecomops-rejects-")) / (Path(source.file_name).name.split(".")[0] + "_rejected.csv")
        validate.write_rejects(cur, staged, target)
        result.rejects_path = str(target)
    if request.dry_run:
        result.status = "dry_run"
        raise _Rollback()
    if result.rows_rejected and not request.accept_valid:
        result.status = "rejected"
        raise _Rollback()
    if result.rows_valid == 0:
        result.status = "rejected"
        raise _Rollback()
    report(0.7, _("Writing {n} rows", n=fmt.count(result.rows_valid)))
    import_id = _next_import_id(cur)
    stats = load.load(cur, plan, import_id)
    if plan.kind == "orders":
        derived.capture_orders(cur, import_id)
    result.import_id = import_id
    result.inserted, result.updated = stats.inserted, stats.updated
    result.rows_imported = result.rows_valid
    result.status = "imported"
    for note in stats.notes:
        result.notices.append(note)
    _settle_store(cur, result)
    _log_import(cur, plan, source, result, request)


def _next_import_id(cur) -> int:
    # The sequence, but never an id already used by rows written without it (demo data, tests).
    return int(cur.execute("SELECT greatest(nextval('import_id_seq'), "
                           "(SELECT coalesce(max(import_id), 0) + 1 FROM imports))").fetchone()[0])


def _log_import(cur, plan: Plan, source: Source, result: ImportResult, request: Request) -> None:
    details = {"inserted": result.inserted, "updated": result.updated, "profile": plan.profile,
               "encoding": source.encoding, "problems": [p.as_dict() for p in result.problems][:50],
               "files": result.files or [source.file_name], "currency": result.currency,
               "dates": result.date_formats}
    cur.execute(
        "INSERT INTO imports (import_id, kind, file_name, file_hash, rows_loaded, rows_rejected, imported_by, "
        "mapping, note, rows_read, details) VALUES ($id, $kind, $name, $hash, $loaded, $rejected, $by, $mapping, "
        "$note, $read, $details)",
        {"id": result.import_id, "kind": plan.kind, "name": source.file_name, "hash": result.file_hash,
         "loaded": result.rows_imported, "rejected": result.rows_rejected,
         "by": request.imported_by or os_user(), "mapping": json.dumps({"mapping": plan.mapping, "options": plan.options},
                                                                     ensure_ascii=False),
         "note": result.summary(), "read": result.rows_read, "details": json.dumps(details, ensure_ascii=False,
                                                                                     default=str)})


def _zones(cur, con, plan: Plan, request: Request, result: ImportResult) -> None:
    """Set the plan's time zones: the store's (set now when the user gives one) and the export's."""
    plan.from_zone = plan.options.get("source_timezone")
    zone = request.timezone
    if not zone and not config.store_timezone(cur) and plan.from_zone:
        # The first export that states its time zone (Chinese platforms: Beijing time) sets the store's.
        zone = plan.from_zone
        result.store_reasons["timezone"] = f"the time zone of this {detect.PLATFORMS.get(plan.profile, '')} export"
    if zone:
        config.set_store_timezone(cur, zone)
        result.store_changes["timezone"] = zone
        result.store_reasons.setdefault("timezone", "your choice")
    plan.to_zone = zone or config.store_timezone(cur)


def _describe_styles(plan: Plan, staged, styles: dict, result: ImportResult) -> None:
    """Record how each date column was read (shown in the preview and the notices)."""
    kind = get_kind(plan.kind)
    zone_note = False
    for fld in kind.fields:
        src = plan.mapping.get(fld.name)
        if not src or isinstance(src, list) or fld.type not in ("date", "timestamp"):
            continue
        style = styles.get(staged.column_of(src))
        if style is None or style.dates is None or not style.dates.label:
            continue
        result.date_formats[fld.name] = style.dates.label
        if style.dates.ambiguous:
            result.notices.append(_("{field} (column '{column}'): dates like 3/5/2024 can be read either way; they "
                                    "were read month first (March 5). If they are day first, set the date order to "
                                    "day/month (--date-order dmy).", field=fld.name, column=src))
        if (style.dates.zone or style.dates.epoch) and not zone_note:
            zone_note = True
            if plan.to_zone:
                result.notices.append(_("Times with a time-zone offset were converted to the store's time zone "
                                        "({zone}).", zone=plan.to_zone))
            elif style.dates.epoch:
                result.notices.append(_("The epoch times are UTC; they were kept as written because the store has no "
                                        "time zone yet (set one with --timezone, e.g. Asia/Shanghai, to convert "
                                        "them)."))
            else:
                result.notices.append(_("The times carry a time-zone offset; they were kept as written because the "
                                        "store has no time zone yet (set one with --timezone, e.g. Asia/Shanghai, to "
                                        "convert them)."))
    if any(s.decimal_comma for s in styles.values()):
        result.notices.append(_("Numbers use a decimal comma (1.234,50 = 1234.50)."))
    if plan.from_zone and plan.to_zone and plan.from_zone != plan.to_zone:
        result.notices.append(_("Times in this export are {zone} time; they were converted to the store's time "
                                "zone ({store_zone}).", zone=plan.from_zone, store_zone=plan.to_zone))


def _check_currency(cur, con, plan: Plan, source: Source, request: Request, result: ImportResult) -> None:
    """Decide the file's currency from its evidence and check it against the store's (IngestError when it
    differs and no rate was given, or when the file mixes currencies)."""
    kind = get_kind(plan.kind)
    money = [f.name for f in kind.fields if f.type == "money" and plan.mapping.get(f.name)]
    if not money:
        return
    evidence = currency.CurrencyEvidence()
    if plan.mapping.get("currency"):
        values = dict(cur.execute("SELECT currency, count(*) FROM ingest_typed WHERE currency IS NOT NULL "
                                  "GROUP BY 1").fetchall())
        evidence = currency.from_column(values)
    if not evidence.code and not evidence.mixed:
        evidence = currency.from_signs(plan.evidence.get("signs", {}))
    if not evidence.code and not evidence.mixed:
        money_headers = [plan.mapping[f] for f in money if isinstance(plan.mapping[f], str)]
        evidence = currency.from_headers(source.headers, money_headers, detect.PLATFORMS.get(plan.profile, ""))
    if evidence.mixed:
        listed = _(", ").join(_("{currency} ({n} rows)", currency=c, n=fmt.count(n))
                              for c, n in sorted(evidence.mixed.items(), key=lambda x: (-x[1], x[0])))
        raise IngestError(_("The file mixes currencies ({listed}, from {source}); nothing was imported. Export one "
                            "currency at a time.", listed=listed, source=evidence.source))
    stated = config.normalise_currency(request.currency) if request.currency else None
    if stated and evidence.code and stated != evidence.code:
        raise IngestError(_("You said the amounts are in {stated}, but the file says {evidence}; nothing was "
                            "imported.", stated=stated, evidence=evidence.describe()))
    file_code = evidence.code or stated
    store_code = config.store_currency(cur) if config.store_currency_is_set(cur) else None
    rate = plan.money_factor()
    if file_code is None and store_code is None:
        # A store that already holds orders without a currency setting keeps the historical default (CNY).
        fresh = not cur.execute("SELECT EXISTS (SELECT 1 FROM orders)").fetchone()[0]
        if request.currency_required and fresh:
            raise IngestError(_("Which currency are the amounts in? The file does not say (no currency column or "
                                "sign) and the store has none yet. Say it once, e.g. --currency GBP (on the Upload "
                                "page: the currency box); later imports use the store's currency."))
        result.notices.append(_("The file names no currency; its amounts are taken as {currency}, the default "
                                "store currency.", currency=config.DEFAULT_CURRENCY))
        result.currency = config.DEFAULT_CURRENCY
        return
    if store_code is None:
        result.store_changes["currency"] = file_code
        result.store_reasons["currency"] = evidence.source or _("your choice")
        result.currency = file_code
        if rate != 1.0:
            raise IngestError(_("A conversion rate was given, but the store has no currency yet: import without "
                                "--fx-rate (the file's currency becomes the store's)."))
        return
    if file_code is None or file_code == store_code:
        result.currency = store_code
        if rate != 1.0:
            raise IngestError(_("A conversion rate was given, but the amounts are already in the store's currency "
                                "({currency}); nothing was imported.", currency=store_code))
        return
    if rate == 1.0:
        raise IngestError(_("The file's amounts are in {file} (from {source}) but the store's currency is {store}; "
                            "nothing was imported. To convert, give the rate: --fx-rate R where 1 {file} = R {store} "
                            "(on the Upload page: the rate box).", file=file_code,
                            source=evidence.source or _("your choice"), store=store_code))
    result.currency = store_code
    result.notices.append(_("Amounts were converted from {file} to {store} at 1 {file} = {rate} {store}.",
                            file=file_code, store=store_code, rate=format(rate, "g")))


def _store_notices(result: ImportResult) -> None:
    """Say which store settings this import set (or would set, when nothing was written)."""
    sentences = {  # whole sentences: (written, not written yet)
        "currency": (N_("The store's currency is {value} from now on (from {why}); every amount is shown in it."),
                     N_("The store's currency will be {value} (from {why}) once a file is imported.")),
        "timezone": (N_("The store's time zone is {value} from now on (from {why}); change it with --timezone."),
                     N_("The store's time zone will be {value} (from {why}) once a file is imported."))}
    for key, value in result.store_changes.items():
        written, pending = sentences[key]
        why = result.store_reasons.get(key) or _("your choice")
        message = written if result.status == "imported" else pending
        result.notices.append(_(message, value=str(value), why=why))


def _settle_store(cur, result: ImportResult) -> None:
    """Write the store settings this import decided (only when it is written)."""
    if "currency" in result.store_changes:
        config.set_store_currency(cur, result.store_changes["currency"])


def _identity_warning(cur, plan: Plan, result: ImportResult) -> None:
    """Warn when no customer has a second order while the file has another customer-id column."""
    if not plan.mapping.get("customer_id") or len(result.identity_candidates) < 2:
        return
    orders, repeat = cur.execute("SELECT count(*), (SELECT count(*) FROM (SELECT customer_id FROM ingest_orders "
                                 "WHERE NOT bad AND customer_id IS NOT NULL GROUP BY 1 HAVING count(*) > 1)) "
                                 "FROM ingest_orders WHERE NOT bad AND customer_id IS NOT NULL").fetchone()
    if orders >= 10 and repeat == 0:
        others = [c for c in result.identity_candidates if c != plan.mapping["customer_id"]]
        result.notices.append(f"No customer has a second order in this file by column "
                              f"{plan.mapping['customer_id']!r}: the repurchase rate will be 0. If "
                              f"{', '.join(repr(o) for o in others)} identifies the person, map it as the customer "
                              f"(--map customer_id=...).")


def _existing_keys(cur, plan: Plan) -> int:
    kind = get_kind(plan.kind)
    key = ("order_id",) if kind.name == "orders" else (("supplier_id",) if kind.name == "suppliers" else kind.key)
    if not key:
        return 0
    on = " AND ".join(f"t.{k} = n.{k}" for k in key)
    return int(cur.execute(
        f"SELECT count(*) FROM {kind.table} t WHERE EXISTS (SELECT 1 FROM ingest_typed n "
        f"WHERE n._errors IS NULL AND {on})").fetchone()[0])


def undo_import(con: duckdb.DuckDBPyConnection, import_id: int) -> load.UndoResult:
    """Undo an import in one transaction (bumps the data version); UndoRefused says why it cannot."""
    undone: list[load.UndoResult] = []

    def wrote_order_data() -> bool:
        return bool(undone) and derived.touches_sources(undone[0].removed, undone[0].restored)

    with exclusive(con):
        with db.transaction(con, sales_data=wrote_order_data) as cur:
            before = derived.source_counts(cur)
            kind = cur.execute("SELECT kind FROM imports WHERE import_id = $id", {"id": int(import_id)}).fetchone()
            orders = bool(kind) and kind[0] == "orders" and not load.later_overwrites(cur, int(import_id))
            if orders:  # both versions of its orders are in the database until the undo runs
                derived.capture_orders(cur, int(import_id))
            undone.append(load.undo(cur, int(import_id)))
            if wrote_order_data():
                derived.record_change(cur, before, int(import_id), "undo", captured=orders)
    return undone[0]


def list_imports(con: duckdb.DuckDBPyConnection, limit: int = 200) -> pd.DataFrame:
    """Return the imports log, newest first."""
    return db.query_df(con, """
        SELECT import_id, imported_at, kind, file_name, rows_read, rows_loaded, rows_rejected, imported_by, status,
               undone_at, note, file_hash
        FROM imports ORDER BY import_id DESC LIMIT $n""", {"n": int(limit)})


def preview(path: str | os.PathLike, kind: str | None = None, mapping: dict | None = None, rows: int = 20,
            file_name: str | None = None, columns: list[str] | None = None) -> tuple[Proposal, pd.DataFrame, Source]:
    """Return the proposed kind/mapping and the first rows of the file as text (for the Upload page).

    Bounded like an import: a workbook is measured first and read by a memory-capped child process, decompression
    is capped, and any reading error is an IngestError (the page shows it), never a traceback.
    """
    source = prepare(path, file_name=file_name, hashing="skip", columns=columns)  # a preview needs no file identity
    try:
        con = duckdb.connect(":memory:", config={"autoinstall_known_extensions": False,
                                                 "autoload_known_extensions": False})
        try:
            staged = stage(con, source, limit=rows)
            proposal = detect.propose(source.headers, kind)
            try:
                if not con.execute("SELECT count(*) FROM ingest_raw").fetchone()[0]:
                    raise IngestError(_("The file has a header row but no data rows."))
            except duckdb.Error as exc:
                raise stage_csv_error(exc) from exc
            if mapping:
                detect.merge_mapping(proposal, dict(mapping), source.headers)
            try:
                frame = con.execute(f"SELECT {', '.join(staged.columns)} FROM ingest_raw LIMIT {int(rows)}").df()
            except duckdb.Error as exc:
                raise stage_csv_error(exc) from exc
            frame.columns = staged.headers
            return proposal, frame, source
        finally:
            con.close()
    finally:
        source.cleanup()

