"""Reactivation targeting (PLAYBOOK §1): score dormant customers with the churn model, explain and recommend,
pick a target list with a held-out random control group, record it, and measure treatment vs control later.

Dormant = active_days < recency <= dormant_days (90 and 180 by default: settings, config.thresholds) as of the
last day of data (METRICS.md). P(return) is
1 - P(churn in the horizon); expected value = P(return) x the customer's average order value. The list is ranked by
the value a win-back would recover (issue 20, docs/clv.md): winback_value = P(return) x the customer's predicted
12-month value once active again (BG/NBD + Gamma-Gamma, ecomops.users.value.win_back_values); clv_365 is their
predicted 12-month value as things stand. When the value model cannot be fitted (too few repeat customers) both are
empty and the list falls back to expected value.

Scoring every dormant customer (prediction, per-customer reasons, recommendations) takes ~9 s at 1M customers, so
the scores of the latest model are stored in ``churn_dormant_scores`` by the derived-table mechanism
(derived.CHURN_SCORES: built right after training and after every data change) and read by ``stored_dormant``.
"""
from __future__ import annotations

import hashlib
import math
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from ecomops import config, db, derived
from ecomops.users import churn, value
from ecomops.db import SQL_DIR
from ecomops.i18n import N_, _, fmt

CONTROL_SHARE = 0.10
REASON_CANDIDATES = 6  # explain with the globally most important features only (each costs one prediction pass)
EXPORT_COLUMNS = ["customer_id", "p_return", "winback_value", "clv_365", "expected_value", "segment", "recency_days", "frequency", "monetary",
                  "top_category", "recommendations", "recommended_ids", "suggested_offer", "reasons"]

# What the stored table keeps (migration 860), in the order score_dormant returns them.
STORED_COLUMNS = EXPORT_COLUMNS + ["scored_as_of", "model_id"]
TABLE_COLUMNS = ["customer_id", "p_return", "winback_value", "clv_365", "expected_value", "recency_days", "frequency", "monetary", "top_category",
                 "recommendations", "suggested_offer", "reasons"]

_models: dict[str, Any] = {}


def _model(con: duckdb.DuckDBPyConnection, model_id: int | None) -> tuple[Any, dict[str, Any]]:
    entry = churn.latest_model(con) if model_id is None else churn._entry(con, model_id)
    if entry is None:
        raise churn.InsufficientHistoryError("No churn model trained yet: train it first (button above, or "
                                             "`python -m ecomops churn train`).")
    if entry["sha256"] not in _models:  # a process keeps each verified model once
        _models[entry["sha256"]] = churn.load_model(con, entry["model_id"])[0]
    return _models[entry["sha256"]], entry


# Suggested comeback offers: stored in English (the message id), shown translated (``readable``).
OFFERS = {"gift": N_("Time-limited comeback gift on the next order over the usual basket (7 days)"),
          "member": N_("Member comeback: double points + free shipping"),
          "vip": N_("VIP comeback gift with next order + free shipping"),
          "coupon": N_("Time-limited comeback coupon: 15 percent off (discount-driven buyer)")}


def suggested_offer(frame: pd.DataFrame, typical_spend: float) -> pd.Series:
    """Return a suggested comeback offer per customer from simple, readable rules."""
    offer = pd.Series(OFFERS["gift"], index=frame.index)
    offer[frame["membership_tier"].isin(["silver", "gold"])] = OFFERS["member"]
    offer[frame["monetary"] >= 3 * max(typical_spend, 1.0)] = OFFERS["vip"]
    offer[frame["discount_share"] >= 0.5] = OFFERS["coupon"]
    return offer


