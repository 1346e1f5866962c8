"""Event logs: page views, favourites, add-to-cart, checkouts and purchases (migration 881), 100M events at a time.

A log is not loaded row by row through the typed staging table of the other kinds (that would hold 100M rows of
text twice); it is read by DuckDB's reader in three streaming passes inside the import's transaction:

1. counts: rows, unreadable ones (no time, visitor or event), the time range, whether the ids are plain numbers,
   and the distinct event names, channels and devices (capped: a log has tens, not thousands);
2. dictionary keys for ids that are not plain numbers (GA4's ``user_pseudo_id``, e-mails); plain-number ids (the
   Taobao/Tianchi log) are their own key, so a 100M-event Tianchi log needs no join at all;
3. the insert, every column an integer (``events``), then the daily summaries of the days it touched.

A rejected log leaves nothing (the transaction rolls back). Overlapping logs never count an event twice: where the
new log's time range meets stored events, each (time, visitor, event, item) is inserted only as many times as it
occurs beyond what is stored. Event names map to funnel steps (:data:`STEPS`, editable in ``event_names``).
"""
from __future__ import annotations

import tempfile
from pathlib import Path

import duckdb

from ecomops.ingest import dates as date_rules
from ecomops.ingest import parse
from ecomops.ingest.sniff import IngestError
from ecomops.ingest.validate import Plan, Problem, write_rejects

NUMERIC_LIMIT = 2 ** 40  # plain-number ids below this are their own key; dictionary keys start here
SAMPLE_ROWS = 200_000  # the date decision's evidence (the whole log is then checked against it)
MAX_NAMES = 1_000  # distinct event names, channels or devices a log may have
MAX_GROUPS = 100_000  # combinations of them
CHEAP = parse.ColumnStyle(full_trim=False)
STEPS = {
    "visit": ("visit", "session_start", "first_visit", "page_view", "pageview", "screen_view", "user_engagement",
              "scroll", "session", "访问", "进店"),
    "view": ("pv", "view", "views", "view_item", "item_view", "product_view", "detail", "detail_view",
             "view_product", "click", "select_item", "浏览", "点击"),
    "favorite": ("fav", "favorite", "favourite", "collect", "add_to_wishlist", "wishlist", "like", "收藏"),
    "cart": ("cart", "add_to_cart", "addtocart", "add-to-cart", "加购", "加入购物车"),
    "checkout": ("checkout", "begin_checkout", "add_payment_info", "add_shipping_info", "initiate_checkout",
                 "下单", "结算", "提交订单"),
    "purchase": ("buy", "purchase", "order", "paid", "transaction", "ecommerce_purchase", "order_completed",
                 "购买", "支付", "付款", "成交"),
}
_STEP_OF = {word: step for step, words in STEPS.items() for word in words}
ID_DIMS = ("visitor", "item", "category")
LABEL_DIMS = ("channel", "device")
FIELD_OF = {"visitor": "visitor_id", "item": "item_id", "category": "category", "channel": "channel",
            "device": "device"}


def step_of(name: str) -> str:
    """Return the funnel step of an event name (other when unknown)."""
    return _STEP_OF.get((name or "").strip().lower().replace(" ", "_"), "other")


def _numeric(expr: str) -> str:
    """Return a condition: the text is a canonical whole number below NUMERIC_LIMIT (no leading zeros)."""
    return (f"coalesce(CAST(TRY_CAST({expr} AS UBIGINT) AS VARCHAR) = {expr} "
            f"AND TRY_CAST({expr} AS UBIGINT) < {NUMERIC_LIMIT}, false)")


