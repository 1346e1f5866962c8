"""Benchmark and backtest the probabilistic customer value models (ecomops.users.btyd: BG/NBD + Gamma-Gamma).

Usage: python bench/bench_clv.py [--customers 1000000] [--holdout-days 90] [--cutoff D] [--data PATH] [--cdnow PATH]

1. Scale: simulate --customers customers (whole days, two years of first purchases), then time the reduction to
   unique (x, t_x, T) triples, the BG/NBD fit, the Gamma-Gamma fit and scoring every customer (P(alive), expected
   purchases in 30/90/365 days, spend, 12-month value, next-purchase date), with CPU seconds and peak memory.
   Target (issue 20): fit 1M customers in under 2 minutes on two cores.
2. Out-of-time backtest on UCI Online Retail, read here with DuckDB straight from the file: valid orders are
   invoices not starting with 'C', lines with quantity > 0 and a customer id; GMV = quantity x unit price; a
   purchase is a customer's day with valid orders. The model is fitted on the purchases up to the cutoff (last day
   minus --holdout-days) and predicts each customer's purchases and GMV in the holdout; compared with the naive
   baseline "the customer's past repeat-purchase rate x holdout length".
3. --cdnow PATH: fit the CDNOW summary (columns frequency, recency, T in weeks; e.g. the file lifetimes ships) and
   print it next to the published parameters.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import machine, peak_rss_mb  # noqa: E402
from ecomops.users import btyd  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "online_retail.csv.gz"
SIM_PARAMS = {"r": 0.3, "alpha": 60.0, "a": 0.7, "b": 3.0}  # days: ~1.8 purchases a year, 19% dropout per purchase
SIM_SPEND = {"p": 6.0, "q": 4.0, "gamma": 30.0}  # mean spend per purchase 60

PURCHASES_SQL = """
    CREATE TEMP TABLE purchases AS
    SELECT CAST(CAST(CustomerID AS DOUBLE) AS BIGINT) AS customer_id, CAST(InvoiceDate AS DATE) AS day,
           sum(Quantity * UnitPrice) AS gmv, count(DISTINCT InvoiceNo) AS invoices
    FROM read_csv($path, header = true,
                  types = {'InvoiceNo': 'VARCHAR', 'StockCode': 'VARCHAR', 'CustomerID': 'DOUBLE'})
    WHERE InvoiceNo NOT LIKE 'C%' AND Quantity > 0 AND CustomerID IS NOT NULL
    GROUP BY ALL
"""

# Per customer with a purchase on or before the cutoff: the BG/NBD summary as of the cutoff (days), the mean GMV
# of the repeat purchases (Gamma-Gamma input), the mean GMV of all purchases (naive spend), and the holdout actuals.
SUMMARY_SQL = """
    WITH cal AS (
        SELECT customer_id, min(day) AS first_day, count(*) - 1 AS x,
               date_diff('day', min(day), max(day)) AS t_x, date_diff('day', min(day), $cutoff::DATE) AS T,
               CASE WHEN count(*) > 1 THEN (sum(gmv) - arg_min(gmv, day)) / (count(*) - 1) END AS mean_repeat_gmv,
               avg(gmv) AS mean_gmv
        FROM purchases WHERE day <= $cutoff::DATE GROUP BY customer_id),
    hold AS (
        SELECT customer_id, count(*) AS purchases, sum(gmv) AS gmv, sum(invoices) AS invoices
        FROM purchases WHERE day > $cutoff::DATE AND day <= $end::DATE GROUP BY customer_id)
    SELECT cal.*, date_diff('day', $start::DATE, first_day) AS birth,
           coalesce(hold.purchases, 0) AS actual_purchases, coalesce(hold.gmv, 0) AS actual_gmv,
           coalesce(hold.invoices, 0) AS actual_invoices
    FROM cal LEFT JOIN hold USING (customer_id) ORDER BY customer_id
