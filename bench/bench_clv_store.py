"""Customer value through the product on UCI Online Retail: the store's tables filled from the file (the tests'
plain-SQL loader), the stored values built by the derived-table mechanism (derived.CUSTOMER_VALUE, what runs after an
import), and the out-of-time backtest of ``python -m ecomops clv evaluate`` (ecomops.users.value.backtest), printed
as the markdown section of bench/RESULTS.md.

Usage: python bench/bench_clv_store.py [--data PATH] [--horizon-days 90] [--cutoff D ...]
       python bench/bench_clv_store.py --scale-db /tmp/scale.duckdb   (a copy of a 1M-customer demo store: time the
       stored build and the page's reads)
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import machine, peak_rss_mb  # noqa: E402
from ecomops import db, derived  # noqa: E402
from ecomops.users import value  # noqa: E402
from tests.retail import load_online_retail  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "online_retail.csv.gz"


def _table(frame, columns: list[str], formats: dict[str, str]) -> str:
    head = "| " + " | ".join(columns) + " |\n|" + "---|" * len(columns) + "\n"
    rows = []
    for row in frame.itertuples(index=False):
        cells = []
        for c in columns:
            v = getattr(row, c)
            cells.append(format(v, formats.get(c, "")) if c in formats else str(v))
        rows.append("| " + " | ".join(cells) + " |")
    return head + "\n".join(rows)


def evaluate(con, cutoff: date | None, horizon: int) -> None:
    """Print one backtest as markdown."""
    started = time.perf_counter()
    result = value.backtest(con, cutoff, horizon)
    elapsed = time.perf_counter() - started
    bg, gg = result.bg, result.gg
    print(f"\n### Holdout ({result.cutoff}, {result.end}] = {result.horizon_days} days\n")
    print(f"{result.customers:,} customers with an order by the cutoff, {result.repeat_customers:,} with a repeat; "
          f"BG/NBD r = {bg.r:.4g}, alpha = {bg.alpha:.4g} days, a = {bg.a:.3g}, b = {bg.b:.4g} "
          f"(mean dropout a/(a+b) = {bg.mean_dropout:.2g}); Gamma-Gamma p = {gg.p:.4g}, q = {gg.q:.4g}, "
          f"gamma = {gg.gamma:.4g} (mean spend per order {gg.mean_spend:,.2f}). Backtest {elapsed:.1f} s.\n")
    metrics = result.metrics.assign(total_error=lambda d: 100 * d["total_error"])
    print(_table(metrics, ["measure", "method", "corr", "spearman", "mae", "rmse", "predicted_total",
                           "actual_total", "total_error"],
                 {"corr": ".3f", "spearman": ".3f", "mae": ",.3f", "rmse": ",.3f", "predicted_total": ",.0f",
                  "actual_total": ",.0f", "total_error": "+.1f"}))
    print("\n(method model = BG/NBD, × Gamma-Gamma for spend; naive = the customer's past order rate x / T × "
          "holdout days, × their mean order GMV; total_error in %)\n")
    forecast = result.forecast.assign(error=lambda d: 100 * d["error"], naive_error=lambda d: 100 * d["naive_error"])
    print("Base forecast, orders of the existing customers from the cutoff (error in %):\n")
    print(_table(forecast, ["days", "predicted", "naive", "actual", "error", "naive_error"],
                 {"predicted": ",.0f", "naive": ",.0f", "actual": ",.0f", "error": "+.1f", "naive_error": "+.1f"}))
    print("\nCalibration by decile of predicted orders (means per customer):\n")
    print(_table(result.calibration, ["decile", "customers", "predicted", "naive", "actual", "predicted_spend",
                                      "actual_spend"],
                 {"predicted": ".3f", "naive": ".3f", "actual": ".3f", "predicted_spend": ",.1f",
                  "actual_spend": ",.1f"}))
    print("\nWho orders again in the holdout, ROC AUC: " + ", ".join(f"{k} {v:.3f}" for k, v in result.auc.items()))


def scale(path: Path) -> None:
    """Copy a scale database, then time building the stored customer value and the Customers page's reads."""
    import shutil
    import tempfile

    work = Path(tempfile.mkdtemp(prefix="bench_clv_"))
    copy = work / "scale.duckdb"
    shutil.copyfile(path, copy)
    con = db.connect(copy)
    rows = []

    def stage(name: str, fn):
        wall, cpu = time.perf_counter(), time.process_time()
        out = fn()
        rows.append((name, time.perf_counter() - wall, time.process_time() - cpu))
        return out

    stage("users summary tables (if stale)", lambda: derived.ensure(con, derived.USERS_ORDERS))
    stage("stored customer value (fit + score + weekly)", lambda: derived.ensure(con, derived.CUSTOMER_VALUE))
    info = stage("fit_info", lambda: value.fit_info(con))
    stage("base_forecast", lambda: value.base_forecast(con))
    stage("value_by_state", lambda: value.value_by_state(con))
    stage("value_by_segment", lambda: value.value_by_segment(con))
    stage("top_customers(100)", lambda: value.top_customers(con, 100))
    dormant = db.query_df(con, "SELECT customer_id FROM users_customer_keys LIMIT 130000")["customer_id"]
    stage("win_back_values (130k customers)", lambda: value.win_back_values(con, info["as_of"], dormant))
    print(f"\n### At scale: {info['customers']:,} buyers ({info['repeat_customers']:,} with a repeat), as of "
          f"{info['as_of']}; load average {os.getloadavg()[0]:.1f}\n")
    print("| stage | wall s | CPU s |\n|---|---|---|")
    for name, wall, cpu in rows:
        print(f"| {name} | {wall:.2f} | {cpu:.2f} |")
    print(f"\nfit {info['fit_seconds']:.2f} s; peak RSS {peak_rss_mb():.0f} MB; BG/NBD r={info['bg'].r:.4g} "
          f"alpha={info['bg'].alpha:.4g} a={info['bg'].a:.4g} b={info['bg'].b:.4g} converged={info['bg'].converged}")
    db.close(copy)
    shutil.rmtree(work, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--horizon-days", type=int, default=90)
    parser.add_argument("--cutoff", type=date.fromisoformat, action="append", default=None,
                        help="calibration end (repeatable); default: the last day minus the horizon")
    parser.add_argument("--scale-db", type=Path, default=None)
    args = parser.parse_args()
    if args.scale_db is not None:
        scale(args.scale_db)
        return 0
    con = db.connect_memory()
    started = time.perf_counter()
    load_online_retail(con, args.data)
    load_s = time.perf_counter() - started
    started = time.perf_counter()
    derived.ensure(con, derived.USERS_ORDERS)
    facts_s = time.perf_counter() - started
    started = time.perf_counter()
    derived.ensure(con, derived.CUSTOMER_VALUE)
    store_s = time.perf_counter() - started
    info = value.fit_info(con)
    forecast = value.base_forecast(con)
    print(f"## Customer value on Online Retail (`python bench/bench_clv_store.py`)\n")
    print(f"{machine()}; load average {os.getloadavg()[0]:.1f}. Loaded in {load_s:.1f} s, users summary tables "
          f"{facts_s:.1f} s, **stored customer value built in {store_s:.1f} s** (fit, score {info['customers']:,} "
          f"customers, weekly tracking + 52-week forecast; fit {info['fit_seconds']:.2f} s); peak RSS "
          f"{peak_rss_mb():.0f} MB. As of {info['as_of']}: base forecast "
          + ", ".join(f"{r.weeks} weeks {r.expected_orders:,.0f} orders / {r.expected_revenue:,.0f} GMV "
                      f"(same weeks before: {r.past_orders:,.0f} / {r.past_revenue:,.0f})"
                      for r in forecast.itertuples()) + ".")
    for cutoff in args.cutoff or [None]:
        evaluate(con, cutoff, args.horizon_days)
    return 0


if __name__ == "__main__":
    sys.exit(main())