def run(cur: duckdb.DuckDBPyConnection, con, source, staged, plan: Plan, request, result, report, log_import,
        rollback: type[Exception]) -> None:
    """Import an event log (inside the caller's transaction); fill ``result``; raise ``rollback`` to write
    nothing (rejected, dry run, already imported)."""
    mapping = plan.mapping

    # Machine-written logs rarely pad their values: columns whose first rows have no space at either end are only
    # blank-checked (a 100M-event log pays for every function on every row); the others are trimmed.
    mapped = {f: staged.column_of(src) for f, src in mapping.items() if src and not isinstance(src, list)}
    tests = ", ".join(f"count(*) FILTER (WHERE {c} LIKE ' %' OR {c} LIKE '% ' OR ascii({c}) IN (9, 160, 12288))"
                      for c in mapped.values())
    padded = dict(zip(mapped, cur.execute(f"SELECT {tests} FROM (SELECT * FROM ingest_file LIMIT {SAMPLE_ROWS})"
                                          ).fetchone())) if mapped else {}

    def column(field: str) -> str | None:
        col = mapped.get(field)
        if col is None:
            return None
        return parse.clean_column(col, CHEAP) if padded.get(field) else f"nullif({col}, '')"

    ts_src = staged.column_of(mapping["event_ts"])
    report(0.25, "Deciding how the event times are written")
    cur.execute("DROP TABLE IF EXISTS ev_sample")
    cur.execute(f"CREATE TEMP TABLE ev_sample AS SELECT {ts_src} AS c FROM ingest_file LIMIT {SAMPLE_ROWS}")
    # (The date decision reads this sample: a log is checked against it row by row, and a time written otherwise
    # is reported, never misread.)
    order = plan.options.get("date_order") if plan.options.get("date_order") in ("dmy", "mdy") else None
    style = date_rules.decide_columns(cur, "ev_sample", {"c": parse.clean_text("c")}, order)["c"]
    style = style.with_zones(plan.to_zone, plan.from_zone)
    if style.label:
        result.date_formats["event_ts"] = style.label
    exprs = {"ts": date_rules.timestamp_sql(column("event_ts"), style), "visitor": column("visitor_id"),
             "name": column("event_type")}
    for dim in ("item", "category", *LABEL_DIMS):
        exprs[dim] = column(FIELD_OF[dim]) or "CAST(NULL AS VARCHAR)"
    last = staged.columns[-1]
    short = f"{last} IS NULL" if len(staged.columns) > 1 else "false"
    reasons = {
        "event_ts: not a date/time": "ts IS NULL AND ts_text IS NOT NULL",
        "event_ts: missing": "ts_text IS NULL",
        "event_ts: in the future": "ts > current_localtimestamp() + INTERVAL 1 DAY",
        "event_ts: before 1990": "ts < TIMESTAMP '1990-01-01'",
        "visitor_id: missing": "visitor IS NULL",
        "event_type: missing": "name IS NULL",
        "row: more fields than the header": "_extra IS NOT NULL",
        "row: fewer fields than the header": "_short",
    }
    bad = " OR ".join(f"coalesce({c}, false)" for c in reasons.values())
    select = ", ".join(f"{e} AS {k}" for k, e in exprs.items())
    cur.execute("DROP VIEW IF EXISTS ev_rows")
    cur.execute("DROP VIEW IF EXISTS ev_values")
    cur.execute(f"CREATE TEMP VIEW ev_values AS SELECT {select} FROM ingest_file")
    cur.execute(f"CREATE TEMP VIEW ev_rows AS SELECT *, ({bad}) AS _bad FROM ("
                f"SELECT {select}, {column('event_ts')} AS ts_text, _extra, {short} AS _short FROM ingest_file)")

    report(0.3, "Reading the events (1 of 3): counts, time range and names")
    numeric = ", ".join(f"bool_and({_numeric(k)}) FILTER (WHERE NOT _bad AND {k} IS NOT NULL)" for k in ID_DIMS)
    # One scan: per (event name, channel, device) the counts, time range and whether the ids are plain numbers.
    try:
        groups = cur.execute(
            f"SELECT name, channel, device, count(*), count(*) FILTER (WHERE _bad), min(ts) FILTER (WHERE NOT _bad), "
            f"max(ts) FILTER (WHERE NOT _bad), count(*) FILTER (WHERE NOT _bad), {numeric} "
            f"FROM ev_rows GROUP BY ALL LIMIT {MAX_GROUPS + 1}").fetchall()
    except duckdb.Error as exc:
        from ecomops.ingest.stage import csv_error

        raise csv_error(exc) from exc
    if len(groups) > MAX_GROUPS:
        raise IngestError(f"The log has more than {MAX_GROUPS:,} combinations of event name, channel and device: are "
                          f"the columns right (event: {mapping.get('event_type')!r})? Map them with --map.")
    total = sum(g[3] for g in groups)
    n_bad = sum(g[4] for g in groups)
    lows = [g[5] for g in groups if g[5] is not None]
    highs = [g[6] for g in groups if g[6] is not None]
    lo, hi = (min(lows), max(highs)) if lows else (None, None)
    is_numeric = [all(g[8 + i] is not False for g in groups) for i in range(len(ID_DIMS))]
    if not total:
        raise IngestError("The file has no data rows.")
    numeric_dims = {d for d, flag in zip(ID_DIMS, is_numeric) if flag}
    values: dict[str, dict] = {"name": {}, "channel": {}, "device": {}}
    for g in groups:
        for dim, value in zip(("name", "channel", "device"), g[:3]):
            if value is not None and g[7]:
                values[dim][value] = values[dim].get(value, 0) + int(g[7])
    for dim, found in values.items():
        if len(found) > MAX_NAMES:
            label = "event names" if dim == "name" else f"{dim}s"
            raise IngestError(f"The log has more than {MAX_NAMES:,} distinct {label} (e.g. {next(iter(found))!r}): is "
                              f"the column {mapping.get('event_type' if dim == 'name' else dim)!r} right? Map the "
                              "event column with --map event_type=COLUMN.")
    result.rows_read = int(total)
    result.rows_rejected = int(n_bad)
    result.rows_valid = int(total) - int(n_bad)
    steps = {name: step_of(name) for name in values["name"]}
    result.event_steps = {name: (steps[name], n) for name, n in values["name"].items()}
    other = [n for n, s in steps.items() if s == "other"]
    if other:
        result.notices.append(f"Event names outside the funnel (counted in UV only): {', '.join(other[:10])}"
                              + (" ..." if len(other) > 10 else "") + ". Map them in the table event_names.")
    if n_bad:
        result.problems = _problems(cur, reasons, staged, mapping)
        target = Path(request.rejects_path) if request.rejects_path else Path(tempfile.mkdtemp(
            prefix="ecomops-rejects-")) / (Path(source.file_name).name.split(".")[0] + "_rejected.csv")
        _write_rejects(cur, staged, reasons, target)
        result.rejects_path = str(target)
    result.file_hash = source.digest()
    from ecomops.ingest.pipeline import previous_import

    prev = previous_import(con, result.file_hash)
    if prev and not request.force and not request.dry_run:
        result.status, result.previous_import, result.kind = "already_imported", prev, prev.get("kind", "")
        raise rollback()
    if request.dry_run:
        result.status = "dry_run"
        raise rollback()
    if (n_bad and not request.accept_valid) or not result.rows_valid:
        result.status = "rejected"
        raise rollback()

    from ecomops.ingest.pipeline import _next_import_id

    import_id = _next_import_id(cur)
    report(0.45, "Reading the events (2 of 3): keys for the ids")
    keys = {}
    for dim in ID_DIMS:
        if exprs[dim].startswith("CAST(NULL"):
            keys[dim] = "CAST(NULL AS UBIGINT)"
        elif dim in numeric_dims:
            keys[dim] = f"CAST({dim} AS UBIGINT)"
        else:
            _add_keys(cur, dim, f"SELECT DISTINCT {dim} AS v FROM ev_rows WHERE NOT _bad AND {dim} IS NOT NULL")
            keys[dim] = f"k_{dim}.key"
    for dim in LABEL_DIMS:
        if values[dim]:
            _add_keys(cur, dim, "SELECT unnest($v) AS v", {"v": list(values[dim])})
            keys[dim] = f"k_{dim}.key"
        else:
            keys[dim] = "CAST(NULL AS UBIGINT)"
    name_keys = {}
    for name, step in steps.items():
        row = cur.execute("SELECT event_key FROM event_names WHERE name = $n", {"n": name}).fetchone()
        if row is None:
            key = cur.execute("SELECT coalesce(max(event_key), 0) + 1 FROM event_names").fetchone()[0]
            cur.execute("INSERT INTO event_names VALUES ($k, $n, $s)", {"k": key, "n": name, "s": step})
        else:
            key = row[0]
        name_keys[name] = int(key)
    # A few names: a constant CASE, cheaper than a join on every row.
    event_key = ("CAST((CASE r.name " + " ".join(f"WHEN {parse.sql_str(n)} THEN {k}" for n, k in name_keys.items())
                 + " END) AS USMALLINT)")
    joins = " ".join(f"LEFT JOIN event_dictionary k_{d} ON k_{d}.dim = '{d}' AND k_{d}.value = r.{d}"
                     for d in (*ID_DIMS, *LABEL_DIMS) if keys[d] == f"k_{d}.key")
    # Without invalid rows there is nothing to filter: the filter would compute every expression twice.
    where = "WHERE NOT r._bad" if n_bad else ""
    rows_sql = (f"SELECT r.ts AS event_ts, {keys['visitor']} AS visitor_key, {event_key} AS event_key, "
                f"{keys['item']} AS item_key, {keys['category']} AS category_key, {keys['channel']} AS channel_key, "
                f"{keys['device']} AS device_key, CAST({import_id} AS INTEGER) AS import_id "
                f"FROM {'ev_rows' if n_bad else 'ev_values'} r {joins} {where}")
    report(0.6, f"Reading the events (3 of 3): writing {result.rows_valid:,} events")
    overlap = cur.execute("SELECT count(*) FROM events WHERE event_ts BETWEEN $lo AND $hi",
                          {"lo": lo, "hi": hi}).fetchone()[0]
    if overlap:
        inserted = _insert_without_repeats(cur, rows_sql, lo, hi)
        skipped = result.rows_valid - inserted
        if skipped:
            result.notices.append(f"{skipped:,} events were already stored (an overlapping log) and were not "
                                  "counted again.")
    else:
        inserted = cur.execute(f"INSERT INTO events {rows_sql}").fetchone()[0]
    report(0.85, "Summing the events per day")
    refresh_daily(cur, lo, hi)
    result.import_id = import_id
    result.rows_imported = int(inserted)
    result.inserted = {"events": int(inserted)}
    result.status = "imported"
    log_import(cur, plan, source, result, request)