def score_dormant(con: duckdb.DuckDBPyConnection, model_id: int | None = None, per_customer: int = 3,
                  with_reasons: bool = True) -> pd.DataFrame:
    """Return the dormant customers as of the last day of data, ranked by the value a win-back would recover
    (winback_value; expected value when the value model cannot be fitted), with P(return), expected value, top
    reasons (JSON, as stored: ``readable`` turns them into a sentence), recommended products and a suggested
    offer."""
    model, entry = _model(con, model_id)
    cutoff = churn.last_order_day(con)
    t = config.thresholds(con)
    dormant = churn.features(con, cutoff, t.active_days, t.dormant_days)
    if dormant.empty:
        return pd.DataFrame(columns=EXPORT_COLUMNS)
    dormant["p_return"] = 1.0 - churn.churn_probability(model, dormant)
    dormant["expected_value"] = dormant["p_return"] * dormant["avg_order_value"]
    values = value.win_back_values(con, cutoff, dormant["customer_id"])
    dormant = dormant.merge(values, on="customer_id", how="left")
    dormant["winback_value"] = dormant["p_return"] * dormant["value_if_back_365"]
    # The rank: the value a win-back would recover; expected value where the value model has nothing to say.
    dormant["_rank_value"] = dormant["winback_value"].fillna(dormant["expected_value"])
    dormant["segment"] = "dormant"
    metrics = entry["metrics"]
    reference = metrics.get("reference", {})
    if with_reasons:
        ranked = [row["feature"] for row in metrics.get("importance", [])
                  if row.get("importance", 0) > 0 and row["feature"] in churn.CHURN_DIRECTION]
        candidates = (ranked or churn.EXPLAINABLE_FEATURES)[:REASON_CANDIDATES]
        dormant["reasons"] = churn.reasons(model, dormant, reference, candidates,
                                           base=dormant["p_return"].to_numpy())
    else:
        dormant["reasons"] = ""
    dormant["suggested_offer"] = suggested_offer(dormant, float(reference.get("monetary") or 0.0))
    with db.memory_beside_frames(con):  # (the dormant customers' frame is held meanwhile)
        recs = recommendations(con, cutoff, per_customer)
    dormant = dormant.merge(recs, on="customer_id", how="left")
    dormant["scored_as_of"] = cutoff
    dormant["model_id"] = entry["model_id"]
    return (dormant.sort_values(["_rank_value", "p_return", "customer_id"], ascending=[False, False, True],
                                ignore_index=True).drop(columns=["_rank_value", "value_if_back_365"]))


def scoring_key() -> str:
    """Return a hash of what the stored scores follow outside the database: the scoring code and queries
    (derived.CHURN_SCORES.fingerprint_extra; the model's id and file hash come from the registry, the dormant window
    in force from the settings: CHURN_SCORES.thresholds)."""
    digest = hashlib.sha1()
    for path in (Path(churn.__file__), Path(__file__), Path(value.__file__), SQL_DIR / "users" / "churn_features.sql",
                 SQL_DIR / "users" / "churn_recommendations.sql"):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def store_scores(cur: duckdb.DuckDBPyConnection) -> None:
    """Score the dormant customers with the latest usable churn model and store them in churn_dormant_scores.

    Run by the derived-table mechanism (derived.CHURN_SCORES.after_build) in its build transaction, right after the
    build query emptied the table. Without a model, or with a file that fails its checks (missing, another hash or
    feature set), nothing is stored: the page and ``churn score`` say why from the registry entry.
    """
    entry = churn.latest_model(cur)
    if entry is None or churn.model_file_problem(entry) or churn.last_order_day(cur) is None:
        return
    try:
        scored = score_dormant(cur, entry["model_id"])
    except churn.ModelIntegrityError:  # unexpected types in a file with the right hash: refused when read
        return
    if scored.empty:
        return
    rows = scored[STORED_COLUMNS].assign(rank=np.arange(1, len(scored) + 1))
    columns = ", ".join(["rank", *STORED_COLUMNS])
    cur.register("scored_frame", rows)
    try:
        cur.execute(f"INSERT INTO churn_dormant_scores ({columns}) SELECT {columns} FROM scored_frame")
    finally:
        cur.unregister("scored_frame")


