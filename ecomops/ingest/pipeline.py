"""The import pipeline: file -> encoding/delimiter -> kind + mapping -> validation -> one-transaction load.

Everything after reading the file runs inside one ``db.transaction`` on one cursor (the staging tables are
temporary tables of that cursor): a rejected file, a dry run or any error rolls back, so the database is either
unchanged or holds the whole import; a committed import bumps the data version. Parsing and validation are SQL
over a staging table that DuckDB's ``read_csv`` filled, so memory stays flat for files of millions of rows.
"""
from __future__ import annotations

import getpass
import json
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from typing import TYPE_CHECKING

import duckdb

from ecomops import db, derived
from ecomops.ingest import detect, load, validate
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

    @property
    def ok(self) -> bool:
        """Return True when the import was written or would be (dry run without problems)."""
        return self.status in ("imported", "already_imported") or (self.status == "dry_run" and not self.rows_rejected)

    @property
    def errors(self) -> list[str]:
        """Return one line per problem."""
        return [p.describe() for p in self.problems]

    def summary(self) -> str:
        """Return a one-paragraph human summary."""
        if self.status == "already_imported":
            prev = self.previous_import or {}
            return (f"{self.file_name} was already imported on {prev.get('imported_at')} as import "
                    f"#{prev.get('import_id')} ({prev.get('rows_loaded')} rows); nothing written.")
        tables = ", ".join(f"{t} +{n}" for t, n in self.inserted.items() if n)
        updated = ", ".join(f"{t} {n}" for t, n in self.updated.items() if n)
        head = {"imported": f"Imported {self.rows_imported:,} rows as {self.kind} (import #{self.import_id})",
                "rejected": f"Nothing imported: {self.rows_rejected:,} of {self.rows_read:,} rows are invalid",
                "dry_run": f"Dry run: {self.rows_valid:,} of {self.rows_read:,} rows valid as {self.kind}"}[self.status]
        extra = (f"; tables: {tables}" if tables else "") + (f"; replaced: {updated}" if updated else "")
        if self.status == "imported" and self.rows_rejected:
            extra += f"; {self.rows_rejected:,} invalid rows skipped"
        return head + extra + "."

    def as_dict(self) -> dict:
        """Return the machine-readable summary printed by ``--json``."""
        return {"kind": self.kind, "status": self.status, "file": self.file_name, "profile": self.profile,
                "rows_read": self.rows_read, "rows_imported": self.rows_imported,
                "rows_rejected": self.rows_rejected, "import_id": self.import_id, "errors": self.errors,
                "problems": [p.as_dict() for p in self.problems], "notices": self.notices,
                "mapping": self.mapping, "inserted": self.inserted, "updated": self.updated,
                "encoding": self.encoding, "delimiter": self.delimiter, "rejects_path": self.rejects_path,
                "previous_import": self.previous_import, "seconds": round(self.seconds, 3)}


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


def _plan_for(source: Source, kind: str | None, mapping: dict | None, options: dict | None) -> tuple[Plan, Proposal]:
    proposal = detect.propose(source.headers, kind)
    if mapping:
        replace_all = bool(mapping.pop("__replace__", False)) if isinstance(mapping, dict) else False
        if replace_all:
            proposal.mapping = {}
        detect.merge_mapping(proposal, mapping, source.headers)
    if options:
        proposal.options.update(options)
    if proposal.missing_required:
        k = get_kind(proposal.kind)
        missing = ", ".join(f"{m} ({k.field(m).describe()})" for m in proposal.missing_required)
        guess = "" if kind else f" It looks most like {proposal.kind} data."
        raise IngestError(
            f"Cannot import as {proposal.kind}: no column for {missing}.{guess} The file's columns are: "
            f"{', '.join(source.headers)}. Map them with --map field=column (or on the Upload page).")
    return Plan(kind=proposal.kind, mapping=proposal.mapping, options=proposal.options, profile=proposal.profile), proposal


