"""Funnel (visit → product view → add to cart → checkout → purchase) and detail-page scroll depth.

Two sources, shown side by side when both exist:

- **Daily traffic** (``traffic_daily``): visits = summed daily UV, then product views, add-to-cart and checkouts as
  exported; purchase = buyers (distinct customers with a valid order over the range, METRICS.md), so the overall
  visit → purchase rate is exactly the conversion rate of the Overview. Exports that count product *views* rather
  than viewers can exceed the visits; the step then shows above 100% and ``exceeds_previous`` says so.
- **Sessions** (``traffic_sessions``, e.g. the UCI Online Shoppers Intention data): visits = sessions, product
  view = sessions with a product page, add to cart where known, purchase = sessions that bought; conversion =
  purchasing sessions / sessions. Sessions without a day (month-only data) are kept whatever the date range.

Step conversion = stage / previous stage; the **biggest drop** is the step with the lowest step conversion.

**Scroll depth**: reach share of screen k = visitors reaching screen k / visitors on screen 1; leave share of
screen k = (visitors reaching k − visitors reaching k+1) / visitors on screen 1, i.e. the share whose deepest screen
was k. The biggest exit is the screen (before the last) with the largest leave share.
"""
from __future__ import annotations

from typing import Any

import duckdb
import pandas as pd
from babel.dates import get_month_names

from ecomops import db
from ecomops.filters import Filters, sales_slots, slot
from ecomops.i18n import NP_, current_locale, label
from ecomops.traffic import safe_ratio

STAGES = ("visits", "product_views", "add_to_cart", "checkouts", "purchases")
# The dimensions a funnel is split by (message ids, translated where shown) and the label kind of their keys.
DIMENSION_LABELS = {"all": NP_("funnel dimension", "All"), "channel": NP_("funnel dimension", "Channel"),
                    "device": NP_("funnel dimension", "Device"),
                    "visitor_type": NP_("funnel dimension", "Visitor type")}
DIMENSION_KINDS = {"channel": "channel", "device": "device", "visitor_type": "visitor_type"}
# Visitor types as the UCI Online Shoppers Intention data writes them, and the codes they mean (for their labels).
VISITOR_TYPE_CODES = {"New_Visitor": "new", "Returning_Visitor": "returning", "Other": "other"}
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def funnel_steps(counts: pd.DataFrame, stages: tuple[str, ...] | list[str]) -> pd.DataFrame:
    """Return one row per (dimension, key, stage): count, share of visits, step conversion, drop, biggest-drop flag
    (``label``: the stage's label in the current language).

    ``counts`` has dimension, key and one column per stage. The biggest drop of a row is its step (after the first
    stage) with the lowest step conversion.
    """
    rows: list[dict[str, Any]] = []
    for rec in counts.to_dict("records"):
        first = rec[stages[0]]
        steps = []
        for i, stage in enumerate(stages):
            count = rec[stage]
            count = None if count is None or pd.isna(count) else float(count)
            previous = None if i == 0 else steps[-1]["count"]
            step = None if i == 0 else safe_ratio(count, previous)
            steps.append({
                "dimension": rec["dimension"], "key": rec["key"], "step": i + 1, "stage": stage,
                "label": label("funnel_stage", stage), "count": count,
                "share_of_visits": safe_ratio(count, first),
                "step_conversion": step, "drop": None if step is None else 1 - step,
                "exceeds_previous": bool(step is not None and step > 1),
            })
        drops = [s["drop"] for s in steps[1:] if s["drop"] is not None]
        worst = max(drops) if drops else None
        for s in steps:
            s["biggest_drop"] = worst is not None and s["drop"] == worst
        rows.extend(steps)
    return pd.DataFrame(rows, columns=["dimension", "key", "step", "stage", "label", "count", "share_of_visits",
                                       "step_conversion", "drop", "exceeds_previous", "biggest_drop"])


