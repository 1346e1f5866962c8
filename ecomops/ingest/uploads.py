"""Helpers for the Upload page (no Streamlit here): keep uploaded bytes in a temp file, describe fields and results
as plain data the page can render."""
from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

import pandas as pd

import duckdb

from ecomops import config
from ecomops.i18n import _
from ecomops.ingest.kinds import KINDS, get_kind
from ecomops.ingest.pipeline import ImportResult
from ecomops.ingest.statuses import MODEL_STATUSES

UPLOAD_DIR = Path(tempfile.gettempdir()) / "ecomops-uploads"
NONE = "(not in file)"


def save_upload(name: str, data: bytes) -> Path:
    """Write uploaded bytes to a temp file named after their hash (same bytes -> same file); return its path."""
    UPLOAD_DIR.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(data).hexdigest()[:16]
    safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in Path(name).name)[-80:] or "upload"
    path = UPLOAD_DIR / f"{digest}-{safe}"
    if not path.exists():
        path.write_bytes(data)
    return path


def kind_choices() -> dict[str, str]:
    """Return kind name -> label, for a select box."""
    return {name: kind.label for name, kind in KINDS.items()}


def field_rows(kind: str, mapping: dict) -> list[dict]:
    """Return one row per field of the kind: name, label, required, the mapped column (or NONE), summed columns."""
    rows = []
    for fld in get_kind(kind).fields:
        source = mapping.get(fld.name)
        rows.append({"field": fld.name, "label": fld.describe(), "required": fld.required,
                     "column": source if isinstance(source, str) and source else NONE,
                     "sum_of": source if isinstance(source, list) else None})
    return sorted(rows, key=lambda r: not r["required"])


def mapping_from_choices(choices: dict[str, str], summed: dict[str, list]) -> dict:
    """Return a mapping (field -> column) from select-box choices, keeping multi-column sums not overridden."""
    mapping: dict = {}
    for field, column in choices.items():
        if column and column != NONE:
            mapping[field] = column
        elif summed.get(field):
            mapping[field] = summed[field]
    return mapping


def problems_frame(result: ImportResult) -> pd.DataFrame:
    """Return the validation problems as a table in the current language: field (and its column), problem, rows,
    example rows (with values), what to do."""
    headers = {"field": _("Field"), "problem": _("Problem"), "rows": _("Rows"), "examples": _("Example rows"),
               "fix": _("What to do")}
    records = [{headers[k]: v for k, v in p.shown().items()} for p in result.problems]
    return pd.DataFrame(records, columns=list(headers.values()))


def rejects_bytes(result: ImportResult) -> bytes | None:
    """Return the rejected rows CSV (with a reason column) of a result, or None."""
    if result.rejects_path and Path(result.rejects_path).exists():
        return Path(result.rejects_path).read_bytes()
    return None


FROM_FILE = "(as the file says)"
CURRENCIES = (FROM_FILE, "CNY", "USD", "EUR", "GBP", "JPY", "HKD", "INR", "BRL", "AUD", "CAD", "SGD", "KRW", "TWD")
STATUS_CHOICES = MODEL_STATUSES


def currency_choices(con: duckdb.DuckDBPyConnection) -> tuple[list[str], str]:
    """Return the currency choices for an import and the store's currency ('' when it has none yet)."""
    code = config.store_currency(con) if config.store_currency_is_set(con) else ""
    return list(CURRENCIES), code


def chosen_currency(choice: str | None) -> str | None:
    """Return the currency code the user chose, or None for "as the file says"."""
    return None if not choice or choice == FROM_FILE else choice


def column_names(text: str | None) -> list[str] | None:
    """Return the column names typed for a file without a header row ("a, b, c"), or None."""
    names = [n.strip() for n in (text or "").split(",") if n.strip()]
    return names or None


def unknown_status_rows(result: ImportResult) -> list[dict]:
    """Return one row per unknown status word: word, rows, and a proposed status (the user confirms it)."""
    return [{"word": w, "rows": n} for w, n in result.unknown_statuses.items()]