def _add_keys(cur: duckdb.DuckDBPyConnection, dim: str, distinct_sql: str, params: dict | None = None) -> None:
    """Give the values of ``distinct_sql`` (column v) that have no key of ``dim`` yet the next dictionary keys."""
    cur.execute(f"""
        INSERT INTO event_dictionary (dim, key, value)
        SELECT '{dim}', (SELECT coalesce(max(key) + 1, {NUMERIC_LIMIT}) FROM event_dictionary WHERE dim = '{dim}')
                        + row_number() OVER (ORDER BY v) - 1, v
        FROM ({distinct_sql}) n
        WHERE NOT EXISTS (SELECT 1 FROM event_dictionary d WHERE d.dim = '{dim}' AND d.value = n.v)""", params or {})


def _insert_without_repeats(cur: duckdb.DuckDBPyConnection, rows_sql: str, lo, hi) -> int:
    """Insert the new events beyond the copies already stored (an overlapping log); return how many."""
    cur.execute("DROP TABLE IF EXISTS ev_new")
    cur.execute(f"CREATE TEMP TABLE ev_new AS {rows_sql}")
    same = ("n.event_ts = o.event_ts AND n.visitor_key = o.visitor_key AND n.event_key = o.event_key "
            "AND n.item_key IS NOT DISTINCT FROM o.item_key")
    return cur.execute(f"""
        INSERT INTO events
        SELECT n.* EXCLUDE (k) FROM (
            SELECT *, row_number() OVER (PARTITION BY event_ts, visitor_key, event_key, item_key) AS k FROM ev_new) n
        LEFT JOIN (SELECT event_ts, visitor_key, event_key, item_key, count(*) AS have FROM events
                   WHERE event_ts BETWEEN $lo AND $hi GROUP BY ALL) o ON {same}
        WHERE n.k > coalesce(o.have, 0)""", {"lo": lo, "hi": hi}).fetchone()[0]


