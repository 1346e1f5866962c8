"""What each customer is worth and when they will buy next (issue 20): the BTYD models of ``ecomops.users.btyd``
(BG/NBD + Gamma-Gamma) fitted on the store's own orders, as of the last day of data.

- ``store_value`` (derived.CUSTOMER_VALUE, rebuilt after every data change) stores the fit, one row per buyer
  (P(alive), expected orders in 30/90/365 days, expected spend per order, predicted 12-month value, expected
  next-order date or NULL = unlikely to buy again) and the weekly tracking / base forecast.
- The page and the commands read them: ``value_by_state``, ``value_by_segment``, ``top_customers``,
  ``base_forecast``, ``weekly``; ``backtest`` is the out-of-time evaluation (``clv evaluate``);
  ``win_back_values`` gives the churn target list its expected value; ``monthly_review_forecast`` is the
  monthly review's paragraph.

Orders here are purchase days (a customer's orders on one day are one purchase, their GMV summed; docs/clv.md).
The per-customer summaries are aggregated in DuckDB (ecomops/sql/users/clv_*.sql); NumPy/SciPy fit and score.
"""
from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from ecomops import config, db, derived, exports
from ecomops.i18n import _, fmt
from ecomops.users import btyd, lifecycle
from ecomops.users import rfm as users_rfm

HORIZONS = (30, 90, 365)
FORECAST_WEEKS = (4, 13, 52)
FUTURE_WEEKS = 52
CURVE_BLOCK_ROWS = 100_000  # customer summaries per block of the forecast curve
CURVE_WEEKS = (1, 2, 3, 4, 6, 8, 10, 13, 17, 21, 26, 30, 35, 39, 44, 48, 52)
STATUS_FITTED = "fitted"
STATUS_TOO_FEW = "too_few_repeat_customers"
STATUS_NO_ORDERS = "no_orders"
VALUE_COLUMNS = ["p_alive", "expected_orders_30", "expected_orders_90", "expected_orders_365", "p_order_365",
                 "expected_spend", "value_365", "next_order_date"]


class NotEnoughRepeatCustomersError(ValueError):
    """Too few customers bought on two or more days to fit the models."""


@dataclass(frozen=True)
class ValueModel:
    """The fitted models as of a day, with the per-customer summaries they were fitted on."""
    as_of: date
    bg: btyd.BgNbdFit
    gg: btyd.GammaGammaFit
    summaries: pd.DataFrame = field(repr=False)
    fit_seconds: float = 0.0

    @property
    def customers(self) -> int:
        """Return how many buyers the fit covers."""
        return len(self.summaries)

    @property
    def repeat_customers(self) -> int:
        """Return how many of them bought on two or more days."""
        return int((self.summaries["x"] > 0).sum())


# ------------------------------------------------------------------------------------------------ fit and score

def summaries(con: duckdb.DuckDBPyConnection, as_of: date) -> pd.DataFrame:
    """Return per buyer key as of ``as_of``: ckey, x, t_x, T, mean_spend, mean_purchase_gmv, first_day (days)."""
    return derived.query_df(con, derived.USERS_ORDERS, db.load_sql("users/clv_summary"), {"as_of": as_of})


def fit(con: duckdb.DuckDBPyConnection, as_of: date, frame: pd.DataFrame | None = None) -> ValueModel:
    """Return BG/NBD + Gamma-Gamma fitted on the buyers' purchases up to ``as_of``.

    Raises NotEnoughRepeatCustomersError below config.CLV_MIN_REPEAT_CUSTOMERS repeat customers (the likelihood
    is then too flat to say anything)."""
    frame = summaries(con, as_of) if frame is None else frame
    repeat = int((frame["x"] > 0).sum()) if len(frame) else 0
    if repeat < config.CLV_MIN_REPEAT_CUSTOMERS:
        raise NotEnoughRepeatCustomersError(
            _("Too few repeat customers to fit the value model: {n} bought on two or more days by {day}, at least "
              "{min} are needed.", n=fmt.count(repeat), day=as_of, min=fmt.count(config.CLV_MIN_REPEAT_CUSTOMERS)))
    started = time.perf_counter()
    x, t_x, T = (frame[c].to_numpy(float) for c in ("x", "t_x", "T"))
    bg = btyd.fit_bgnbd(x, t_x, T)
    gg = btyd.fit_gamma_gamma(x, frame["mean_spend"].to_numpy(float), warn=False)
    return ValueModel(as_of, bg, gg, frame, time.perf_counter() - started)