def _stored_model(con: duckdb.DuckDBPyConnection, model_id: int | None) -> int:
    """Return the id of the model whose stored scores to read, after checking its file and making sure the stored
    scores are fresh (built now when the data or the model changed since the last build).

    Raises InsufficientHistoryError without a model and ModelIntegrityError when its file fails its checks.
    """
    entry = churn.latest_model(con) if model_id is None else churn._entry(con, model_id)
    if entry is None:
        raise churn.InsufficientHistoryError("No churn model trained yet: train it first (button above, or "
                                             "`python -m ecomops churn train`).")
    problem = churn.model_file_problem(entry)
    if problem:
        raise churn.ModelIntegrityError(problem)
    derived.ensure(con, derived.CHURN_SCORES)
    return int(entry["model_id"])


def stored_dormant(con: duckdb.DuckDBPyConnection, model_id: int | None = None) -> pd.DataFrame:
    """Return all the stored dormant customers of the latest model (as ``score_dormant`` ranks them: same columns
    and order)."""
    model = _stored_model(con, model_id)
    return readable(db.query_df(con, f"SELECT {', '.join(STORED_COLUMNS)} FROM churn_dormant_scores "
                                     "WHERE model_id = $id ORDER BY rank", {"id": model}))


def readable(scored: pd.DataFrame) -> pd.DataFrame:
    """Return stored scores with their reasons as one sentence (churn.reason_sentence) and the suggested offer in the
    current language."""
    return scored.assign(reasons=[churn.reason_sentence(r) for r in scored["reasons"]],
                         suggested_offer=[_(o) if isinstance(o, str) and o else o for o in scored["suggested_offer"]])


def stored_count(con: duckdb.DuckDBPyConnection, model_id: int | None = None) -> int:
    """Return how many dormant customers the latest model's stored scores hold."""
    model = _stored_model(con, model_id)
    return int(db.query_one(con, "SELECT count(*) FROM churn_dormant_scores WHERE model_id = $id", {"id": model})[0])


def stored_targets(con: duckdb.DuckDBPyConnection, model_id: int | None = None, budget: int | None = None,
                   min_probability: float = 0.0) -> pd.DataFrame:
    """Return ``select_targets`` of the stored scores, read in SQL: the ``budget`` highest ranked (win-back value) at
    or above ``min_probability`` (the page reads only the rows it shows, not all ~127k at 1M customers)."""
    model = _stored_model(con, model_id)
    limit = "LIMIT $budget" if budget is not None else ""  # fixed strings only
    params = {"id": model, "min_p": float(min_probability), **({"budget": int(budget)} if budget is not None else {})}
    return readable(db.query_df(con, f"SELECT {', '.join(STORED_COLUMNS)} FROM churn_dormant_scores "
                                     f"WHERE model_id = $id AND p_return >= $min_p ORDER BY rank {limit}", params))


def recommendations(con: duckdb.DuckDBPyConnection, cutoff: date, per_customer: int = 3) -> pd.DataFrame:
    """Return per dormant customer their top category and recommended products they have not bought yet."""
    t = config.thresholds(con)
    params = {"cutoff": cutoff, "min_recency": t.active_days, "max_recency": t.dormant_days,
              "per_customer": per_customer}
    return churn.engine_query_df(con, db.load_sql("users/churn_recommendations"), params)


def select_targets(scored: pd.DataFrame, budget: int | None = None, min_probability: float = 0.0) -> pd.DataFrame:
    """Return the customers to contact: the ``budget`` highest ranked (win-back value, as ``score_dormant`` orders
    them) at or above ``min_probability``."""
    chosen = scored[scored["p_return"] >= min_probability]
    return chosen.head(budget) if budget is not None else chosen


