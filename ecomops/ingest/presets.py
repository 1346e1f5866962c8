"""Named column-mapping presets, so a recurring export maps itself next time (table ``mapping_presets``)."""
from __future__ import annotations

import json
from typing import TYPE_CHECKING

import duckdb

from ecomops import db
from ecomops.ingest.kinds import get_kind

if TYPE_CHECKING:
    import pandas as pd


def save_preset(con: duckdb.DuckDBPyConnection, name: str, kind: str, mapping: dict, options: dict | None = None) -> None:
    """Save (or replace) a preset: the kind, field -> column mapping and options."""
    name = (name or "").strip()
    if not name:
        raise ValueError("a preset needs a name")
    kind = get_kind(kind).name
    payload = json.dumps({"mapping": mapping, "options": options or {}}, ensure_ascii=False)
    with db.transaction(con, sales_data=False) as cur:
        cur.execute("INSERT INTO mapping_presets (name, kind, mapping) VALUES ($n, $k, $m) "
                    "ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, mapping = excluded.mapping, "
                    "created_at = now()", {"n": name, "k": kind, "m": payload})


def load_preset(con: duckdb.DuckDBPyConnection, name: str) -> tuple[str, dict, dict]:
    """Return (kind, mapping, options) of a preset; ValueError naming the saved presets when unknown."""
    row = db.query_one(con, "SELECT kind, mapping FROM mapping_presets WHERE name = $n", {"n": name})
    if row is None:
        names = list_presets(con)["name"].tolist()
        raise ValueError(f"no mapping preset named {name!r}" + (f"; saved presets: {', '.join(names)}" if names else ""))
    payload = json.loads(row[1])
    if "mapping" not in payload:  # a bare field -> column mapping
        payload = {"mapping": payload, "options": {}}
    return row[0], payload["mapping"], payload.get("options") or {}


def list_presets(con: duckdb.DuckDBPyConnection, kind: str | None = None) -> pd.DataFrame:
    """Return the saved presets (name, kind, created_at), optionally of one kind."""
    if kind:
        return db.query_df(con, "SELECT name, kind, created_at FROM mapping_presets WHERE kind = $k ORDER BY name",
                           {"k": get_kind(kind).name})
    return db.query_df(con, "SELECT name, kind, created_at FROM mapping_presets ORDER BY name")


def delete_preset(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Delete a preset (no error when it does not exist)."""
    with db.transaction(con, sales_data=False) as cur:
        cur.execute("DELETE FROM mapping_presets WHERE name = $n", {"n": name})