def import_file(con: duckdb.DuckDBPyConnection, path: str | os.PathLike, kind: str | None = None,
                mapping: dict | None = None, accept_valid: bool = False, progress: Progress | None = None,
                dry_run: bool = False, force: bool = False, options: dict | None = None,
                rejects_path: str | os.PathLike | None = None, file_name: str | None = None,
                imported_by: str | None = None) -> ImportResult:
    """Import one file; return what happened. Nothing is written unless every row is valid or ``accept_valid``.

    ``mapping`` (field -> column, or a list of columns to sum) corrects the detected mapping; ``kind`` skips kind
    detection. A file whose hash matches an active import is not imported again unless ``force``. Rejected rows
    go to ``rejects_path`` (else a temp file) as CSV with a ``reason`` column. Raises IngestError (or
    FileNotFoundError) when the file cannot be read at all.
    """
    started = time.perf_counter()
    report = progress or (lambda _f, _m: None)
    # The file's SHA-256 is computed on a second thread while DuckDB reads the file (0.2-0.3 s less for a 380 MB
    # file); "already imported" is therefore decided once the rows are read, and the transaction rolled back.
    source = prepare(path, file_name=file_name, progress=report, hashing="background")
    try:
        result = ImportResult(status="dry_run", file_name=source.file_name, encoding=source.encoding,
                              delimiter=source.delimiter)
        result.notices.extend(source.notes)
        try:
            # The sales version (which the summary tables follow) moves only when order data were written: an
            # import of ad spend or traffic leaves them fresh (rebuilding them all took 27 s at 1M customers).
            with db.transaction(con, sales_data=lambda: derived.touches_sources(result.inserted,
                                                                                result.updated)) as cur:
                _run(cur, con, source, kind, mapping, options, accept_valid, dry_run, force, rejects_path,
                     imported_by, result, report)
        except _Rollback:
            pass
        result.seconds = time.perf_counter() - started
        report(1.0, result.summary())
        return result
    finally:
        source.cleanup()