def refresh_daily(cur: duckdb.DuckDBPyConnection, lo, hi) -> None:
    """Rebuild the daily summaries (event_daily, event_daily_uv, event_category_daily) for the days lo..hi.

    Distinct visitors are counted in two steps — one row per visitor and day (per channel and device, or per
    category) with a flag and an event count per step, then plain counts over those rows — which is several times
    cheaper than count(DISTINCT ...) per step and keeps memory to one row per visitor-day.
    """
    if lo is None or hi is None:
        return
    params = {"lo": lo, "hi": hi}
    days = "day BETWEEN CAST($lo AS DATE) AND CAST($hi AS DATE)"
    for table in ("event_daily", "event_daily_uv", "event_category_daily", "event_visitor_days"):
        cur.execute(f"DELETE FROM {table} WHERE {days}", params)
    steps = ("visit", "view", "favorite", "cart", "checkout", "purchase", "other")
    flags = ", ".join(f"count(*) FILTER (WHERE n.step = '{st}') AS e_{st}" for st in steps)
    where = ("e.event_ts >= CAST(CAST($lo AS DATE) AS TIMESTAMP) "
             "AND e.event_ts < CAST(CAST($hi AS DATE) AS TIMESTAMP) + INTERVAL 1 DAY")
    cur.execute(f"""
        INSERT INTO event_visitor_days
        SELECT CAST(e.event_ts AS DATE) AS day, e.visitor_key, e.channel_key, e.device_key, count(*) AS events, {flags}
        FROM events e JOIN event_names n ON n.event_key = e.event_key WHERE {where}
        GROUP BY ALL""", params)
    visitor_days = f"(SELECT * FROM event_visitor_days WHERE {days})"
    labels = ("LEFT JOIN event_dictionary ch ON ch.dim = 'channel' AND ch.key = a.channel_key "
              "LEFT JOIN event_dictionary dv ON dv.dim = 'device' AND dv.key = a.device_key")
    cur.execute(f"""
        INSERT INTO event_daily_uv
        SELECT a.day, coalesce(ch.value, 'all'), coalesce(dv.value, 'all'), a.visitors, a.events, a.page_views,
               a.item_views, a.viewers, a.carters, a.checkouters, a.buyers
        FROM (SELECT day, channel_key, device_key, count(*) AS visitors, sum(events) AS events,
                     sum(e_visit + e_view) AS page_views, sum(e_view) AS item_views,
                     count(*) FILTER (WHERE e_view > 0) AS viewers, count(*) FILTER (WHERE e_cart > 0) AS carters,
                     count(*) FILTER (WHERE e_checkout + e_purchase > 0) AS checkouters,
                     count(*) FILTER (WHERE e_purchase > 0) AS buyers
              FROM {visitor_days} GROUP BY ALL) a {labels}""", params)
    per_step = " UNION ALL ".join(
        f"SELECT day, channel_key, device_key, '{st}' AS step, count(*) FILTER (WHERE e_{st} > 0) AS visitors, "
        f"sum(e_{st}) AS events FROM {visitor_days} GROUP BY ALL" for st in steps)
    cur.execute(f"""
        INSERT INTO event_daily
        SELECT a.day, coalesce(ch.value, 'all'), coalesce(dv.value, 'all'), a.step, a.visitors, a.events
        FROM ({per_step}) a {labels} WHERE a.events > 0""", params)
    cur.execute("DROP TABLE IF EXISTS ev_visitor_days")
    cur.execute(f"""
        CREATE TEMP TABLE ev_visitor_days AS
        SELECT CAST(e.event_ts AS DATE) AS day, e.category_key, e.visitor_key, {flags}
        FROM events e JOIN event_names n ON n.event_key = e.event_key
        WHERE {where} AND e.category_key IS NOT NULL GROUP BY ALL""", params)
    per_step = " UNION ALL ".join(
        f"SELECT day, category_key, '{st}' AS step, count(*) FILTER (WHERE e_{st} > 0) AS visitors, "
        f"sum(e_{st}) AS events FROM ev_visitor_days GROUP BY ALL" for st in steps)
    cur.execute(f"""
        INSERT INTO event_category_daily
        SELECT a.day, coalesce(c.value, CAST(a.category_key AS VARCHAR)), a.step, a.visitors, a.events
        FROM ({per_step}) a LEFT JOIN event_dictionary c ON c.dim = 'category' AND c.key = a.category_key
        WHERE a.events > 0""")
    cur.execute("DROP TABLE ev_visitor_days")