def fit_as_of(con: duckdb.DuckDBPyConnection, as_of: date) -> ValueModel:
    """Return the models fitted as of a day, after refreshing the users summary tables (not in a transaction)."""
    derived.ensure(con, derived.USERS_ORDERS)
    return fit(con, as_of)


def score(model: ValueModel, frame: pd.DataFrame | None = None) -> pd.DataFrame:
    """Return the summaries (default: the fitted ones) with the value columns (VALUE_COLUMNS).

    Everything but spend depends on (x, t_x, T) alone, so it is computed once per distinct triple and spread back:
    a store's customers share far fewer triples (875k buyers of the 1M demo store: a fraction of that), and the
    model's slow path costs 128 quadrature nodes per row and horizon."""
    frame = model.summaries if frame is None else frame
    codes = frame.groupby(["x", "t_x", "T"], sort=False).ngroup().to_numpy()
    first = np.unique(codes, return_index=True)[1]
    x, t_x, T = (frame[c].to_numpy(float)[first] for c in ("x", "t_x", "T"))
    per_triple = btyd.score_customers(model.bg, model.gg, x, t_x, T, np.full(x.size, np.nan), horizons=HORIZONS,
                                      as_of=np.datetime64(model.as_of))
    out = frame.copy()
    out["p_alive"] = per_triple["p_alive"][codes]
    for h in HORIZONS:
        out[f"expected_orders_{h}"] = per_triple[f"expected_purchases_{h}"][codes]
    out["p_order_365"] = per_triple["p_purchase_365"][codes]
    out["expected_spend"] = btyd.expected_spend(model.gg, frame["x"].to_numpy(float),
                                                frame["mean_spend"].to_numpy(float))
    # Undiscounted, as btyd.customer_value by default: the values add up to the base forecast's revenue.
    out["value_365"] = out["expected_orders_365"] * out["expected_spend"]
    next_date = per_triple["next_purchase_date"][codes]
    out["next_order_date"] = pd.to_datetime(next_date).date
    out.loc[pd.isna(next_date), "next_order_date"] = None
    return out


def _grouped(model: ValueModel, spend: np.ndarray) -> tuple[np.ndarray, ...]:
    """Return the unique (x, t_x, T) rows with their customer counts and summed expected spend: expected purchases
    depend on these three only, so the forecast costs one evaluation per unique row, not per customer."""
    grouped = (model.summaries[["x", "t_x", "T"]].assign(n=1.0, spend=spend)
               .groupby(["x", "t_x", "T"], as_index=False).sum())
    return tuple(grouped[c].to_numpy(float) for c in ("x", "t_x", "T", "n", "spend"))


def forecast_curve(model: ValueModel, spend: np.ndarray, days: np.ndarray) -> pd.DataFrame:
    """Return the cumulative expected orders and revenue of the existing customers ``days`` after as_of."""
    x, t_x, T, n, total_spend = _grouped(model, spend)
    # E[Y(t) | x, t_x, T] = P(alive | x, t_x, T) x E[Y(t) | alive, x, T], and the second factor (the slow one: a
    # hypergeometric function, by quadrature where the closed form fails) does not depend on t_x: it is evaluated
    # once per (x, T) pair, with the customers' P(alive) summed into its weights (at 1M customers 285k distinct
    # triples but far fewer pairs: the curve took 16.6 s).
    alive = btyd.p_alive(model.bg, x, t_x, T)
    pairs = (pd.DataFrame({"x": x, "T": T, "n": n * alive, "spend": total_spend * alive})
             .groupby(["x", "T"], as_index=False, sort=True).sum())
    x, T, n, total_spend = (pairs[c].to_numpy(float) for c in ("x", "T", "n", "spend"))
    # One call for every horizon per block of rows (a days x rows grid): the model's slow path pays its Beta
    # quantiles once per block, and the blocks keep the grids small (all rows at once held several GB at 10M
    # customers).
    days = np.asarray(days, dtype=float)
    orders, revenue = np.zeros(days.size), np.zeros(days.size)
    bg = model.bg
    for start in range(0, x.size, CURVE_BLOCK_ROWS):
        block = slice(start, start + CURVE_BLOCK_ROWS)
        grid = btyd.alive_expected_purchases(bg.r + x[None, block], bg.alpha + T[None, block], bg.a,
                                             bg.b + x[None, block], days[:, None])
        orders += grid @ n[block]
        revenue += grid @ total_spend[block]
    return pd.DataFrame({"days": days.astype(int), "orders": orders, "revenue": revenue})