def expected_outcome(targets: pd.DataFrame) -> dict[str, float]:
    """Return the expected returns (sum of P), revenue (sum of expected value) and 12-month value recovered (sum of
    win-back value) of a target list."""
    return {"customers": len(targets), "expected_returns": float(targets["p_return"].sum()) if len(targets) else 0.0,
            "expected_revenue": float(targets["expected_value"].sum()) if len(targets) else 0.0,
            "expected_winback_value": float(targets["winback_value"].sum()) if len(targets) else 0.0}


def assign_arms(customer_ids: list[str], control_share: float = CONTROL_SHARE, seed: int = 7) -> pd.DataFrame:
    """Return customer_id and arm ('treatment' | 'control'): a seeded random control group of the given share."""
    ids = sorted(set(customer_ids))
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(ids))
    n_control = int(round(len(ids) * control_share))
    arm = np.full(len(ids), "treatment", dtype=object)
    arm[order[:n_control]] = "control"
    return pd.DataFrame({"customer_id": ids, "arm": arm})


def record_outreach(con: duckdb.DuckDBPyConnection, targets: pd.DataFrame, sent_date: date,
                    control_share: float = CONTROL_SHARE, seed: int = 7, offer: str | None = None) -> pd.DataFrame:
    """Split the targets into treatment/control, store them in reactivation_outreach (one transaction) and return
    the targets with their arm. A customer already recorded for that date keeps the first record."""
    arms = assign_arms(targets["customer_id"].tolist(), control_share, seed)
    rows = arms.assign(sent_date=sent_date, offer=offer)
    with db.transaction(con, sales_data=False) as cur:
        cur.register("new_outreach", rows)
        cur.execute(
            "INSERT INTO reactivation_outreach (customer_id, sent_date, arm, offer) "
            "SELECT customer_id, sent_date, arm, offer FROM new_outreach ON CONFLICT DO NOTHING")
        cur.unregister("new_outreach")
    return targets.merge(arms, on="customer_id", how="left")


def arm_counts(assigned: pd.DataFrame) -> dict[str, int]:
    """Return how many customers each arm holds ({'treatment': n, 'control': m})."""
    counts = assigned["arm"].value_counts()
    return {arm: int(counts.get(arm, 0)) for arm in ("treatment", "control")}


def export_frame(assigned: pd.DataFrame) -> pd.DataFrame:
    """Return the list to send: treatment customers only (the control group must not be contacted)."""
    sent = assigned[assigned["arm"] == "treatment"] if "arm" in assigned else assigned
    return sent[[c for c in EXPORT_COLUMNS if c in sent.columns]].reset_index(drop=True)


def outreach_arms(con: duckdb.DuckDBPyConnection, window_days: int | None = None, sent_from: date | None = None,
                  sent_to: date | None = None, data_end: date | None = None,
                  period_start: date | None = None) -> pd.DataFrame:
    """Return, per outreach date and arm, the customers and how many reactivated: a valid order within
    ``window_days`` (default: the churn horizon in force) after the sent date, seen up to ``data_end`` (default: the
    last day of data). The one definition of reactivation used by the Churn page, the review, its HTML/PDF export
    and the command line; the outcome comes from the orders, never from a stored ``converted`` flag."""
    window_days = int(window_days or config.thresholds(con).churn_horizon_days)
    data_end = data_end or churn.last_order_day(con) or date.today()
    params = {"window_days": window_days, "data_end": data_end, "sent_from": sent_from or date(1900, 1, 1),
              "sent_to": sent_to or date(9999, 12, 31), "period_start": period_start or date(1900, 1, 1)}
    return db.query_df(con, db.load_sql("users/churn_outreach_results"), params)


def _counts(part: pd.DataFrame, arm: str) -> tuple[int, int]:
    rows = part[part["arm"] == arm]
    return int(rows["customers"].sum()), int(rows["reactivated"].sum())