def undo_range(cur: duckdb.DuckDBPyConnection, import_id: int) -> tuple | None:
    """Return the (first, last) event time an import wrote, or None (before its events are deleted)."""
    row = cur.execute("SELECT min(event_ts), max(event_ts) FROM events WHERE import_id = $id",
                      {"id": import_id}).fetchone()
    return row if row and row[0] is not None else None


def _problems(cur: duckdb.DuckDBPyConnection, reasons: dict[str, str], staged, mapping: dict) -> list[Problem]:
    """Return one problem per reason with its row count and the first example rows (spreadsheet numbers)."""
    out = []
    numbered = (f"SELECT row_number() OVER () + {int(staged.row_offset) - 1} AS _row, * FROM ev_rows")
    for message, condition in reasons.items():
        n, rows = cur.execute(f"SELECT count(*), list(_row ORDER BY _row)[1:5] FROM ({numbered}) "
                              f"WHERE coalesce({condition}, false)").fetchone()
        if not n:
            continue
        field, _, text = message.partition(": ")
        src = mapping.get({"event_ts": "event_ts", "visitor_id": "visitor_id", "event_type": "event_type"}.get(field, ""))
        label = f"{field} (column {src!r})" if src else field
        out.append(Problem(field=label, message=text, rows=int(n), examples=[{"row": int(r), "value": None}
                                                                           for r in rows],
                           name=field, source=src or None))
    return out


def _write_rejects(cur: duckdb.DuckDBPyConnection, staged, reasons: dict[str, str], path: Path) -> None:
    why = ", ".join(f"CASE WHEN coalesce({c}, false) THEN '{m}' END" for m, c in reasons.items())
    # Through the importer's one rejects writer (cells defused like every CSV the product writes).
    write_rejects(cur, staged, path, rejected=(
        f"SELECT _n + {int(staged.row_offset) - 1} AS _row, concat_ws('; ', {why}) AS _errors "
        f"FROM (SELECT row_number() OVER () AS _n, * FROM ev_rows) WHERE _bad"))