def weekly_frame(con: duckdb.DuckDBPyConnection, model: ValueModel, spend: np.ndarray) -> pd.DataFrame:
    """Return 7-day periods ending on as_of (past: actual repeat orders and GMV, the model's tracking curve) and
    the 52 after it (the forecast): period_start, period_end, future, actual_*, expected_orders, expected_revenue.

    Past expected revenue = expected repeat orders x the population mean spend per order (the tracking curve knows
    the customers' birth days only); future revenue uses each customer's expected spend."""
    as_of = model.as_of
    start = model.summaries["first_day"].min()
    start = start.date() if hasattr(start, "date") else start
    n_days = (as_of - start).days + 1
    birth = (pd.to_datetime(model.summaries["first_day"]) - pd.Timestamp(start)).dt.days.to_numpy()
    expected = btyd.tracking_expected_repeats(model.bg, birth, n_days)  # cumulative, day 0 = start
    daily = derived.query_df(con, derived.USERS_ORDERS, db.load_sql("users/clv_repeat_daily"), {"as_of": as_of})
    orders = np.zeros(n_days)
    revenue = np.zeros(n_days)
    if len(daily):
        idx = (pd.to_datetime(daily["day"]) - pd.Timestamp(start)).dt.days.to_numpy()
        orders[idx] = daily["orders"].to_numpy(float)
        revenue[idx] = daily["revenue"].to_numpy(float)
    rows = []
    for k in range(n_days // 7):  # whole 7-day periods ending on as_of
        end_i = n_days - 1 - 7 * k
        lo = end_i - 7
        rows.append({"period_start": start + timedelta(days=lo + 1), "period_end": start + timedelta(days=end_i),
                     "future": False, "actual_orders": float(orders[lo + 1:end_i + 1].sum()),
                     "actual_revenue": float(revenue[lo + 1:end_i + 1].sum()),
                     "expected_orders": float(expected[end_i] - expected[lo]) if lo >= 0 else float(expected[end_i])})
    past = pd.DataFrame(rows).iloc[::-1] if rows else pd.DataFrame(columns=["period_start"])
    if len(past):
        past["expected_revenue"] = past["expected_orders"] * model.gg.mean_spend
    # The cumulative forecast is smooth: evaluated exactly at these weeks (4, 13 and 52 among them) and linearly
    # interpolated in between, it costs a third of a week-by-week evaluation (the slow path of the model evaluates
    # 128 quadrature nodes per customer summary and horizon).
    exact = forecast_curve(model, spend, 7 * np.array(CURVE_WEEKS))
    weeks = 7 * np.arange(1, FUTURE_WEEKS + 1)
    curve = pd.DataFrame({"days": weeks, "orders": np.interp(weeks, exact["days"], exact["orders"]),
                          "revenue": np.interp(weeks, exact["days"], exact["revenue"])})
    future = pd.DataFrame({
        "period_start": [as_of + timedelta(days=d - 6) for d in curve["days"]],
        "period_end": [as_of + timedelta(days=int(d)) for d in curve["days"]], "future": True,
        "actual_orders": np.nan, "actual_revenue": np.nan,
        "expected_orders": np.diff(curve["orders"].to_numpy(), prepend=0.0),
        "expected_revenue": np.diff(curve["revenue"].to_numpy(), prepend=0.0)})
    return pd.concat([past, future], ignore_index=True)


def value_key() -> str:
    """Return a hash of what the stored values follow outside the database: this module, the models and their
    queries, and the minimum number of repeat customers (derived.CUSTOMER_VALUE.fingerprint_extra)."""
    digest = hashlib.sha1(str(config.CLV_MIN_REPEAT_CUSTOMERS).encode())
    for path in (Path(__file__), Path(btyd.__file__), *sorted((db.SQL_DIR / "users").glob("clv_*.sql"))):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def store_value(cur: duckdb.DuckDBPyConnection) -> None:
    """Fit as of the last day of data and store the fit, the per-customer values and the weekly forecast.

    Run by the derived-table mechanism (derived.CUSTOMER_VALUE.after_build) in its build transaction, after the build
    query emptied the tables. Reads users_order_facts, which ``ensure_value`` refreshes first."""
    as_of = cur.execute("SELECT max(order_date) FROM users_order_facts WHERE ckey IS NOT NULL").fetchone()[0]
    if as_of is None:
        cur.execute("INSERT INTO users_clv_fit (status, customers, repeat_customers) VALUES ($s, 0, 0)",
                    {"s": STATUS_NO_ORDERS})
        return
    frame = summaries(cur, as_of)
    try:
        model = fit(cur, as_of, frame)
    except NotEnoughRepeatCustomersError:
        cur.execute("INSERT INTO users_clv_fit (as_of, status, customers, repeat_customers) VALUES ($d, $s, $n, $r)",
                    {"d": as_of, "s": STATUS_TOO_FEW, "n": len(frame), "r": int((frame["x"] > 0).sum())})
        return
    scored = score(model)
    cur.execute("INSERT INTO users_clv_fit VALUES ($d, $s, $n, $r, $bg, $gg, $secs)",
                {"d": as_of, "s": STATUS_FITTED, "n": model.customers, "r": model.repeat_customers,
                 "bg": model.bg.to_json(), "gg": model.gg.to_json(), "secs": model.fit_seconds})
    weekly = weekly_frame(cur, model, scored["expected_spend"].to_numpy(float))
    cur.register("clv_rows", scored)  # (the columns picked in SQL: a copy of them in pandas took 1 GB at 10M)
    cur.register("clv_weekly", weekly)
    try:
        columns = ", ".join(f'"{c}"' for c in ("ckey", "x", "t_x", "T", "mean_spend", *VALUE_COLUMNS))
        cur.execute(f"INSERT INTO users_customer_value BY NAME SELECT {columns} FROM clv_rows")
        cur.execute("INSERT INTO users_clv_weekly BY NAME SELECT * FROM clv_weekly")
    finally:
        cur.unregister("clv_rows")
        cur.unregister("clv_weekly")
    _store_groups(cur, as_of)


def group_rules(con: duckdb.DuckDBPyConnection) -> str:
    """Return the rules the values per state are grouped by, as stored with them: the lifecycle windows in force."""
    return json.dumps(lifecycle.threshold_params(con), sort_keys=True)


def state_values_sql(con: duckdb.DuckDBPyConnection, as_of: date) -> tuple[str, dict[str, Any]]:
    """Return the query of the stored values per lifecycle state as of ``as_of`` (windows in force) and its params."""
    buyers, params = users_rfm.buyer_totals(con, as_of)
    sql = db.load_sql("users/clv_by_state").format(lifecycle=lifecycle.lifecycle_sql(buyers))
    return sql, dict(lifecycle.threshold_params(con), **params, as_of=as_of)


def _store_groups(cur: duckdb.DuckDBPyConnection, as_of: date) -> None:
    """Store the values per lifecycle state and per RFM segment as of the fit's day (users_clv_groups, migration
    960); the segments only when that day's RFM scores are stored (the users build stores the last day's)."""
    columns = "segment, customers, alive_sum, orders_365, value_365, avg_value_365"
    sql, params = state_values_sql(cur, as_of)
    cur.execute(f"INSERT INTO users_clv_groups (grouping, rules, {columns}) "
                f"SELECT 'state', $rules, {columns} FROM ({sql})", dict(params, rules=group_rules(cur)))
    if cur.execute(users_rfm.SCORED_DATE_SQL, {"as_of": as_of}).fetchone():
        cur.execute(f"INSERT INTO users_clv_groups (grouping, rules, {columns}) "
                    f"SELECT 'segment', '', {columns} FROM ({db.load_sql('users/clv_by_segment')})", {"as_of": as_of})


def _stored_groups(con: duckdb.DuckDBPyConnection, grouping: str, rules: str) -> pd.DataFrame:
    """Return the stored values per group of ``grouping`` grouped by ``rules`` (empty: none stored by them)."""
    return db.query_df(con, "SELECT segment, customers, alive_sum, orders_365, value_365, avg_value_365 "
                            "FROM users_clv_groups WHERE grouping = $grouping AND rules = $rules",
                       {"grouping": grouping, "rules": rules})


def ensure_value(con: duckdb.DuckDBPyConnection) -> None:
    """Refresh the users summary tables and then the stored customer value when the data changed."""
    derived.ensure(con, derived.CUSTOMER_VALUE)  # (users_order_facts first: CUSTOMER_VALUE.requires)


# ------------------------------------------------------------------------------------------------ stored reads

def fit_info(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Return the stored fit: as_of, status, customers, repeat_customers, bg / gg (fits or None), fit_seconds."""
    ensure_value(con)
    row = db.query_one(con, "SELECT as_of, status, customers, repeat_customers, bgnbd, gamma_gamma, fit_seconds "
                            "FROM users_clv_fit")
    if row is None:
        return {"as_of": None, "status": STATUS_NO_ORDERS, "customers": 0, "repeat_customers": 0, "bg": None,
                "gg": None, "fit_seconds": None}
    as_of, status, customers, repeat, bg, gg, secs = row
    return {"as_of": as_of, "status": status, "customers": int(customers), "repeat_customers": int(repeat),
            "bg": btyd.BgNbdFit.from_json(bg) if bg else None,
            "gg": btyd.GammaGammaFit.from_json(gg) if gg else None, "fit_seconds": secs}


def fit_status_text(info: dict[str, Any]) -> str:
    """Return, in the current language, why there are no values (empty when the model is fitted)."""
    if info["status"] == STATUS_FITTED:
        return ""
    if info["status"] == STATUS_TOO_FEW:
        return _("Too few repeat customers to predict customer value: {n} of {total} buyers bought on two or more "
                 "days by {day}, at least {min} are needed.", n=fmt.count(info["repeat_customers"]),
                 total=fmt.count(info["customers"]), day=info["as_of"],
                 min=fmt.count(config.CLV_MIN_REPEAT_CUSTOMERS))
    return _("No customer orders yet: upload an orders export with customer ids on Data → Upload.")


def _by_group(found: pd.DataFrame, key: str, order: list[str]) -> pd.DataFrame:
    grouped = found.set_index(key).reindex(order).dropna(how="all").reset_index()
    total = float(grouped["value_365"].sum())
    return pd.DataFrame({
        key: grouped[key], "customers": grouped["customers"].astype("int64"),
        "p_alive": grouped["alive_sum"] / grouped["customers"],
        "expected_orders_365": grouped["orders_365"].astype(float),
        "value_365": grouped["value_365"].astype(float),
        "avg_value_365": grouped["avg_value_365"].astype(float),
        "value_share": grouped["value_365"] / total if total else 0.0})


def value_by_state(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return per lifecycle state (as of the fit's day): segment, customers, mean P(alive), expected orders and
    predicted value in the next 365 days, mean value per customer, share of the value."""
    info = fit_info(con)
    found = _stored_groups(con, "state", group_rules(con))
    if found.empty:  # not stored, or grouped by windows no longer in force (changed on the Settings page)
        sql, params = state_values_sql(con, info["as_of"] or date.min)
        found = derived.query_df(con, derived.USERS_ORDERS, sql, params)
    return _by_group(found, "segment", list(lifecycle.LIFECYCLE_SEGMENTS))


def value_by_segment(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return per RFM segment (scored as of the fit's day) the same columns as ``value_by_state``."""
    info = fit_info(con)
    if info["as_of"] is None:
        return _by_group(pd.DataFrame(columns=["segment", "customers", "alive_sum", "orders_365", "value_365",
                                               "avg_value_365"]), "segment", [])
    found = _stored_groups(con, "segment", "")
    if found.empty:  # the fit's day had no stored RFM scores when the values were stored
        users_rfm.ensure_rfm(con, info["as_of"])
        found = derived.query_df(con, derived.USERS_ORDERS, db.load_sql("users/clv_by_segment"),
                                 {"as_of": info["as_of"]})
    return _by_group(found, "segment", list(users_rfm.RFM_SEGMENTS))


def top_customers(con: duckdb.DuckDBPyConnection, limit: int | None = 100, offset: int = 0) -> pd.DataFrame:
    """Return the stored customer values, highest predicted 12-month value first (a page, or all with None):
    customer_id, purchase_days, last_order_date, p_alive, expected_orders_30/90/365, expected_spend, value_365,
    next_order_date (None = unlikely to buy again)."""
    ensure_value(con)
    params: dict[str, Any] = {}
    page, top = "", "TRUE"
    if limit is not None:
        page = "LIMIT $limit OFFSET $offset"
        # Only values at least the page's last one can be on it (ties included, ordered by id below).
        top = ("v.value_365 >= (SELECT min(value_365) FROM (SELECT value_365 FROM users_customer_value "
               "ORDER BY value_365 DESC LIMIT $top) t)")
        params = {"limit": int(limit), "offset": int(offset), "top": int(limit) + int(offset)}
    return db.query_df(con, db.load_sql("users/clv_customers").format(page=page, top=top), params or None)


def scored_customers(con: duckdb.DuckDBPyConnection, model: ValueModel) -> pd.DataFrame:
    """Return every customer of ``model`` scored, with the columns and order of ``top_customers``."""
    scored = score(model)
    keys = db.query_df(con, "SELECT ckey, customer_id FROM users_customer_keys")
    scored = scored.merge(keys, on="ckey", how="left")
    scored["purchase_days"] = scored["x"] + 1
    scored["last_order_date"] = (pd.Timestamp(model.as_of)
                                 - pd.to_timedelta(scored["T"] - scored["t_x"], unit="D")).dt.date
    columns = ["customer_id", "purchase_days", "last_order_date", *[c for c in VALUE_COLUMNS if c != "p_order_365"]]
    return (scored.sort_values(["value_365", "customer_id"], ascending=[False, True])[columns]
            .reset_index(drop=True))


def customers_csv(con: duckdb.DuckDBPyConnection) -> bytes:
    """Return every customer's predicted value as CSV bytes (UTF-8 with BOM so Excel opens Chinese text)."""
    return exports.csv_bytes(top_customers(con, None))


def weekly(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return the stored weekly tracking and forecast (see ``weekly_frame``), oldest first."""
    ensure_value(con)
    return db.query_df(con, "SELECT * FROM users_clv_weekly ORDER BY period_start")


def base_forecast(con: duckdb.DuckDBPyConnection, weeks: tuple[int, ...] = FORECAST_WEEKS) -> pd.DataFrame:
    """Return per horizon in weeks: expected orders and revenue from the existing customers in the next ``weeks``,
    and the actual repeat orders and revenue of the same number of weeks before (for comparison)."""
    frame = weekly(con)
    future, past = frame[frame["future"]], frame[~frame["future"]]
    rows = []
    for w in weeks:
        ahead, before = future.head(w), past.tail(w)
        rows.append({"weeks": w, "expected_orders": float(ahead["expected_orders"].sum()),
                     "expected_revenue": float(ahead["expected_revenue"].sum()),
                     "past_orders": float(before["actual_orders"].sum()) if len(before) == w else np.nan,
                     "past_revenue": float(before["actual_revenue"].sum()) if len(before) == w else np.nan})
    return pd.DataFrame(rows)


def monthly_review_forecast(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Return the base forecast for the monthly review: {'as_of', 'table' (base_forecast), 'text'} where text is
    one sentence in the current language (empty table and the reason as text when there is no fit)."""
    info = fit_info(con)
    if info["status"] != STATUS_FITTED:
        return {"as_of": info["as_of"], "table": pd.DataFrame(), "text": fit_status_text(info)}
    table = base_forecast(con).set_index("weeks")
    currency = config.store_currency(con)
    text = _("Existing customers are expected to place {orders_13} orders worth {revenue_13} in the next 13 weeks "
             "({orders_4} in the next 4 weeks, {orders_52} in the next 52), as of {day}.",
             orders_13=fmt.count(round(table.loc[13, "expected_orders"])),
             revenue_13=fmt.money(table.loc[13, "expected_revenue"], currency, decimals=0),
             orders_4=fmt.count(round(table.loc[4, "expected_orders"])),
             orders_52=fmt.count(round(table.loc[52, "expected_orders"])), day=info["as_of"])
    return {"as_of": info["as_of"], "table": table.reset_index(), "text": text}


# ------------------------------------------------------------------------------------------------ churn targets

def win_back_values(con: duckdb.DuckDBPyConnection, as_of: date, customer_ids: Any | None = None) -> pd.DataFrame:
    """Return customer_id, clv_365 and value_if_back_365 per buyer as of ``as_of`` (only ``customer_ids`` when
    given). clv_365 = the predicted 12-month value as things stand; value_if_back_365 = the 12-month value of the
    customer if a win-back makes them active again (P(alive) = 1: expected orders of an alive customer x expected
    spend), what a successful win-back recovers. Empty when the model cannot be fitted. Fits on the fly (no stored
    table), so it also runs inside another derived table's build (the churn scores), unless the stored values are
    fresh and of ``as_of``: then they are read (the same fit on the same summaries; at 10M customers refitting
    loaded 8.7M buyers and 10M customer ids into pandas)."""
    stored = _stored_win_back_values(con, as_of, customer_ids)
    return stored if stored is not None else fitted_win_back_values(con, as_of, customer_ids)


def _stored_win_back_values(con: duckdb.DuckDBPyConnection, as_of: date,
                            customer_ids: Any | None) -> pd.DataFrame | None:
    """Return the win-back values read from the stored customer values, or None when they are not fresh or not
    fitted as of ``as_of``."""
    row = db.query_one(con, "SELECT as_of, status FROM users_clv_fit")
    if row is None or row[0] != as_of or row[1] != STATUS_FITTED or not derived.is_fresh(con, derived.CUSTOMER_VALUE):
        return None
    sql = db.load_sql("users/clv_win_back")
    if customer_ids is None:
        return db.query_df(con, sql.format(wanted="TRUE"))
    # The ids as a registered table on a cursor of its own (a list parameter of a million ids binds slower; the
    # registration is private to the cursor, so concurrent sessions do not see each other's).
    cur = con.cursor()
    try:
        cur.register("win_back_ids", pd.DataFrame({"customer_id": pd.Series(list(customer_ids), dtype=object)}))
        return cur.execute(sql.format(wanted="k.customer_id IN (SELECT customer_id FROM win_back_ids)")).df()
    finally:
        cur.close()


def fitted_win_back_values(con: duckdb.DuckDBPyConnection, as_of: date,
                           customer_ids: Any | None = None) -> pd.DataFrame:
    """Return the win-back values of ``win_back_values`` from a fit made now on the buyers' summaries as of ``as_of``."""
    empty = pd.DataFrame(columns=["customer_id", "clv_365", "value_if_back_365"])
    frame = summaries(con, as_of)
    try:
        model = fit(con, as_of, frame)
    except NotEnoughRepeatCustomersError:
        return empty
    keys = derived.query_df(con, derived.USERS_ORDERS, "SELECT ckey, customer_id FROM users_customer_keys")
    frame = frame.merge(keys, on="ckey")
    if customer_ids is not None:
        frame = frame[frame["customer_id"].isin(set(customer_ids))]
    if frame.empty:
        return empty
    x, t_x, T = (frame[c].to_numpy(float) for c in ("x", "t_x", "T"))
    spend = btyd.expected_spend(model.gg, x, frame["mean_spend"].to_numpy(float))
    alive = btyd.p_alive(model.bg, x, t_x, T)
    expected = btyd.conditional_expected_purchases(model.bg, 365.0, x, t_x, T)
    if_alive = expected / np.maximum(alive, 1e-300)  # E[Y] = P(alive) x E[Y | alive]
    return pd.DataFrame({"customer_id": frame["customer_id"].to_numpy(), "clv_365": expected * spend,
                         "value_if_back_365": if_alive * spend})


# ------------------------------------------------------------------------------------------------ backtest

@dataclass
class Backtest:
    """An out-of-time evaluation: fitted on purchases up to ``cutoff``, compared with the ``horizon_days`` after."""
    cutoff: date
    end: date
    horizon_days: int
    customers: int
    repeat_customers: int
    bg: btyd.BgNbdFit
    gg: btyd.GammaGammaFit
    metrics: pd.DataFrame  # per measure x method: corr, spearman, mae, rmse, predicted_total, actual_total, error
    forecast: pd.DataFrame  # per horizon (days): predicted, naive, actual orders and errors
    calibration: pd.DataFrame  # per decile of predicted orders: customers, predicted, naive, actual (means)
    auc: dict[str, float]

    def summary(self) -> dict[str, Any]:
        """Return the machine-readable result of ``clv evaluate --json`` (fixed keys)."""
        m = self.metrics.set_index(["measure", "method"])

        def pick(measure: str, method: str) -> dict[str, float]:
            row = m.loc[(measure, method)]
            return {k: float(row[k]) for k in ("corr", "spearman", "mae", "rmse", "predicted_total",
                                                 "actual_total", "total_error")}

        return {"cutoff": self.cutoff, "end": self.end, "horizon_days": self.horizon_days,
                "customers": self.customers, "repeat_customers": self.repeat_customers,
                "params": {"r": self.bg.r, "alpha": self.bg.alpha, "a": self.bg.a, "b": self.bg.b,
                           "p": self.gg.p, "q": self.gg.q, "gamma": self.gg.gamma},
                "orders": {"model": pick("orders", "model"), "naive": pick("orders", "naive")},
                "spend": {"model": pick("spend", "model"), "naive": pick("spend", "naive")},
                "auc_buys_again": self.auc,
                "base_forecast": self.forecast.to_dict(orient="records"),
                "calibration": self.calibration.to_dict(orient="records")}


def _auc(score_: np.ndarray, label: np.ndarray) -> float:
    """Return ROC AUC (Mann-Whitney, ties counted half); NaN when one class is missing."""
    pos = label.astype(bool)
    n_pos, n_neg = int(pos.sum()), int((~pos).sum())
    if not n_pos or not n_neg:
        return float("nan")
    ranks = pd.Series(score_).rank().to_numpy()
    return float((ranks[pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def _errors(pred: np.ndarray, act: np.ndarray) -> dict[str, float]:
    both_vary = pred.std() > 0 and act.std() > 0
    total = float(act.sum())
    return {"corr": float(np.corrcoef(pred, act)[0, 1]) if both_vary else float("nan"),
            "spearman": float(pd.Series(pred).corr(pd.Series(act), method="spearman")) if both_vary else float("nan"),
            "mae": float(np.abs(pred - act).mean()), "rmse": float(np.sqrt(((pred - act) ** 2).mean())),
            "predicted_total": float(pred.sum()), "actual_total": total,
            "total_error": float(pred.sum() / total - 1) if total else float("nan")}


def default_cutoff(con: duckdb.DuckDBPyConnection, horizon_days: int) -> date:
    """Return the default backtest cutoff: the last day of data minus the horizon."""
    last = db.query_one(con, "SELECT max(order_date) FROM users_order_facts WHERE ckey IS NOT NULL")[0]
    if last is None:
        raise NotEnoughRepeatCustomersError(_("No customer orders yet: nothing to evaluate."))
    return last - timedelta(days=horizon_days)


def backtest(con: duckdb.DuckDBPyConnection, cutoff: date | None = None, horizon_days: int = 90) -> Backtest:
    """Return the out-of-time backtest: fit on purchases up to ``cutoff`` (default: last day - horizon), predict
    each customer's orders and spend in (cutoff, cutoff + horizon], against the naive baseline (the customer's
    past repeat-purchase rate x / T times the horizon; spend: times their mean purchase GMV)."""
    derived.ensure(con, derived.USERS_ORDERS)
    last = db.query_one(con, "SELECT max(order_date) FROM users_order_facts WHERE ckey IS NOT NULL")[0]
    if cutoff is None:
        cutoff = default_cutoff(con, horizon_days)
    if last is None or cutoff >= last:
        raise ValueError(_("The cutoff {cutoff} leaves no data after it (the last order is on {last}).",
                           cutoff=cutoff, last=last or "—"))
    end = min(last, cutoff + timedelta(days=horizon_days))
    h = float((end - cutoff).days)
    frame = summaries(con, cutoff)
    model = fit(con, cutoff, frame)
    hold = db.query_df(con, db.load_sql("users/clv_holdout"), {"cutoff": cutoff, "end": end})
    frame = frame.merge(hold, on="ckey", how="left").fillna({c: 0 for c in hold.columns if c != "ckey"})
    x, t_x, T = (frame[c].to_numpy(float) for c in ("x", "t_x", "T"))
    predicted = btyd.conditional_expected_purchases(model.bg, h, x, t_x, T)
    spend = btyd.expected_spend(model.gg, x, frame["mean_spend"].to_numpy(float))
    rate = np.where(T > 0, x / np.maximum(T, 1.0), 0.0)
    naive = rate * h
    actual, actual_gmv = frame["purchases"].to_numpy(float), frame["gmv"].to_numpy(float)
    rows = [{"measure": "orders", "method": "model", **_errors(predicted, actual)},
            {"measure": "orders", "method": "naive", **_errors(naive, actual)},
            {"measure": "spend", "method": "model", **_errors(predicted * spend, actual_gmv)},
            {"measure": "spend", "method": "naive",
             **_errors(naive * frame["mean_purchase_gmv"].to_numpy(float), actual_gmv)}]
    forecast = []
    for days in (28, 91, 364):
        if days > h:
            continue
        pred = float(btyd.conditional_expected_purchases(model.bg, float(days), x, t_x, T).sum())
        act = float(frame[f"purchases_{days}"].sum())
        forecast.append({"days": days, "predicted": pred, "naive": float(rate.sum() * days), "actual": act,
                         "error": pred / act - 1 if act else float("nan"),
                         "naive_error": float(rate.sum() * days) / act - 1 if act else float("nan")})
    if not forecast or forecast[-1]["days"] != int(h):
        forecast.append({"days": int(h), "predicted": float(predicted.sum()), "naive": float(naive.sum()),
                         "actual": float(actual.sum()), "error": _errors(predicted, actual)["total_error"],
                         "naive_error": _errors(naive, actual)["total_error"]})
    deciles = pd.qcut(pd.Series(predicted).rank(method="first"), 10, labels=list(range(1, 11)))
    calibration = (pd.DataFrame({"decile": deciles.astype(int), "predicted": predicted, "naive": naive,
                                 "actual": actual, "predicted_spend": predicted * spend, "actual_spend": actual_gmv})
                   .groupby("decile").agg(customers=("actual", "size"), predicted=("predicted", "mean"),
                                          naive=("naive", "mean"), actual=("actual", "mean"),
                                          predicted_spend=("predicted_spend", "mean"),
                                          actual_spend=("actual_spend", "mean")).reset_index())
    returned = (actual > 0).astype(int)
    auc = {"p_order": _auc(btyd.p_purchase_within(model.bg, h, x, t_x, T), returned),
           "naive_rate": _auc(naive, returned), "recency": _auc(-(T - t_x), returned)}
    return Backtest(cutoff, end, int(h), model.customers, model.repeat_customers, model.bg, model.gg,
                    pd.DataFrame(rows), pd.DataFrame(forecast), calibration, auc)
