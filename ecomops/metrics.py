"""Home KPIs (METRICS.md), their change against the previous period, daily trends and "needs attention" rules."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

import duckdb
import pandas as pd

from ecomops import config, db, derived
from ecomops.filters import Filters, sales_slots, slot

KPI_NAMES = ("gmv", "orders", "buyers", "uv", "conversion_rate", "spend_per_buyer", "aov", "repurchase_rate")
KPI_LABELS = {
    "gmv": "GMV", "orders": "Orders", "buyers": "Buyers", "uv": "UV", "conversion_rate": "Conversion rate",
    "spend_per_buyer": "Spend per buyer", "aov": "AOV", "repurchase_rate": "Repurchase rate",
}


_RELATION = re.compile(r"^[a-z_][a-z0-9_]*$")


def abc_classes_sql(product_gmv: str) -> str:
    """Return the ABC classification (sql/abc_classes.sql: product_id, gmv, share, cum_share, gmv_rank, abc_class)
    of the rows of the relation ``product_gmv`` (a CTE or registered frame with product_id and gmv); binds
    $a_share and $b_share."""
    if not _RELATION.match(product_gmv):
        raise ValueError(f"not a relation name: {product_gmv!r}")
    return db.load_sql("abc_classes").format(product_gmv=product_gmv)


def abc_class_of(con: duckdb.DuckDBPyConnection, product_gmv: pd.DataFrame, a_share: float | None = None,
                 b_share: float | None = None) -> pd.Series:
    """Return the ABC class ('A'|'B'|'C') of each row of a frame of (product_id, gmv), in the frame's order (class
    shares default to the settings in force)."""
    t = config.thresholds(con)
    a_share = t.abc_a_share if a_share is None else a_share
    b_share = t.abc_b_share if b_share is None else b_share
    cur = con.cursor()
    try:
        cur.register("abc_input", product_gmv[["product_id", "gmv"]])
        classes = cur.execute(abc_classes_sql("abc_input"), {"a_share": a_share, "b_share": b_share}).df()
    finally:
        cur.close()
    return product_gmv["product_id"].map(dict(zip(classes["product_id"], classes["abc_class"])))


def _ratio(num: float | None, den: float | None) -> float | None:
    return None if num is None or not den else float(num) / float(den)


def kpis(con: duckdb.DuckDBPyConnection, f: Filters) -> dict[str, Any]:
    """Return the eight home KPIs for the filters; None where the data needed is absent (e.g. no traffic)."""
    derived.ensure(con, derived.SALES_ROLLUP)
    slots, params = sales_slots(f)
    gmv, orders, buyers, repeat_buyers, uv = db.query_one(con, db.load_sql("kpis").format(**slots), params)
    gmv = float(gmv or 0.0)
    uv = int(uv) if uv is not None else None
    return {
        "gmv": gmv,
        "orders": int(orders),
        "buyers": int(buyers),
        "uv": uv,
        "conversion_rate": _ratio(buyers, uv),
        "spend_per_buyer": _ratio(gmv, buyers),
        "aov": _ratio(gmv, orders),
        "repurchase_rate": _ratio(repeat_buyers, buyers),
        "start": f.start,
        "end": f.end,
    }


def kpi_comparison(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """Return one row per KPI: value, previous-period value and relative change (None when undefined)."""
    now, before = kpis(con, f), kpis(con, f.previous())
    rows = []
    for name in KPI_NAMES:
        value, previous = now[name], before[name]
        change = (value - previous) / previous if value is not None and previous else None
        rows.append({"metric": name, "label": KPI_LABELS[name], "value": value, "previous": previous, "change": change})
    return pd.DataFrame(rows)


def daily_trend(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """Return one row per day of the range: gmv, orders, buyers, uv, conversion_rate, spend_per_buyer."""
    from ecomops.ops import daily_counts  # (lazily: ecomops.ops modules import this one)

    derived.ensure(con, derived.SALES_ROLLUP)
    slots, params = sales_slots(f)
    counts_sql, counts_params = daily_counts.order_counts(con, f, "ops/order_counts", slots)
    return db.query_df(con, db.load_sql("daily_sales").format(order_counts=counts_sql, **slots),
                       dict(params, **counts_params, start=f.start, end=f.end))


def gmv_by_channel(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """Return GMV and GMV share per channel for the filters, largest first."""
    derived.ensure(con, derived.SALES_ROLLUP)
    rollup_sql, params = slot(f, "rollup")
    frame = db.query_df(con, db.load_sql("gmv_by_channel").format(rollup_where=rollup_sql), params)
    total = frame["gmv"].sum() if not frame.empty else 0
    frame["share"] = frame["gmv"] / total if total else 0.0
    return frame


@dataclass(frozen=True)
class DataRange:
    """First and last day with data; ``empty`` when there are no orders yet."""

    start: date
    end: date
    empty: bool


def data_range(con: duckdb.DuckDBPyConnection) -> DataRange:
    """Return the first and last order day (today when the database has no orders)."""
    first, last = db.query_one(con, "SELECT min(order_date), max(order_date) FROM orders")
    if first is None:
        today = date.today()
        return DataRange(today, today, True)
    return DataRange(first, last, False)


def data_span(con: duckdb.DuckDBPyConnection) -> DataRange:
    """Return the first and last day of any data the KPIs read: orders, daily traffic or event logs (today when
    there is none), so a store with traffic but no orders yet gets its traffic's span."""
    first, last = db.query_one(con, """
        SELECT min(d), max(d) FROM (
            SELECT min(order_date) AS d FROM orders UNION ALL SELECT max(order_date) FROM orders
            UNION ALL SELECT min(day) FROM traffic_daily UNION ALL SELECT max(day) FROM traffic_daily
            UNION ALL SELECT min(day) FROM event_daily_uv UNION ALL SELECT max(day) FROM event_daily_uv)""")
    if first is None:
        today = date.today()
        return DataRange(today, today, True)
    return DataRange(first, last, False)


def filter_options(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """Return the channels and categories present in the data, for the sidebar."""
    channels = db.query_df(
        con, "SELECT channel FROM orders GROUP BY channel UNION SELECT channel FROM traffic_daily GROUP BY channel ORDER BY 1"
    )["channel"].dropna().tolist()
    categories = db.query_df(con, "SELECT DISTINCT category FROM products ORDER BY 1")["category"].dropna().tolist()
    return {"channels": channels, "categories": categories}