def daily_funnel(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """Return the daily-traffic funnel (see :func:`funnel_steps`) overall, by channel and by device."""
    slots, params = sales_slots(f)
    counts = db.query_df(con, db.load_sql("traffic/funnel_daily").format(**slots), params)
    counts = counts[pd.to_numeric(counts["visits"], errors="coerce").fillna(0) > 0]  # no traffic: no funnel row
    stages = [s for s in STAGES if s == "visits" or s == "purchases" or counts[s].notna().any()]
    return funnel_steps(counts, stages)


def _session_where(f: Filters) -> tuple[str, dict[str, Any]]:
    date_sql, params = slot(f, "sessions", channels=False)
    channel_sql, p2 = slot(f, "sessions", dates=False)
    params.update(p2)
    return f"(s.day IS NULL OR ({date_sql})) AND {channel_sql}", params


def session_funnel(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """Return the session funnel overall and by channel, device and visitor type (stages the data holds)."""
    session_sql, params = _session_where(f)
    counts = db.query_df(con, db.load_sql("traffic/funnel_sessions").format(session_where=session_sql), params)
    if counts.empty:
        return funnel_steps(counts.assign(**{s: [] for s in STAGES}), list(STAGES))
    stages = ["visits"]
    if counts["product_known"].sum() > 0:
        stages.append("product_views")
    if counts["cart_known"].sum() > 0:
        stages.append("add_to_cart")
    stages.append("purchases")
    return funnel_steps(counts, stages)


def session_conversion(con: duckdb.DuckDBPyConnection, f: Filters) -> dict[str, Any]:
    """Return sessions, purchasing sessions, conversion rate and how many sessions have no day (month only)."""
    session_sql, params = _session_where(f)
    sessions, purchases, undated = db.query_one(
        con, db.load_sql("traffic/session_conversion").format(session_where=session_sql), params)
    return {"sessions": int(sessions), "purchases": int(purchases), "undated_sessions": int(undated),
            "conversion_rate": safe_ratio(purchases, sessions)}


def session_conversion_by_month(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """Return sessions, purchases and conversion per month label of the session data, in calendar order;
    ``month_name`` is the month in the current language (Feb -> 2月), the label as written when it is no month."""
    session_sql, params = _session_where(f)
    frame = db.query_df(con, db.load_sql("traffic/session_months").format(session_where=session_sql), params)
    frame["conversion_rate"] = safe_ratio(frame["purchases"], frame["sessions"])
    order = frame["month"].str[:3].str.lower().map({m: i for i, m in enumerate(MONTHS)}).fillna(99)
    names = get_month_names("abbreviated", locale=current_locale())
    frame["month_name"] = [names[int(o) + 1] if o < 12 else m for o, m in zip(order, frame["month"])]
    return frame.assign(_o=order).sort_values(["_o", "month"]).drop(columns="_o").reset_index(drop=True)


def funnel_overview(con: duckdb.DuckDBPyConnection, f: Filters) -> dict[str, Any]:
    """Return {"daily": daily-traffic funnel or None, "sessions": session funnel or None, conversion, by month}."""
    has_daily, has_sessions = db.query_one(
        con, "SELECT EXISTS (SELECT 1 FROM traffic_daily), EXISTS (SELECT 1 FROM traffic_sessions)")
    result: dict[str, Any] = {"daily": None, "sessions": None, "session_conversion": None, "by_month": None}
    if has_daily:
        result["daily"] = daily_funnel(con, f)
    if has_sessions:
        result["sessions"] = session_funnel(con, f)
        result["session_conversion"] = session_conversion(con, f)
        result["by_month"] = session_conversion_by_month(con, f)
    return result


def biggest_drop(steps: pd.DataFrame, dimension: str = "all", key: str = "all") -> dict[str, Any] | None:
    """Return the biggest-drop step of one funnel row (from, to, step conversion, drop), None when undefined."""
    part = steps[(steps["dimension"] == dimension) & (steps["key"] == key)].sort_values("step")
    hit = part[part["biggest_drop"]]
    if hit.empty:
        return None
    row = hit.iloc[0]
    previous = part[part["step"] == row["step"] - 1].iloc[0]
    return {"from": previous["label"], "to": row["label"], "step_conversion": row["step_conversion"],
            "drop": row["drop"]}


def step_table(steps: pd.DataFrame, dimension: str) -> pd.DataFrame:
    """Return one row per key of a dimension: visits, each step's conversion, overall conversion, biggest drop."""
    part = steps[steps["dimension"] == dimension].sort_values("step")
    if part.empty:
        return pd.DataFrame(columns=["key", "visits", "conversion", "biggest_drop"])
    labels = part.drop_duplicates("step")["label"].tolist()
    step_names = {i + 1: f"{labels[i - 1]} → {labels[i]}" for i in range(1, len(labels))}
    rows = []
    for key, group in part.groupby("key", sort=False):
        group = group.set_index("step")
        row: dict[str, Any] = {"key": key, "visits": group.loc[1, "count"]}
        for step, name in step_names.items():
            row[name] = group.loc[step, "step_conversion"]
        row["conversion"] = group["share_of_visits"].iloc[-1]
        worst = group.index[group["biggest_drop"].astype(bool)]
        row["biggest_drop"] = step_names[worst[0]] if len(worst) else None
        rows.append(row)
    return pd.DataFrame(rows).sort_values("visits", ascending=False).reset_index(drop=True)


def labelled_keys(table: pd.DataFrame, dimension: str) -> pd.DataFrame:
    """Return a step table (:func:`step_table`) whose keys show as their labels in the current language (channels,
    devices, visitor types; imported values no label table knows pass through)."""
    kind = DIMENSION_KINDS.get(dimension)
    if kind is None or table.empty:
        return table
    codes = table["key"].map(lambda k: VISITOR_TYPE_CODES.get(k, k)) if dimension == "visitor_type" else table["key"]
    return table.assign(key=[label(kind, code) for code in codes])


# ---------------------------------------------------------------------------------------------------------------
# Scroll depth
# ---------------------------------------------------------------------------------------------------------------

def scroll_depth(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """Return one row per device ("all" first) and screen: visitors, reach share, leave share, biggest exit."""
    date_sql, params = slot(f, "sessions", channels=False)
    return db.query_df(con, db.load_sql("traffic/scroll_depth").format(date_where=date_sql), params)


def scroll_devices(scroll: pd.DataFrame) -> list[str]:
    """Return the devices of a scroll-depth frame, "all" first."""
    return list(dict.fromkeys(scroll["device"]))


def scroll_of_device(scroll: pd.DataFrame, device: str) -> pd.DataFrame:
    """Return the scroll-depth rows of one device (or "all")."""
    return scroll[scroll["device"] == device].sort_values("screen").reset_index(drop=True)


def scroll_summary(scroll: pd.DataFrame, device: str = "all") -> dict[str, Any] | None:
    """Return the biggest exit of one device: screen, leave share there, share reaching the next screen."""
    part = scroll_of_device(scroll, device)
    hit = part[part["biggest_exit"]]
    if hit.empty:
        return None
    row = hit.iloc[0]
    following = part[part["screen"] > row["screen"]]
    reach_next = float(following["reach_share"].iloc[0]) if not following.empty else 0.0
    return {"screen": int(row["screen"]), "leave_share": float(row["leave_share"]),
            "reach_share": float(row["reach_share"]), "reach_next": reach_next}