def reactivation_results(con: duckdb.DuckDBPyConnection, window_days: int | None = None, z: float = 1.96,
                         data_end: date | None = None) -> pd.DataFrame:
    """Return per outreach date: treatment and control reactivation rates (:func:`outreach_arms`), the uplift in
    points and its normal-approximation 95% confidence interval."""
    arms = outreach_arms(con, window_days, data_end=data_end)
    columns = ["sent_date", "offer", "days_observed", "treatment_customers", "treatment_rate", "control_customers",
               "control_rate", "uplift", "ci_low", "ci_high"]
    if arms.empty:
        return pd.DataFrame(columns=columns)
    rows = []
    for sent, part in arms.groupby("sent_date", sort=True):
        nt, xt = _counts(part, "treatment")
        nc, xc = _counts(part, "control")
        uplift, low, high = uplift_interval(xt, nt, xc, nc, z)
        rows.append({"sent_date": sent, "offer": part["offer"].dropna().iloc[0] if part["offer"].notna().any() else None,
                     "days_observed": int(part["days_observed"].max()), "treatment_customers": nt,
                     "treatment_rate": xt / nt if nt else float("nan"), "control_customers": nc,
                     "control_rate": xc / nc if nc else float("nan"), "uplift": uplift, "ci_low": low, "ci_high": high})
    return pd.DataFrame(rows, columns=columns)


def reactivation_by_arm(con: duckdb.DuckDBPyConnection, sent_from: date, sent_to: date, data_end: date,
                        period_start: date | None = None, window_days: int | None = None,
                        z: float = 1.96) -> pd.DataFrame:
    """Return the outreach sent in [sent_from, sent_to] pooled by arm (treatment first): arm, sent, converted
    (reactivated, :func:`outreach_arms`), rate, converted_in_period (first return on or after ``period_start``),
    first_sent, last_sent, and on every row the uplift (treatment minus control) with its 95% interval."""
    arms = outreach_arms(con, window_days, sent_from, sent_to, data_end, period_start)
    columns = ["arm", "sent", "converted", "rate", "converted_in_period", "first_sent", "last_sent", "uplift",
               "ci_low", "ci_high"]
    if arms.empty:
        return pd.DataFrame(columns=columns)
    nt, xt = _counts(arms, "treatment")
    nc, xc = _counts(arms, "control")
    uplift, low, high = uplift_interval(xt, nt, xc, nc, z)
    pooled = arms.groupby("arm").agg(sent=("customers", "sum"), converted=("reactivated", "sum"),
                                     converted_in_period=("reactivated_in_period", "sum"),
                                     first_sent=("sent_date", "min"), last_sent=("sent_date", "max")).reset_index()
    pooled["rate"] = pooled["converted"] / pooled["sent"]
    pooled = pooled.assign(uplift=uplift, ci_low=low, ci_high=high)
    return pooled.sort_values("arm", ascending=False, ignore_index=True)[columns]


def uplift_text(uplift: float, low: float, high: float) -> str:
    """Return the uplift and its interval as one line in the current language: "+6.5 pp (95% CI +1.2 pp to +11.8 pp)"."""
    if uplift is None or pd.isna(uplift):
        return fmt.NONE
    return _("{uplift} (95% CI {low} to {high})", uplift=fmt.pp(uplift), low=fmt.pp(low), high=fmt.pp(high))


def uplift_interval(treated_converted: int, treated: int, control_converted: int, control: int,
                    z: float = 1.96) -> tuple[float, float, float]:
    """Return (uplift, low, high): difference of two proportions with a normal-approximation interval."""
    if not treated or not control:
        return float("nan"), float("nan"), float("nan")
    pt, pc = treated_converted / treated, control_converted / control
    se = math.sqrt(pt * (1 - pt) / treated + pc * (1 - pc) / control)
    diff = pt - pc
    return diff, diff - z * se, diff + z * se


def next_send_date(con: duckdb.DuckDBPyConnection) -> date:
    """Return the default sent date of a new outreach: the day after the last day of data."""
    end = churn.last_order_day(con)
    return (end + timedelta(days=1)) if end else date.today()