"""


def _rss_mb() -> float:
    return psutil.Process().memory_info().rss / 2**20


def scale(customers: int, seed: int = 1) -> None:
    """Simulate, fit and score ``customers`` customers; print the timings."""
    rss_start = _rss_mb()
    rng = np.random.default_rng(seed)
    started = time.perf_counter()
    T = rng.integers(0, 731, customers).astype(float)
    x, t_x = btyd.simulate_bgnbd(*SIM_PARAMS.values(), T, rng)
    t_x = np.floor(t_x)
    spend = btyd.simulate_gamma_gamma(*SIM_SPEND.values(), x, rng)
    simulate_s = time.perf_counter() - started

    rows = []

    def stage(name: str, fn):
        wall, cpu = time.perf_counter(), time.process_time()
        out = fn()
        rows.append({"stage": name, "wall_s": time.perf_counter() - wall, "cpu_s": time.process_time() - cpu,
                     "rss_mb": _rss_mb()})
        return out

    ux, utx, uT, counts = stage("unique (x, t_x, T)", lambda: btyd.unique_summaries(x, t_x, T))
    bg = stage("fit BG/NBD", lambda: btyd.fit_bgnbd(ux, utx, uT, counts=counts))
    gg = stage("fit Gamma-Gamma", lambda: btyd.fit_gamma_gamma(x, spend))
    scored = stage("score every customer", lambda: btyd.score_customers(
        bg, gg, x, t_x, T, spend, as_of=np.datetime64("2025-01-01")))
    forecast = stage("base forecast 4/13/52 weeks", lambda: btyd.base_forecast(bg, x, t_x, T, (28, 91, 364), gg,
                                                                             spend))
    table = pd.DataFrame(rows)
    fit_total = table.loc[table.stage.isin(["unique (x, t_x, T)", "fit BG/NBD", "fit Gamma-Gamma"]), "wall_s"].sum()
    print(f"== scale: {customers:,} simulated customers ({machine()}; load average {os.getloadavg()[0]:.1f})")
    print(f"simulated in {simulate_s:.1f} s; true BG/NBD {SIM_PARAMS}, Gamma-Gamma {SIM_SPEND}")
    print(table.to_string(index=False, float_format=lambda v: f"{v:.2f}"))
    print(f"fit total (unique + BG/NBD + Gamma-Gamma): {fit_total:.1f} s (target < 120 s); "
          f"peak RSS {peak_rss_mb():.0f} MB (start {rss_start:.0f} MB)")
    print(f"BG/NBD: r={bg.r:.4f} alpha={bg.alpha:.3f} a={bg.a:.4f} b={bg.b:.4f} LL={bg.log_likelihood:.1f} "
          f"unique triples={bg.n_unique:,} iterations={bg.iterations} converged={bg.converged}")
    print(f"Gamma-Gamma: p={gg.p:.4f} q={gg.q:.4f} gamma={gg.gamma:.3f} on {gg.n_customers:,} repeat customers; "
          f"corr(frequency, spend) Pearson {gg.spend_frequency_correlation:.3f}, "
          f"Spearman {gg.spend_frequency_rank_correlation:.3f}; converged={gg.converged}")
    unlikely = np.isnan(scored["days_to_next_purchase"]).mean()
    print(f"scored: mean P(alive) {scored['p_alive'].mean():.3f}, mean 12-month value "
          f"{scored['value_365'].mean():.2f}, unlikely to buy again within a year {unlikely:.1%}; base forecast "
          + ", ".join(f"{h} d: {v['purchases']:,.0f} purchases / {v['gmv']:,.0f} GMV" for h, v in forecast.items()))


def _auc(score: np.ndarray, label: np.ndarray) -> float:
    """Return ROC AUC (Mann-Whitney, ties counted half)."""
    ranks = pd.Series(score).rank().to_numpy()
    pos = label.astype(bool)
    n_pos, n_neg = pos.sum(), (~pos).sum()
    return float((ranks[pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def backtest(path: Path, holdout_days: int, cutoff: date | None = None) -> None:
    """Fit on the calibration period of Online Retail and print predicted vs actual in the holdout (the last
    ``holdout_days`` of the data, or the ``holdout_days`` after ``cutoff``)."""
    con = duckdb.connect(config={"autoinstall_known_extensions": False, "autoload_known_extensions": False})
    started = time.perf_counter()
    con.execute(PURCHASES_SQL, {"path": str(path)})
    start, last = con.execute("SELECT min(day), max(day) FROM purchases").fetchone()
    if cutoff is None:
        cutoff = last - timedelta(days=holdout_days)
    end = min(last, cutoff + timedelta(days=holdout_days))
    holdout_days = (end - cutoff).days
    frame = con.execute(SUMMARY_SQL, {"cutoff": cutoff, "end": end, "start": start}).df()
    same_day = con.execute("SELECT sum(invoices) - count(*), sum(invoices) FROM purchases").fetchone()
    read_s = time.perf_counter() - started
    x, t_x, T = (frame[c].to_numpy(float) for c in ("x", "t_x", "T"))
    m = frame["mean_repeat_gmv"].to_numpy(float)

    started = time.perf_counter()
    bg = btyd.fit_bgnbd(x, t_x, T)
    gg = btyd.fit_gamma_gamma(x, m, warn=False)
    fit_s = time.perf_counter() - started
    h = float(holdout_days)
    predicted = btyd.conditional_expected_purchases(bg, h, x, t_x, T)
    spend = btyd.expected_spend(gg, x, m)
    predicted_gmv = predicted * spend
    naive = np.where(T > 0, x / np.maximum(T, 1) * h, 0.0)
    naive_gmv = naive * frame["mean_gmv"].to_numpy(float)
    actual = frame["actual_purchases"].to_numpy(float)
    actual_gmv = frame["actual_gmv"].to_numpy(float)

    print(f"\n== backtest: Online Retail, calibration {start} .. {cutoff}, holdout ({cutoff}, {end}] "
          f"= {holdout_days} days")
    print(f"{len(frame):,} customers with a purchase on or before the cutoff; {int((x > 0).sum()):,} with a repeat; "
          f"read + summarise in DuckDB {read_s:.1f} s, fit {fit_s:.2f} s; same-day invoices merged into one "
          f"purchase: {same_day[0]:,} of {same_day[1]:,} invoices")
    print(f"BG/NBD (days): r={bg.r:.4g} alpha={bg.alpha:.4g} a={bg.a:.3g} b={bg.b:.4g} LL={bg.log_likelihood:.1f} "
          f"on {bg.n_unique:,} unique triples, converged={bg.converged} ({bg.message})")
    print(f"Gamma-Gamma: p={gg.p:.3f} q={gg.q:.3f} gamma={gg.gamma:.3f} (population mean spend per purchase "
          f"{gg.mean_spend:.2f}) on {gg.n_customers:,} repeat customers, {gg.n_excluded} excluded (zero spend); "
          f"corr(frequency, mean spend) Pearson {gg.spend_frequency_correlation:.3f}, "
          f"Spearman {gg.spend_frequency_rank_correlation:.3f}")

    def metrics(pred: np.ndarray, act: np.ndarray) -> dict[str, float]:
        return {"corr": float(np.corrcoef(pred, act)[0, 1]),
                "spearman": float(pd.Series(pred).corr(pd.Series(act), method="spearman")),
                "MAE": float(np.abs(pred - act).mean()), "RMSE": float(np.sqrt(((pred - act) ** 2).mean())),
                "predicted_total": float(pred.sum()), "actual_total": float(act.sum()),
                "total_error_%": float(100 * (pred.sum() / act.sum() - 1))}

    table = pd.DataFrame({
        "purchases BG/NBD": metrics(predicted, actual), "purchases naive": metrics(naive, actual),
        "GMV BG/NBD x Gamma-Gamma": metrics(predicted_gmv, actual_gmv), "GMV naive": metrics(naive_gmv, actual_gmv),
    }).T
    print("\nper customer, holdout purchases and GMV:")
    print(table.to_string(float_format=lambda v: f"{v:,.3f}"))

    returned = (actual > 0).astype(int)
    p_buy = btyd.p_purchase_within(bg, h, x, t_x, T)
    recency = T - t_x
    print(f"\nwho buys again in the holdout ({returned.mean():.1%} do): ROC AUC of P(purchase within "
          f"{holdout_days} d) {_auc(p_buy, returned):.3f}, of E[purchases] {_auc(predicted, returned):.3f}, "
          f"of P(alive) {_auc(btyd.p_alive(bg, x, t_x, T), returned):.3f}, naive rate {_auc(naive, returned):.3f}, "
          f"recency alone {_auc(-recency, returned):.3f}")

    # base forecast: all calibration customers' purchases in the first 4, 8 and 13 weeks of the holdout
    days = con.execute("""
        SELECT date_diff('day', $cutoff::DATE, day) AS d, count(*) AS n FROM purchases
        WHERE day > $cutoff::DATE AND day <= $end::DATE
          AND customer_id IN (SELECT customer_id FROM purchases WHERE day <= $cutoff::DATE)
        GROUP BY d""", {"cutoff": cutoff, "end": end}).df()
    rows = []
    for horizon in (28, 56, holdout_days):
        act = float(days.loc[days.d <= horizon, "n"].sum())
        pred = float(btyd.conditional_expected_purchases(bg, float(horizon), x, t_x, T).sum())
        naive_total = float(naive.sum() * horizon / h)
        rows.append({"days": horizon, "predicted": pred, "naive": naive_total, "actual": act,
                     "error_%": 100 * (pred / act - 1), "naive_error_%": 100 * (naive_total / act - 1)})
    print("\nbase forecast, purchases by the calibration customers (cumulative from the cutoff):")
    print(pd.DataFrame(rows).to_string(index=False, float_format=lambda v: f"{v:,.1f}"))

    deciles = pd.qcut(pd.Series(predicted).rank(method="first"), 10, labels=list(range(1, 11)))
    calib = pd.DataFrame({"decile": deciles, "predicted": predicted, "naive": naive, "actual": actual,
                          "p_alive": btyd.p_alive(bg, x, t_x, T), "predicted_gmv": predicted_gmv,
                          "actual_gmv": actual_gmv})
    calib = calib.groupby("decile", observed=True).agg(
        customers=("actual", "size"), predicted=("predicted", "mean"), naive=("naive", "mean"),
        actual=("actual", "mean"), p_alive=("p_alive", "mean"), predicted_gmv=("predicted_gmv", "mean"),
        actual_gmv=("actual_gmv", "mean"))
    print("\ncalibration by decile of predicted purchases (means per customer; 10 = highest predicted):")
    print(calib.to_string(float_format=lambda v: f"{v:,.3f}"))

    # tracking plot: cumulative repeat purchases of the calibration cohort, actual vs E[X(t)] summed by birth day
    n_days = (end - start).days + 1
    repeats = con.execute("""
        WITH firsts AS (SELECT customer_id, min(day) AS first_day FROM purchases GROUP BY customer_id
                        HAVING min(day) <= $cutoff::DATE)
        SELECT date_diff('day', $start::DATE, p.day) AS d, count(*) AS n
        FROM purchases p JOIN firsts f USING (customer_id) WHERE p.day > f.first_day AND p.day <= $end::DATE
        GROUP BY d""", {"cutoff": cutoff, "start": start, "end": end}).df()
    daily = np.zeros(n_days)
    daily[repeats.d.to_numpy()] = repeats.n.to_numpy()
    expected = btyd.tracking_expected_repeats(bg, frame["birth"].to_numpy(), n_days)
    cut_day = (cutoff - start).days
    marks = sorted(set(list(range(27, n_days, 28)) + [cut_day, n_days - 1]))
    track = pd.DataFrame({"day": [str(start + timedelta(days=int(d))) for d in marks],
                          "period": ["calibration" if d <= cut_day else "holdout" for d in marks],
                          "actual_cumulative": np.cumsum(daily)[marks], "expected_cumulative": expected[marks]})
    track["error_%"] = 100 * (track.expected_cumulative / track.actual_cumulative - 1)
    print("\ntracking: cumulative repeat purchases of the calibration cohort (every 4 weeks):")
    print(track.to_string(index=False, float_format=lambda v: f"{v:,.1f}"))


def cdnow(path: Path) -> None:
    """Fit the CDNOW summary and print it next to Fader, Hardie & Lee's published estimates."""
    frame = pd.read_csv(path)
    started = time.perf_counter()
    fit = btyd.fit_bgnbd(frame["frequency"], frame["recency"], frame["T"])
    elapsed = time.perf_counter() - started
    print(f"\n== CDNOW ({len(frame):,} customers, weeks): r={fit.r:.4f} alpha={fit.alpha:.4f} a={fit.a:.4f} "
          f"b={fit.b:.4f} LL={fit.log_likelihood:.2f} in {elapsed * 1000:.0f} ms; published (FHL 2005): r=0.243 "
          f"alpha=4.414 a=0.793 b=2.426 LL=-9582.4")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--holdout-days", type=int, default=90)
    parser.add_argument("--cutoff", type=date.fromisoformat, default=None,
                        help="last calibration day (default: the last day of data minus --holdout-days)")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--cdnow", type=Path, default=None, help="CDNOW summary CSV (frequency, recency, T)")
    args = parser.parse_args()
    if args.customers > 0:
        scale(args.customers)
    if args.data.exists():
        backtest(args.data, args.holdout_days, args.cutoff)
    else:
        print(f"\n(Online Retail not found at {args.data}: backtest skipped)")
    if args.cdnow is not None:
        cdnow(args.cdnow)
    return 0


if __name__ == "__main__":
    sys.exit(main())