def _run(cur, con, source: Source, kind, mapping, options, accept_valid, dry_run, force, rejects_path, imported_by,
         result: ImportResult, report: Progress) -> None:
    report(0.2, "Reading the columns")
    staged = stage(cur, source)
    result.headers = list(staged.headers)
    plan, proposal = _plan_for(source, kind, dict(mapping) if mapping else None, options)
    result.kind, result.profile, result.mapping, result.options = plan.kind, plan.profile, plan.mapping, plan.options
    report(0.4, f"Reading and checking the rows as {plan.kind}")
    styles = validate.build_typed(cur, plan, staged, source.digest)
    result.file_hash = source.digest()
    prev = previous_import(con, result.file_hash)
    if prev and not force and not dry_run:
        result.status = "already_imported"
        result.previous_import = prev
        result.kind = prev.get("kind", "")
        raise _Rollback()
    if prev:
        result.previous_import = prev
        result.notices.append(f"This file was already imported on {prev['imported_at']} as import "
                              f"#{prev['import_id']}; importing it again replaces the same rows (no duplicates).")
    result.rows_read = staged.rows
    if any(s.ambiguous_dates for s in styles.values()):
        result.notices.append("Dates like 3/5/2024 were read month first (March 5); if they are day first, "
                              "set the date order to day/month.")
    if any(s.decimal_comma for s in styles.values()):
        result.notices.append("Numbers use a decimal comma (1.234,50 = 1234.50).")
    result.rows_valid, result.rows_rejected = validate.count_valid(cur)
    result.problems = validate.problems(cur, plan, staged)
    result.existing_keys = _existing_keys(cur, plan)
    if result.existing_keys:
        result.notices.append(f"{result.existing_keys:,} {get_kind(plan.kind).table} rows already in the database "
                              "will be replaced by this file's version (undo restores them).")
    if result.rows_rejected:
        target = Path(rejects_path) if rejects_path else Path(tempfile.mkdtemp(prefix="ecomops-rejects-")) / (
            Path(source.file_name).name.split(".")[0] + "_rejected.csv")
        validate.write_rejects(cur, staged, target)
        result.rejects_path = str(target)
    if dry_run:
        result.status = "dry_run"
        raise _Rollback()
    if result.rows_rejected and not accept_valid:
        result.status = "rejected"
        raise _Rollback()
    if result.rows_valid == 0:
        result.status = "rejected"
        raise _Rollback()
    report(0.7, f"Writing {result.rows_valid:,} rows")
    # The sequence, but never an id already used by rows written without it (demo data, tests).
    import_id = int(cur.execute("SELECT greatest(nextval('import_id_seq'), "
                                "(SELECT coalesce(max(import_id), 0) + 1 FROM imports))").fetchone()[0])
    stats = load.load(cur, plan, import_id)
    result.import_id = import_id
    result.inserted, result.updated = stats.inserted, stats.updated
    result.rows_imported = result.rows_valid
    result.status = "imported"
    details = {"inserted": stats.inserted, "updated": stats.updated, "profile": plan.profile,
               "encoding": source.encoding, "problems": [p.as_dict() for p in result.problems][:50]}
    cur.execute(
        "INSERT INTO imports (import_id, kind, file_name, file_hash, rows_loaded, rows_rejected, imported_by, "
        "mapping, note, rows_read, details) VALUES ($id, $kind, $name, $hash, $loaded, $rejected, $by, $mapping, "
        "$note, $read, $details)",
        {"id": import_id, "kind": plan.kind, "name": source.file_name, "hash": result.file_hash,
         "loaded": result.rows_imported, "rejected": result.rows_rejected,
         "by": imported_by or _user(), "mapping": json.dumps({"mapping": plan.mapping, "options": plan.options},
                                                              ensure_ascii=False),
         "note": result.summary(), "read": result.rows_read, "details": json.dumps(details, ensure_ascii=False,
                                                                                     default=str)})


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "unknown"


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

    with db.transaction(con, sales_data=wrote_order_data) as cur:
        undone.append(load.undo(cur, int(import_id)))
        return undone[0]


def list_imports(con: duckdb.DuckDBPyConnection, limit: int = 200) -> pd.DataFrame:
    """Return the imports log, newest first."""
    return db.query_df(con, """
        SELECT import_id, imported_at, kind, file_name, rows_read, rows_loaded, rows_rejected, imported_by, status,
               undone_at, note, file_hash
        FROM imports ORDER BY import_id DESC LIMIT $n""", {"n": int(limit)})


def preview(path: str | os.PathLike, kind: str | None = None, mapping: dict | None = None, rows: int = 20,
            file_name: str | None = None) -> tuple[Proposal, pd.DataFrame, Source]:
    """Return the proposed kind/mapping and the first rows of the file as text (for the Upload page)."""
    source = prepare(path, file_name=file_name, hashing="skip")  # a preview needs no file identity
    try:
        con = duckdb.connect(":memory:", config={"autoinstall_known_extensions": False,
                                                 "autoload_known_extensions": False})
        try:
            staged = stage(con, source, limit=rows)
            proposal = detect.propose(source.headers, kind)
            try:
                if not con.execute("SELECT count(*) FROM ingest_raw").fetchone()[0]:
                    raise IngestError("The file has a header row but no data rows.")
            except duckdb.Error as exc:
                raise stage_csv_error(exc) from exc
            if mapping:
                detect.merge_mapping(proposal, dict(mapping), source.headers)
            frame = con.execute(f"SELECT {', '.join(staged.columns)} FROM ingest_raw LIMIT {int(rows)}").df()
            frame.columns = staged.headers
            return proposal, frame, source
        finally:
            con.close()
    finally:
        source.cleanup()

